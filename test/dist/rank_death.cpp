// A rank that dies in the middle of a collective: test/dist/expect_rank_death.sh runs this under
// mpirun and checks that mpirun ends the whole job, non-zero and naming the rank, within seconds.
// Usage: rank_death kill|abort|exit. Rank 1 dies that way (SIGKILL, std::abort(), exit(3) without
// MPI_Finalize) 0.5 s in, while rank 0 waits for it in mpi_reducer::sum.
#include <signal.h>
#include <unistd.h>

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ctgrad/dist/mpi.hpp"

int main(int argc, char** argv) {
  const char* how = argc > 1 ? argv[1] : "kill";
  auto session = ctgrad::dist::mpi_session::start(&argc, &argv);
  if (!session.ok()) return 2;
  auto r = ctgrad::dist::mpi_reducer::create();
  if (!r.ok()) return 2;
  std::vector<float> g(101770, 1.0f);
  if (!r->sum(g).ok()) return 2;   // one sum together first
  if (r->rank() == 1) {
    ::usleep(500000);
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);   // expect_rank_death.sh measures from here
    std::printf("rank_death: dying (%s) at %lld.%09ld\n", how, static_cast<long long>(now.tv_sec), now.tv_nsec);
    std::fflush(stdout);
    if (std::strcmp(how, "abort") == 0) std::abort();
    if (std::strcmp(how, "exit") == 0) std::exit(3);
    ::raise(SIGKILL);
  }
  std::printf("rank_death: %d in sum\n", r->rank());
  std::fflush(stdout);
  const absl::Status st = r->sum(g);   // rank 0 waits here for rank 1
  std::printf("rank_death: %d: sum returned %s\n", r->rank(), st.ToString().c_str());
  return 0;
}
