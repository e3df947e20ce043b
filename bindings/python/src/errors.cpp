// C++ errors → the Python exception classes of tegenmacht.errors.
//
// ConfigError → tegenmacht.ConfigError (a ValueError; UnknownKeyError is also
// a KeyError), IoError → tegenmacht.ResultsIOError (a FileNotFoundError),
// ArgumentError → tegenmacht.ArgumentError (a ValueError), Interrupted →
// KeyboardInterrupt, any other tegenmacht::Error → tegenmacht.TegenmachtError.
#include <pybind11/pybind11.h>

#include "tegenmacht/error.hpp"

namespace py = pybind11;

namespace {

/// Sets errors.<cls>(text, **kwargs) as the pending Python error.
void raise(const char* cls, const std::string& text, const py::dict& kwargs) {
  py::object type = py::module_::import("tegenmacht.errors").attr(cls);
  py::object value = type(text, **kwargs);
  PyErr_SetObject(type.ptr(), value.ptr());
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const tegenmacht::ConfigError& e) {
    tegenmacht::SourceLocation where = e.where();
    // A scenario built from a dict has no lines worth naming: they would be
    // lines of the YAML text the dict was turned into.
    if (where.file == "<dict>") where.line = where.column = 0;
    // values set from Python reach the engine as overrides: name them as Python does
    if (where.file == "--set") where.file = "Scenario.set()";
    std::string text = where.str() + ": ";
    if (!e.key().empty()) text += "key '" + e.key() + "': ";
    text += e.message();
    py::dict kw;
    kw["key"] = e.key();
    kw["file"] = where.file;
    kw["line"] = where.line;
    kw["column"] = where.column;
    raise(e.kind() == tegenmacht::ConfigError::Kind::UnknownKey ? "UnknownKeyError" : "ConfigError", text, kw);
  } catch (const tegenmacht::IoError& e) {
    py::dict kw;
    kw["path"] = e.path();
    raise("ResultsIOError", e.what(), kw);
  } catch (const tegenmacht::ArgumentError& e) {
    py::dict kw;
    kw["argument"] = e.argument();
    raise("ArgumentError", e.what(), kw);
  } catch (const tegenmacht::Interrupted&) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
  } catch (const tegenmacht::Error& e) {
    raise("TegenmachtError", e.what(), py::dict());
  }
}

}  // namespace

void init_errors(py::module_&) { py::register_exception_translator(&translate); }
