#include "models.hpp"

#include "organizing/organizing.hpp"
#include "threshold/threshold.hpp"

namespace tegenmacht {

void register_builtin_models() {
  models::register_threshold_model();
  models::register_organizing_model();
}

}  // namespace tegenmacht
