// The cost of mpi_reducer::sum per training step (issue 21): the MLP's 101,770 float parameters
// (784-128-10) summed over the ranks as one vector, as the four gradients one by one (W1, b1, W2,
// b2: what allreduce_outputs does), and MPI_Allreduce of the same vector for comparison (not
// rank-order, not reproducible across sizes). Run under mpirun: the ranks time the same calls in
// lockstep, so a plain loop rather than Google Benchmark, whose iteration counts could differ
// between ranks and leave one in a collective alone. Prints, on rank 0, the median and minimum
// over rounds of the slowest rank's time per call.
// Usage: mpirun -np 2 allreduce_bench [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "ctgrad/dist/mpi.hpp"

namespace {

double seconds_per_call(MPI_Comm comm, int calls, const std::function<void()>& f) {
  MPI_Barrier(comm);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) f();
  double mine = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / calls, slowest = 0;
  MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, comm);
  return slowest;
}

}  // namespace

int main(int argc, char** argv) {
  auto session = ctgrad::dist::mpi_session::start(&argc, &argv);
  if (!session.ok()) return 1;
  auto r = ctgrad::dist::mpi_reducer::create();
  if (!r.ok()) return 1;
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 30, calls = 20;
  const std::size_t sizes[] = {784 * 128, 128, 128 * 10, 10};
  std::size_t n = 0;
  for (std::size_t s : sizes) n += s;
  std::vector<float> g(n, 1.0f / 3), out(n);
  std::vector<double> gd(n, 1.0 / 3);
  struct row {
    const char* name;
    std::function<void()> f;
    std::vector<double> t;
  };
  std::vector<row> rows;
  rows.push_back({"sum, one vector of 101770 floats", [&] { (void)r->sum(std::span<float>(g)); }, {}});
  rows.push_back({"sum, the 4 gradients one by one", [&] {
                    std::size_t off = 0;
                    for (std::size_t s : sizes) {
                      (void)r->sum(std::span<float>(g).subspan(off, s));
                      off += s;
                    }
                  }, {}});
  rows.push_back({"sum, 101770 doubles", [&] { (void)r->sum(std::span<double>(gd)); }, {}});
  rows.push_back({"MPI_Allreduce, 101770 floats", [&] {
                    MPI_Allreduce(g.data(), out.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, r->comm());
                  }, {}});
  for (auto& row : rows) seconds_per_call(r->comm(), 5, row.f);   // warm-up: buffers, connections
  for (int k = 0; k < rounds; ++k)
    for (auto& row : rows) row.t.push_back(seconds_per_call(r->comm(), calls, row.f));
  if (r->rank() == 0) {
    std::printf("%d ranks, %d rounds of %d calls; slowest rank's time per call:\n", r->size(), rounds, calls);
    for (auto& row : rows) {
      std::sort(row.t.begin(), row.t.end());
      std::printf("  %-36s median %7.1f us, min %7.1f us\n", row.name, 1e6 * row.t[row.t.size() / 2], 1e6 * row.t[0]);
    }
  }
  return 0;
}
