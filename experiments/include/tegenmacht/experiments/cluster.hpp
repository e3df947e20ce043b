// Several processes sharing one experiment (MPI ranks on a cluster).
//
// Rank 0 validates the experiment, owns the results file and writes every
// job's results into it (one writer: no parallel file system needed, no
// many-small-files output); every rank, rank 0 included, runs jobs on its own
// thread pool. Jobs are handed out dynamically, largest first, a few at a time,
// so that stragglers do not dominate. A job's results do not depend on where
// it ran, so the file is bitwise the same for any number of ranks and threads.
//
// The library speaks to the other ranks only through this interface (plain
// byte messages and two collectives); tegenmacht/experiments/mpi.hpp
// implements it with MPI (CMake option TEGENMACHT_MPI).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace tegenmacht::experiments {

class Cluster {
 public:
  virtual ~Cluster() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Collective: true on every rank if `ok` is true on every rank.
  virtual bool all_ok(bool ok) = 0;
  /// Collective: rank 0's `value` on every rank.
  virtual std::int64_t broadcast(std::int64_t value) = 0;
  /// Sends bytes to a rank (returns once the buffer may be reused).
  virtual void send(int to, int tag, const std::vector<unsigned char>& data) = 0;
  /// The next message for this rank from any rank, if one is waiting (non-blocking).
  virtual bool poll(int& from, int& tag, std::vector<unsigned char>& data) = 0;
  /// The next message from rank `from` (blocking).
  virtual void receive(int from, int& tag, std::vector<unsigned char>& data) = 0;
};

/// Thrown on a rank other than 0 when the experiment stops because of an error
/// that rank 0 reports (printed once, there). `code` is the exit code rank 0 uses.
class ClusterStopped : public std::runtime_error {
 public:
  explicit ClusterStopped(int code) : std::runtime_error("stopped by rank 0"), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

}  // namespace tegenmacht::experiments
