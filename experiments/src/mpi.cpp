#include "tegenmacht/experiments/mpi.hpp"

#include <mpi.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "tegenmacht/error.hpp"

namespace tegenmacht::experiments {

namespace {
void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw Error(std::string("MPI: ") + what + ": " + std::string(text, static_cast<std::size_t>(len)));
  }
}
int byte_count(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX)) throw Error("MPI: a message of more than 2 GB (record fewer metrics)");
  return static_cast<int>(n);
}
}  // namespace

MpiSession::MpiSession(int& argc, char**& argv) {
  int provided = 0;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

bool MpiSession::launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

MpiCluster::MpiCluster() {
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
}

bool MpiCluster::all_ok(bool ok) {
  int mine = ok ? 1 : 0, all = 0;
  check(MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  return all == 1;
}

std::int64_t MpiCluster::broadcast(std::int64_t value) {
  check(MPI_Bcast(&value, 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return value;
}

void MpiCluster::send(int to, int tag, const std::vector<unsigned char>& data) {
  check(MPI_Send(data.data(), byte_count(data.size()), MPI_BYTE, to, tag, MPI_COMM_WORLD), "MPI_Send");
}

bool MpiCluster::poll(int& from, int& tag, std::vector<unsigned char>& data) {
  int flag = 0;
  MPI_Status st;
  check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st), "MPI_Iprobe");
  if (!flag) return false;
  receive(st.MPI_SOURCE, tag, data);
  from = st.MPI_SOURCE;
  return true;
}

void MpiCluster::receive(int from, int& tag, std::vector<unsigned char>& data) {
  MPI_Status st;
  check(MPI_Probe(from, MPI_ANY_TAG, MPI_COMM_WORLD, &st), "MPI_Probe");
  int count = 0;
  check(MPI_Get_count(&st, MPI_BYTE, &count), "MPI_Get_count");
  data.resize(static_cast<std::size_t>(count));
  check(MPI_Recv(data.data(), count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
        "MPI_Recv");
  tag = st.MPI_TAG;
}

}  // namespace tegenmacht::experiments
