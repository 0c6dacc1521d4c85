// A program outside ctgrad's tree that uses it as an installed or embedded library: a least-squares
// loss over user buffers, its gradient derived at compile time, compiled into one program, and the
// support library's version() (proof that libctgrad_support is linked). run_consumer.sh builds it
// through pkg-config, CMake and a Meson subproject and checks the line it prints.
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "ctgrad/ctgrad.hpp"
#include "ctgrad/version.hpp"

using namespace ctgrad;

int main() {
  var<"x", double, shape<dyn, 3>> x;   // a batch of inputs, rows known at run time
  var<"w", double, shape<3>> w;        // the weights
  var<"t", double, shape<dyn>> t;      // the targets
  auto loss = mean(square(matmul(x, w) - t));
  auto dw = grad(loss, w);             // one variable: the gradient expression itself
  auto prog = compile(loss, dw);       // evaluates both together, shared values once

  // The program reads these buffers in place (no copy): a vector, a span, an array.
  std::vector<double> xs{1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1};
  double ws[3] = {1, 2, 3};
  std::vector<double> ts{1, 1, 1, 1};
  if (absl::Status st = prog.run(x = xs, w = std::span<const double>(ws), t = ts); !st.ok()) {
    std::printf("error: %s\n", st.ToString().c_str());
    return 1;
  }
  tensor_view<const double> g = prog[dw];
  std::printf("ctgrad %s (headers %s): loss %g, dloss/dw %g %g %g\n", std::string(ctgrad::version()).c_str(),
              CTGRAD_VERSION_STRING, prog[loss].item(), g[0], g[1], g[2]);
  return 0;
}
