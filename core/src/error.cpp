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

namespace {
/// A message quoting a value of 100 000 digits stays one readable line: any run
/// of more than 80 characters without a space is cut to its start and length.
std::string shorten_long_words(std::string m) {
  std::string out;
  std::size_t i = 0;
  while (i < m.size()) {
    std::size_t j = m.find(' ', i);
    if (j == std::string::npos) j = m.size();
    if (j - i > 80)
      out += m.substr(i, 40) + "...(" + std::to_string(j - i) + " characters)";
    else
      out += m.substr(i, j - i);
    if (j < m.size()) out += ' ';
    i = j + 1;
  }
  return out;
}
}  // namespace

ConfigError::ConfigError(Kind kind, SourceLocation where, std::string key, std::string message)
    : Error(format_config_error(where, key, shorten_long_words(message))),
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
