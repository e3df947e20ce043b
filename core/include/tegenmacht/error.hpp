// Typed errors of tegenmacht. Every error that a user can cause carries
// where it happened (file, line, column) and what (a key path or argument),
// so the command line and Python can report it in one line.
#pragma once

#include <stdexcept>
#include <string>

namespace tegenmacht {

/// Where in a scenario source a value came from. line/column are 1-based;
/// 0 means "unknown" (e.g. a value given by --set or from Python).
struct SourceLocation {
  std::string file;  ///< scenario file, or "--set" / "<dict>"
  int line = 0;
  int column = 0;
  std::string str() const;  ///< "file:line:column" (omits unknown parts)
};

/// Base of all tegenmacht errors.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A scenario/config problem. what() is the full one-line message
/// "file:line:col: key 'a.b': message".
class ConfigError : public Error {
 public:
  enum class Kind { Syntax, UnknownKey, WrongType, OutOfRange, Missing, Invalid };
  ConfigError(Kind kind, SourceLocation where, std::string key, std::string message);
  Kind kind() const noexcept { return kind_; }
  const SourceLocation& where() const noexcept { return where_; }
  const std::string& key() const noexcept { return key_; }
  const std::string& message() const noexcept { return message_; }

 private:
  Kind kind_;
  SourceLocation where_;
  std::string key_;
  std::string message_;
};

/// A file could not be found, read or written.
class IoError : public Error {
 public:
  IoError(std::string path, std::string message);
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// An argument of the API or command line is invalid (e.g. threads = 0).
class ArgumentError : public Error {
 public:
  ArgumentError(std::string argument, std::string message);
  const std::string& argument() const noexcept { return argument_; }

 private:
  std::string argument_;
};

/// Thrown by Simulation when a stop was requested (Ctrl-C); never escapes
/// the ensemble runner, which records the run as incomplete instead.
class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted") {}
};

/// Why writing `file` failed, when the system can tell: "the file-size limit
/// (ulimit -f) of N bytes is reached" or "the disk is full (K KiB free in DIR)";
/// "" when neither explains it. (The command line ignores SIGXFSZ, so that a
/// write beyond the limit fails with this message instead of killing the process.)
std::string write_failure_cause(const std::string& file);

}  // namespace tegenmacht
