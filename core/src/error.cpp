#include "tegenmacht/error.hpp"

namespace tegenmacht {

std::string SourceLocation::str() const {
  std::string s = file.empty() ? std::string("<scenario>") : file;
  if (line > 0) s.append(":").append(std::to_string(line));
  if (line > 0 && column > 0) s.append(":").append(std::to_string(column));
  return s;
}

namespace {
std::string format_config_error(const SourceLocation& where, const std::string& key, const std::string& message) {
  std::string s = where.str() + ": ";
  if (!key.empty()) s += "key '" + key + "': ";
  return s + message;
}
}  // namespace

ConfigError::ConfigError(Kind kind, SourceLocation where, std::string key, std::string message)
    : Error(format_config_error(where, key, message)),
      kind_(kind), where_(std::move(where)), key_(std::move(key)), message_(std::move(message)) {}

IoError::IoError(std::string path, std::string message)
    : Error(path + ": " + message), path_(std::move(path)) {}

ArgumentError::ArgumentError(std::string argument, std::string message)
    : Error(argument + ": " + message), argument_(std::move(argument)) {}

}  // namespace tegenmacht
