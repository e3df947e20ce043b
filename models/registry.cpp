#include "models.hpp"

#include "threshold/threshold.hpp"

namespace tegenmacht {

void register_builtin_models() {
  models::register_threshold_model();
}

}  // namespace tegenmacht
