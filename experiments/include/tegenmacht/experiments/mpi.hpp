// The Cluster of MPI_COMM_WORLD (OpenMPI from Debian; CMake option
// TEGENMACHT_MPI, target tegenmacht::experiments_mpi).
//
//   MpiSession mpi(argc, argv);              // MPI_Init_thread .. MPI_Finalize
//   MpiCluster cluster;
//   RunOptions o; o.cluster = &cluster;      // every rank calls run_experiment
#pragma once

#include "tegenmacht/experiments/cluster.hpp"

namespace tegenmacht::experiments {

/// Initialises MPI (MPI_THREAD_FUNNELED: only the thread that called it
/// talks to other ranks) and finalises it when destroyed.
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  /// True when this process was started by mpirun / srun (their environment
  /// variables are set), so that a plain `tegenmacht` never touches MPI.
  static bool launched_by_mpirun();
};

class MpiCluster : public Cluster {
 public:
  MpiCluster();
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  bool all_ok(bool ok) override;
  std::int64_t broadcast(std::int64_t value) override;
  void send(int to, int tag, const std::vector<unsigned char>& data) override;
  bool poll(int& from, int& tag, std::vector<unsigned char>& data) override;
  void receive(int from, int& tag, std::vector<unsigned char>& data) override;

 private:
  int rank_ = 0, size_ = 1;
};

}  // namespace tegenmacht::experiments
