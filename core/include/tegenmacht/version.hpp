#pragma once

namespace tegenmacht {
const char* version() noexcept;      ///< e.g. "0.1.0"
const char* git_commit() noexcept;   ///< commit the library was built from, or "unknown"
const char* build_type() noexcept;   ///< CMake build type
const char* compiler() noexcept;
inline constexpr int kSchemaVersion = 1;  ///< version of the results file layout
}  // namespace tegenmacht
