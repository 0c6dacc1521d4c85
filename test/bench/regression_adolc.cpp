// W2 with ADOL-C: f taped once with adoubles at the problem's theta (X and y enter as passive
// doubles; f has no branch, so the tape is valid at any theta), then replayed: value() is
// zos_forward, gradient() is zos_forward (keeping the Taylor stack) + fos_reverse, the two calls
// ADOL-C's gradient() driver makes, made directly so that f's value comes back too.
#include <adolc/adolc.h>

#include <cstdio>
#include <cstdlib>

#include "regression.hpp"

namespace ctgrad_bench::w2 {
namespace {

constexpr short tag = 2;  // W2
// The tape has about 2 n p operations, 4 n p locations and n p values: buffers that keep it in
// memory (the default location buffer would spill it to ADOLC-*.tap files in the working
// directory). The Taylor buffer keeps its default, which holds the ~2 n p Taylor values: a larger
// one is allocated at every zos_forward that keeps them (4M entries cost 10 ms per call).
constexpr unsigned buffer = 1u << 20;

class adolc_eval final : public evaluator {
 public:
  explicit adolc_eval(const problem& pr) {
    const double* X = pr.X.data();
    trace_on(tag, 0, buffer, buffer, buffer, TBUFSIZE);
    adouble aw[p], ab, as;
    for (std::size_t j = 0; j < p; ++j) aw[j] <<= pr.theta[j];
    ab <<= pr.theta[p];
    as <<= pr.theta[p + 1];
    adouble ss = 0;
    for (std::size_t i = 0; i < n; ++i) {
      adouble z = 0;
      for (std::size_t j = 0; j < p; ++j) z += X[i * p + j] * aw[j];
      const adouble r = pr.y[i] - z - ab;
      ss += r * r;
    }
    adouble ww = 0;
    for (std::size_t j = 0; j < p; ++j) ww += aw[j] * aw[j];
    adouble f = -0.5 * ss / (as * as) - double(n) * log(as) - 0.5 * ww - 0.5 * ab * ab;
    double fv;
    f >>= fv;
    trace_off();
    std::size_t stats[STAT_SIZE];
    tapestats(tag, stats);
    if (stats[OP_FILE_ACCESS] || stats[LOC_FILE_ACCESS] || stats[VAL_FILE_ACCESS] ||
        stats[TAY_STACK_SIZE] > stats[TAY_BUFFER_SIZE]) {
      std::fprintf(stderr, "W2 ADOL-C: the tape (%zu operations, %zu Taylor values) does not fit its buffers\n",
                   stats[NUM_OPERATIONS], stats[TAY_STACK_SIZE]);
      std::abort();
    }
  }

  double value(const double* theta) override {
    double f;
    zos_forward(tag, 1, int(dim), 0, theta, &f);
    return f;
  }

  double gradient(const double* theta, double* g) override {
    double f, one = 1.0;
    zos_forward(tag, 1, int(dim), 1, theta, &f);
    fos_reverse(tag, 1, int(dim), &one, g);
    return f;
  }
};

}  // namespace

std::unique_ptr<evaluator> make_adolc(const problem& pr) { return std::make_unique<adolc_eval>(pr); }

}  // namespace ctgrad_bench::w2
