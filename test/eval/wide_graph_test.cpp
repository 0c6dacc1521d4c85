// Graphs of more than 256 distinct nodes (eval/plan.hpp, eval/compile.hpp, eval/value_at.hpp): the
// library's questions over a list of nodes are braced lists, not fold expressions, because clang
// refuses a fold of more than 256 arguments unless given -fbracket-depth (docs/design.md, "Folds and
// clang's bracket depth"). This unit is built by every compiler CI uses, without that flag: with
// one fold over the nodes left, clang stops here with "instantiating fold expression with N
// arguments exceeded expression nesting limit of 256". The values are checked against plain loops.
#define BOOST_TEST_MODULE wide_graph
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;

namespace {

constexpr int terms = 66;  // 266 nodes in f, more with its gradient
using vec = shape<5>;
using xvar = var<"x", double, vec>;
template <int K> using wvar = var<indexed_name<'w', K + 1>(), double, vec>;

// f(x, w_0..w_65) = sum(sum_k tanh(x * w_k)): each term its own nodes (distinct variables), added
// as a balanced tree (a wide graph, not a deep one), all of it elementwise: one fused loop
// evaluates the 265 nodes below the sum.
template <int Lo, int Hi> constexpr auto wide_terms() {
  if constexpr (Hi - Lo == 1) return tanh(xvar{} * wvar<Lo>{});
  else return wide_terms<Lo, (Lo + Hi) / 2>() + wide_terms<(Lo + Hi) / 2, Hi>();
}

std::vector<double> weights(int k) {
  std::vector<double> w(5);
  for (int i = 0; i < 5; ++i) w[std::size_t(i)] = 0.01 * (k + 1) * (i % 2 ? -1.0 : 1.0) + 0.002 * i;
  return w;
}

template <std::size_t... K> void check_wide(std::index_sequence<K...>) {
  constexpr auto f = sum(wide_terms<0, terms>());
  static_assert(type_list_size<topo_order_t<std::remove_cvref_t<decltype(f)>>>::value > 256,
                "the graph must have more than 256 nodes to test the fold limit");
  const std::vector<double> x{0.5, -1.0, 2.0, 0.25, -3.0};
  const std::vector<std::vector<double>> w{weights(int(K))...};

  auto prog = compile(f, grad(f, xvar{}));
  BOOST_REQUIRE(prog.run(xvar{} = x, (wvar<int(K)>{} = w[K])...).ok());

  double value = 0;
  std::vector<double> dx(5, 0.0);
  for (int k = 0; k < terms; ++k)
    for (std::size_t i = 0; i < 5; ++i) {
      const double t = std::tanh(x[i] * w[std::size_t(k)][i]);
      value += t;
      dx[i] += w[std::size_t(k)][i] * (1 - t * t);
    }
  BOOST_TEST(prog.template get<0>()[0] == value, boost::test_tools::tolerance(1e-12));
  for (std::size_t i = 0; i < 5; ++i)
    BOOST_TEST(prog.template get<1>()[i] == dx[i], boost::test_tools::tolerance(1e-12));
}

}  // namespace

BOOST_AUTO_TEST_CASE(compiled_graph_of_more_than_256_nodes_and_its_gradient) {
  check_wide(std::make_index_sequence<terms>{});
}
