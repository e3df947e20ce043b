#include "models.hpp"

#include "organizing/organizing.hpp"
#include "threshold/threshold.hpp"
#include "bounded_confidence/bounded_confidence.hpp"
#include "civil_violence/civil_violence.hpp"
#include "schelling/schelling.hpp"
#include "test_functions/test_functions.hpp"

namespace tegenmacht {

void register_builtin_models() {
  models::register_threshold_model();
  models::register_bounded_confidence_model();
  models::register_civil_violence_model();
  models::register_schelling_model();
  models::register_organizing_model();
  models::register_ishigami_model();
  models::register_sobol_g_model();
}

}  // namespace tegenmacht
