// Long work off the GIL, with Ctrl-C. The work runs on a C++ thread; the
// calling thread releases the GIL, wakes when the work ends or every 20 ms to
// check for signals (and to run `tick`, e.g. a progress bar, with the GIL
// held), so other Python threads make progress and KeyboardInterrupt
// arrives quickly.
#pragma once

#include <pybind11/pybind11.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace tegenmacht_python {

/// Runs work(stop); raises KeyboardInterrupt (after the work has stopped
/// cleanly) when Ctrl-C arrives, and rethrows the work's exceptions.
template <class F, class Tick>
void interruptible(F&& work, Tick&& tick) {
  namespace py = pybind11;
  std::atomic<bool> stop{false};
  bool done = false;
  std::mutex m;
  std::condition_variable cv;
  std::exception_ptr error;
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    std::thread worker([&] {
      try {
        work(&stop);
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(m);
      done = true;
      cv.notify_all();
    });
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(m);
        if (cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return done; })) break;
      }
      py::gil_scoped_acquire acquire;
      if (!interrupted && PyErr_CheckSignals() != 0) {
        interrupted = true;
        stop.store(true);
      }
      if (!interrupted) {
        try {
          tick();
        } catch (py::error_already_set&) {
          interrupted = true;  // an exception in the callback (e.g. KeyboardInterrupt in tqdm) stops the work too
          stop.store(true);
        }
      }
    }
    worker.join();
  }
  if (interrupted) {
    if (!PyErr_Occurred()) PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
  if (error) std::rethrow_exception(error);
}

template <class F>
void interruptible(F&& work) {
  interruptible(std::forward<F>(work), [] {});
}

}  // namespace tegenmacht_python
