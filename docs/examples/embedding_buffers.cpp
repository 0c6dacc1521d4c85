// docs/embedding.md: a program reads the caller's memory in place — std::vector, std::array through
// std::span, absl::Span, ctgrad::tensor and tensor_view — in float or in double, and one compiled
// program per thread. Built and run as a test: every result is checked against a hand-written loop.
#include <array>
#include <cmath>
#include <cstdio>
#include <span>
#include <thread>
#include <vector>

#include "absl/types/span.h"
#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;

namespace {
// The reference: mean squared error of x w + b against y, and its gradient (hand-written).
struct reference { double loss, dw0, dw1, db; };
template <class T> reference by_hand(std::span<const T> xs, std::span<const T> ws, T b, std::span<const T> ys) {
  reference r{0, 0, 0, 0};
  const std::size_t n = ys.size();
  for (std::size_t i = 0; i < n; ++i) {
    const double e = double(xs[2 * i]) * ws[0] + double(xs[2 * i + 1]) * ws[1] + b - ys[i];
    r.loss += e * e / n;
    r.dw0 += 2 * e * xs[2 * i] / n;
    r.dw1 += 2 * e * xs[2 * i + 1] / n;
    r.db += 2 * e / n;
  }
  return r;
}
bool near(double a, double b, double tol) { return std::fabs(a - b) <= tol * (1 + std::fabs(b)); }
}  // namespace

int main() {
  bool ok = true;
  {
    // [buffers]
    var<"x", float, shape<dyn, 2>> x;      // a batch of rows of 2 features, row-major
    var<"w", float, shape<2>> w;
    var<"b", float> b;                      // a scalar variable: bind a number
    var<"y", float, shape<dyn>> y;
    auto loss = mse(matmul(x, w) + b, y);
    auto gs = grad(loss, w, b);
    auto prog = compile(gs);               // plans the buffers; the graph's inputs are yours

    std::vector<float> xs{0, 1, 1, 0, 1, 1};         // 3 rows x 2 columns
    std::array<float, 2> ws{0.5f, -0.25f};
    float targets[3] = {1, 0, 2};
    absl::Span<const float> ys(targets);
    absl::Status st = prog.run(x = xs, w = std::span<const float>(ws), b = 0.1f, y = ys);
    if (!st.ok()) std::printf("%s\n", st.ToString().c_str());
    tensor_view<const float> dw = prog[gs[w]];        // views of the program's buffers: valid
    float db = prog[gs[b]].item();                    // until its next run
    std::printf("float:  loss %.6f  dw %.6f %.6f  db %.6f\n", prog[loss].item(), dw[0], dw[1], db);
    // [buffers]
    const reference r = by_hand<float>(xs, ws, 0.1f, ys);
    ok = ok && st.ok() && near(prog[loss].item(), r.loss, 1e-6) && near(dw[0], r.dw0, 1e-6) &&
         near(dw[1], r.dw1, 1e-6) && near(db, r.db, 1e-6);

    // [tensor]
    tensor<float, shape<dyn, 2>> batch(3);            // ctgrad's own owning, 64-byte aligned buffer
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i] = xs[i];
    tensor_view<float> v = batch.view();
    st = prog.run(x = batch, w = std::span<const float>(ws), b = 0.1f, y = ys);       // a tensor binds as is
    absl::Status st2 = prog.run(x = v.span(), w = std::span<const float>(ws), b = 0.1f, y = ys);  // a view through span()
    // [tensor]
    ok = ok && st.ok() && st2.ok() && near(prog[loss].item(), r.loss, 1e-6);

    // [bad size]
    std::vector<float> short_targets{1, 0};
    st = prog.run(x = xs, w = std::span<const float>(ws), b = 0.1f, y = short_targets);
    std::printf("%s\n", st.ToString().c_str());
    // prints INVALID_ARGUMENT: bind: variable 'y' has batch extent 2 where variable 'x' has 3
    // [bad size]
    ok = ok && absl::IsInvalidArgument(st);
  }
  {
    // [double]
    var<"x", double, shape<dyn, 2>> x;     // the same graph in double: the variables say so
    var<"w", double, shape<2>> w;
    var<"b", double> b;
    var<"y", double, shape<dyn>> y;
    auto loss = mse(matmul(x, w) + b, y);
    auto gs = grad(loss, w, b);
    auto prog = compile(gs);               // computes in double; binds double buffers
    std::vector<double> xs{0, 1, 1, 0, 1, 1}, ws{0.5, -0.25}, ys{1, 0, 2};
    absl::Status st = prog.run(x = xs, w = ws, b = 0.1, y = ys);
    std::printf("double: loss %.15f\n", prog[loss].item());
    // [double]
    const reference r = by_hand<double>(xs, ws, 0.1, ys);
    ok = ok && st.ok() && near(prog[loss].item(), r.loss, 1e-14) && near(prog[gs[w]][1], r.dw1, 1e-14);

    // [threads]
    // One program per thread. The graph (loss, gs) is a value without state: share or copy it;
    // compile() in each thread gives that thread its own buffers. The inputs are only read.
    double losses[2] = {0, 0};
    std::vector<std::thread> workers;
    for (int t = 0; t < 2; ++t) {
      workers.emplace_back([&, t] {
        auto local = compile(gs);
        std::span<const double> rows(xs), targets(ys);
        const std::size_t first = t == 0 ? 0 : 2, count = t == 0 ? 2 : 1;   // rows 0-1, then row 2
        if (local.run(x = rows.subspan(2 * first, 2 * count), w = ws, b = 0.1,
                      y = targets.subspan(first, count)).ok())
          losses[t] = local[loss].item();
      });
    }
    for (auto& th : workers) th.join();
    std::printf("threads: loss of rows 0-1 %.6f, of row 2 %.6f\n", losses[0], losses[1]);
    // [threads]
    const std::span<const double> all_x(xs), all_y(ys);
    const reference r01 = by_hand<double>(all_x.first(4), ws, 0.1, all_y.first(2));
    const reference r2 = by_hand<double>(all_x.subspan(4), ws, 0.1, all_y.subspan(2));
    ok = ok && near(losses[0], r01.loss, 1e-14) && near(losses[1], r2.loss, 1e-14);
  }
  std::printf("%s\n", ok ? "all results match the hand-written loops" : "MISMATCH");
  return ok ? 0 : 1;
}
