// C++ errors → the Python exception classes of tegenmacht.errors.
//
// ConfigError → tegenmacht.ConfigError (a ValueError; UnknownKeyError and
// MissingKeyError are also KeyErrors), IoError → tegenmacht.FileError (an
// OSError; FileNotFoundError when the file does not exist), ArgumentError →
// tegenmacht.ArgumentError (a ValueError), Interrupted → KeyboardInterrupt,
// any other tegenmacht::Error → tegenmacht.TegenmachtError.
#include <filesystem>

#include "common.hpp"
#include "tegenmacht/error.hpp"

namespace tegenmacht::python {

namespace {

const char* kind_name(ConfigError::Kind k) {
  switch (k) {
    case ConfigError::Kind::Syntax: return "syntax";
    case ConfigError::Kind::UnknownKey: return "unknown_key";
    case ConfigError::Kind::WrongType: return "wrong_type";
    case ConfigError::Kind::OutOfRange: return "out_of_range";
    case ConfigError::Kind::Missing: return "missing";
    case ConfigError::Kind::Invalid: return "invalid";
  }
  return "invalid";
}

/// Raises errors.<cls>(text, **kwargs) as the pending Python error.
void raise(const char* cls, const std::string& text, const py::dict& kwargs) {
  py::object errors = py::module_::import("tegenmacht.errors");
  py::object type = errors.attr(cls);
  py::object value = type(text, **kwargs);
  PyErr_SetObject(type.ptr(), value.ptr());
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const ConfigError& e) {
    SourceLocation where = e.where();
    // A scenario built from a dict has no lines worth naming: they would be
    // lines of the YAML text the dict was turned into.
    if (where.file == "<dict>") where.line = where.column = 0;
    std::string text = where.str() + ": ";
    if (!e.key().empty()) text += "key '" + e.key() + "': ";
    text += e.message();
    const char* cls = e.kind() == ConfigError::Kind::UnknownKey ? "UnknownKeyError"
                      : e.kind() == ConfigError::Kind::Missing  ? "MissingKeyError"
                                                                 : "ConfigError";
    py::dict kw;
    kw["kind"] = kind_name(e.kind());
    kw["key"] = e.key();
    kw["file"] = where.file;
    kw["line"] = where.line > 0 ? py::object(py::int_(where.line)) : py::object(py::none());
    kw["column"] = where.column > 0 ? py::object(py::int_(where.column)) : py::object(py::none());
    kw["message"] = e.message();
    raise(cls, text, kw);
  } catch (const IoError& e) {
    std::error_code ec;
    const bool missing = !e.path().empty() && !std::filesystem::exists(e.path(), ec) &&
                         !std::filesystem::exists(std::filesystem::path(e.path()).parent_path().empty()
                                                      ? std::filesystem::path(".")
                                                      : std::filesystem::path(e.path()).parent_path(),
                                                  ec);
    const bool absent_input = !e.path().empty() && !std::filesystem::exists(e.path(), ec) &&
                              std::string(e.what()).find("cannot open") != std::string::npos;
    py::dict kw;
    kw["path"] = e.path();
    raise(missing || absent_input ? "FileNotFound" : "FileError", e.what(), kw);
  } catch (const ArgumentError& e) {
    py::dict kw;
    kw["argument"] = e.argument();
    raise("ArgumentError", e.what(), kw);
  } catch (const Interrupted&) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
  } catch (const Error& e) {
    raise("TegenmachtError", e.what(), py::dict());
  } catch (const YAML::Exception& e) {
    raise("TegenmachtError", std::string("YAML: ") + e.what(), py::dict());
  }
}

}  // namespace

void init_errors(py::module_&) { py::register_exception_translator(&translate); }

}  // namespace tegenmacht::python
