// Deterministic data parallelism.
//
// Work is cut into fixed-size blocks whose boundaries depend only on the
// problem size, never on the thread count. Reductions write one partial per
// block and combine the partials in block order, so floating-point sums are
// bitwise-identical with 1, 2 or 64 threads. oneTBB does the scheduling; it
// stays out of this header so that model code compiles fast.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace tegenmacht {

/// A non-owning reference to a callable taking (size_t block).
class BlockFn {
 public:
  template <class F>
  BlockFn(F& f) noexcept  // NOLINT(google-explicit-constructor)
      : obj_(static_cast<void*>(&f)), call_([](void* o, std::size_t b) { (*static_cast<F*>(o))(b); }) {}
  void operator()(std::size_t b) const { call_(obj_, b); }

 private:
  void* obj_;
  void (*call_)(void*, std::size_t);
};

/// Most threads a pool may have.
inline constexpr int kMaxThreads = 4096;

/// A pool of worker threads (one oneTBB arena). All parallel work of a run,
/// including runs of an ensemble, shares one Parallel so nothing is
/// oversubscribed.
class Parallel {
 public:
  /// 1 <= threads <= kMaxThreads (else ArgumentError). Use default_threads() for "all cores or TEGENMACHT_THREADS".
  explicit Parallel(int threads);
  ~Parallel();
  Parallel(const Parallel&) = delete;
  Parallel& operator=(const Parallel&) = delete;

  int threads() const noexcept { return threads_; }
  /// TEGENMACHT_THREADS if set to a positive integer, else the hardware concurrency.
  static int default_threads();

  /// Number of blocks of size `block` covering [0, n).
  static std::size_t block_count(std::size_t n, std::size_t block) noexcept {
    return block == 0 ? 0 : (n + block - 1) / block;
  }

  /// Calls fn(block_index, begin, end) for every block of [0, n); blocks run
  /// concurrently, each exactly once.
  template <class F>
  void for_blocks(std::size_t n, std::size_t block, F&& fn) {
    auto body = [&](std::size_t b) {
      const std::size_t begin = b * block;
      const std::size_t end = begin + block < n ? begin + block : n;
      fn(b, begin, end);
    };
    run(block_count(n, block), body);
  }

  /// Calls fn(i) for every i in [0, n) in blocks of `block`.
  template <class F>
  void for_each(std::size_t n, std::size_t block, F&& fn) {
    for_blocks(n, block, [&](std::size_t, std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) fn(i);
    });
  }

  /// Calls fn(i) for every i in [0, n) as independent tasks, scheduled
  /// dynamically (an idle thread takes the next task). Each task runs
  /// isolated: a thread waiting inside a task's own parallel loops never
  /// starts another task, so at most threads() tasks are alive at once and
  /// memory stays bounded by them. Used for the jobs of an experiment.
  template <class F>
  void for_tasks(std::size_t n, F&& fn) {
    auto body = [&](std::size_t i) { fn(i); };
    run_tasks(n, body);
  }

  /// Sum of fn(begin, end) over blocks, combined in block order: the result
  /// does not depend on the thread count.
  template <class F>
  double sum(std::size_t n, std::size_t block, F&& fn) {
    std::vector<double> partial(block_count(n, block), 0.0);
    for_blocks(n, block, [&](std::size_t b, std::size_t begin, std::size_t end) { partial[b] = fn(begin, end); });
    double s = 0.0;
    for (double p : partial) s += p;
    return s;
  }

 private:
  void run(std::size_t blocks, BlockFn fn);
  void run_tasks(std::size_t n, BlockFn fn);
  /// Calls fn(i) for i in [0, n) on the arena; isolated: a waiting thread takes no outer task.
  void dispatch(std::size_t n, BlockFn fn, bool isolated);
  int threads_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tegenmacht
