// docs/embedding.md, "Across processes: MPI": an embedder's data-parallel training loop. Each rank
// computes the gradient over its shard of the rows, allreduce_outputs averages it over the ranks,
// and every rank takes the same step, so the replicas stay identical. Run alone, it is one process
// (MPI's singleton); under `mpirun -np 2`, two (docs/examples/meson.build runs it both ways).
#include <cmath>
#include <cstdio>
#include <vector>

#include "ctgrad/ctgrad.hpp"
#include "ctgrad/dist/mpi.hpp"

using namespace ctgrad;

int main(int argc, char** argv) {
  absl::StatusOr<dist::mpi_session> session = dist::mpi_session::start(&argc, &argv);
  if (!session.ok()) {
    std::fprintf(stderr, "%s\n", session.status().ToString().c_str());
    return 1;
  }
  if (!session->launched()) std::printf("started without mpirun: running as 1 process\n");
  absl::StatusOr<dist::mpi_reducer> world = dist::mpi_reducer::create();   // over MPI_COMM_WORLD
  if (!world.ok()) {
    std::fprintf(stderr, "%s\n", world.status().ToString().c_str());
    return 1;
  }
  dist::reducer& r = *world;   // a dist::local_reducer here makes the same loop single-process

  var<"x", float, shape<dyn, 2>> x;
  var<"w", float, shape<2>> w;
  var<"b", float> b;
  var<"y", float, shape<dyn>> y;
  auto loss = mse(matmul(x, w) + b, y);
  auto gs = grad(loss, w, b);
  auto prog = compile(gs);                 // outputs: 0 the loss, 1 dloss/dw, 2 dloss/db

  // 64 rows of y = 2 x0 - 3 x1 + 0.5; rank k of K holds rows [64k/K, 64(k+1)/K).
  const int rows = 64, k = r.rank(), ranks = r.size();
  if (rows % ranks != 0) {
    if (k == 0) std::fprintf(stderr, "%d rows do not split evenly over %d ranks\n", rows, ranks);
    return 1;
  }
  std::vector<float> xs, ys;
  for (int i = rows * k / ranks; i < rows * (k + 1) / ranks; ++i) {
    const float x0 = std::sin(0.7f * i), x1 = std::cos(1.3f * i);
    xs.insert(xs.end(), {x0, x1});
    ys.push_back(2 * x0 - 3 * x1 + 0.5f);
  }

  std::vector<float> ws{0, 0};
  float bias = 0;
  for (int step = 0; step < 300; ++step) {
    // agree(): a rank whose run failed stops every rank, instead of leaving them in the sum.
    absl::Status st = r.agree(prog.run(x = xs, w = ws, b = bias, y = ys));
    // The mean over ranks of each shard's mean-loss gradient: the gradient over all 64 rows,
    // bit-identical on every rank. The loss (output 0) too, for the log.
    if (st.ok()) st = dist::allreduce_outputs<0, 1, 2>(prog, r, dist::reduction::mean);
    if (!st.ok()) {
      std::fprintf(stderr, "step %d: %s\n", step, st.ToString().c_str());
      return 1;
    }
    const tensor_view<const float> dw = prog[gs[w]];
    for (std::size_t i = 0; i < ws.size(); ++i) ws[i] -= 0.2f * dw[i];
    bias -= 0.2f * prog[gs[b]].item();
  }
  // Every rank took the same steps from the same gradients: the weights are the same bits.
  if (absl::Status st = r.check_identical(ws, "weights"); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.ToString().c_str());
    return 1;
  }
  if (k == 0)
    std::printf("%d process(es), 300 steps: loss %.2g, w = (%.3f, %.3f), b = %.3f\n", ranks,
                prog[loss].item(), ws[0], ws[1], bias);
  const bool fitted = std::abs(ws[0] - 2) < 0.01f && std::abs(ws[1] + 3) < 0.01f && std::abs(bias - 0.5f) < 0.01f;
  return fitted ? 0 : 1;
}
