// docs/design.md, "Inspecting the graph": what the types of an expression say before it runs. The
// graph and its gradient printed at compile time (describe), the same graph as Graphviz DOT
// (to_dot; `dot -Tsvg` draws it), and the structural Jacobian and Hessian patterns. Built and run
// as a test: fails if a pattern is not the one derived by hand.
#include <cstdio>
#include <string>

#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;

int main(int argc, char** argv) {
  // [1] A function whose product a * b occurs twice: one node, used by two parents.
  constexpr var<"a", double> a;
  constexpr var<"b", double> b;
  constexpr var<"c", double> c;
  constexpr auto f = sigmoid(a * b) + a * b + tanh(c);
  static_assert(describe(f).view().starts_with("%0 = var a : double\n"));  // a compile-time string
  std::printf("%s\n", std::string(describe(f).view()).c_str());

  // [2] Its gradient, as compile() computes it (the adjoint expressions, sharing f's nodes).
  constexpr auto df = grad(f, a, b, c);
  std::printf("%s\n", std::string(describe(df).view()).c_str());

  // [3] DOT for Graphviz: ./example_inspect_graph graph.dot && dot -Tsvg graph.dot -o graph.svg
  if (argc > 1) {
    if (std::FILE* out = std::fopen(argv[1], "w")) {
      std::fputs(to_dot(f).c_str(), out);
      std::fclose(out);
    }
  }

  // [4] Structure from the types: c does not interact with a or b; df/dc depends on c alone.
  constexpr auto h = hessian_pattern<decltype(a), decltype(b), decltype(c)>(f);
  static_assert(h[0][1] && h[2][2] && !h[0][2] && !h[1][2]);
  constexpr auto j = jacobian_pattern<decltype(a), decltype(b), decltype(c)>(df);  // rows: f, df/da, df/db, df/dc
  static_assert(!j[3][0] && !j[3][1] && j[3][2]);
  static_assert(!depends_on_v<decltype(df[c]), decltype(a)>);
  const char* names = "abc";
  std::printf("Hessian pattern of f:\n");
  for (int i = 0; i < 3; ++i) {
    std::printf("  %c:", names[i]);
    for (int k = 0; k < 3; ++k) std::printf(" %c", h[i][k] ? 'x' : '.');
    std::printf("\n");
  }
  return 0;
}
