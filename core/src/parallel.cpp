#include "tegenmacht/parallel.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <cstdlib>
#include <string>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "tegenmacht/error.hpp"

namespace tegenmacht {

struct Parallel::Impl {
  explicit Impl(int n) : arena(n) {}
  tbb::task_arena arena;
};

Parallel::Parallel(int threads) : threads_(threads) {
  if (threads < 1 || threads > kMaxThreads)
    throw ArgumentError("threads", "thread count must be between 1 and " + std::to_string(kMaxThreads) + " (got " +
                                       std::to_string(threads) + ")");
  impl_ = std::make_unique<Impl>(threads);
}

Parallel::~Parallel() = default;

int Parallel::default_threads() {
  if (const char* env = std::getenv("TEGENMACHT_THREADS")) {
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v >= 1 && v <= kMaxThreads) return static_cast<int>(v);
    throw ArgumentError("TEGENMACHT_THREADS", "must be an integer from 1 to " + std::to_string(kMaxThreads) +
                                                  " (got '" + env + "')");
  }
  // the cores this process may run on (a batch scheduler or mpirun binds ranks to cores)
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return std::min(CPU_COUNT(&set), kMaxThreads);
  const unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

void Parallel::run(std::size_t blocks, BlockFn fn) { dispatch(blocks, fn, false); }

void Parallel::run_tasks(std::size_t n, BlockFn fn) { dispatch(n, fn, true); }

void Parallel::dispatch(std::size_t n, BlockFn fn, bool isolated) {
  if (n == 0) return;
  if (threads_ == 1 || n == 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
#if defined(__SANITIZE_THREAD__)
  // Under ThreadSanitizer: plain threads that take blocks from a counter. Debian's
  // oneTBB is not instrumented, so TSan cannot see its synchronisation and would
  // report every parallel loop; std::thread's start and join it does see. Results
  // are the same (every draw is keyed by what it is for, not by the thread).
  (void)isolated;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    for (std::size_t i; !failed.load() && (i = next.fetch_add(1)) < n;) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed.store(true);
      }
    }
  };
  std::vector<std::thread> pool;
  const std::size_t helpers = std::min<std::size_t>(static_cast<std::size_t>(threads_), n) - 1;
  for (std::size_t t = 0; t < helpers; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  return;
#endif
  impl_->arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, n, 1),
        [&](const tbb::blocked_range<std::size_t>& r) {
          for (std::size_t i = r.begin(); i != r.end(); ++i) {
            if (isolated) tbb::this_task_arena::isolate([&] { fn(i); });
            else fn(i);
          }
        },
        tbb::simple_partitioner());
  });
}

}  // namespace tegenmacht
