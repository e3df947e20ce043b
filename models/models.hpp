// The models that ship with tegenmacht.
#pragma once

namespace tegenmacht {
/// Registers every built-in model with the Registry (idempotent).
void register_builtin_models();
}  // namespace tegenmacht
