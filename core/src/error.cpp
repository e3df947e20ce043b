#include "tegenmacht/error.hpp"

#include <sys/resource.h>

#include <filesystem>

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

std::string write_failure_cause(const std::string& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  rlimit lim{};
  if (!ec && getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY &&
      size + (std::uintmax_t{1} << 16) >= lim.rlim_cur)
    return "the file-size limit (ulimit -f) of " + std::to_string(lim.rlim_cur) + " bytes is reached";
  auto dir = std::filesystem::path(file).parent_path();
  if (dir.empty()) dir = ".";
  const auto sp = std::filesystem::space(dir, ec);
  if (!ec && sp.available < (std::uintmax_t{1} << 20))
    return "the disk is full (" + std::to_string(sp.available / 1024) + " KiB free in " + dir.string() + ")";
  return "";
}

}  // namespace tegenmacht
