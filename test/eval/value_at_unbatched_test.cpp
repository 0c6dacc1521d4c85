// Tests for ctgrad/eval/value_at.hpp with CTGRAD_VALUE_AT_BATCHES=0 (autodiff/lower.hpp): value_at
// runs every op as one statement in program order, through math::scalar_math, with no batch; the
// values are bit for bit those of the batched evaluation (the same ops on the same values: the
// batches' math::loop_math and math::scalar_math agree bit for bit, core/math.hpp), which
// eval/value_at_test's W5 case pins down against one op at a time.
#define CTGRAD_VALUE_AT_BATCHES 0
#define BOOST_TEST_MODULE value_at_unbatched
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <type_traits>
#include <utility>

#include "ctgrad/scalar.hpp"
#include "support/policy_probe.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

namespace unbatched_test {
template <int I> using a = var<indexed_name<'a', I + 1>(), double>;

template <class U, class V> constexpr auto w5_term(const U& u, const V& v) {
  return sigmoid(u * v) + tanh(u) * exp(u * 0.1) + log(1.0 + u * u);
}
template <class S> struct roots_of;
template <class F, class V, class... Gs> struct roots_of<gradient_set<F, V, Gs...>> { using type = type_list<F, Gs...>; };

}  // namespace unbatched_test

using namespace unbatched_test;
using policy_test::loop_calls;
using policy_test::policy_probe;
using policy_test::scalar_calls;

BOOST_AUTO_TEST_SUITE(value_at_unbatched_suite)

BOOST_AUTO_TEST_CASE(without_batches_every_op_is_one_statement_through_scalar_math) {
  constexpr int n = 9;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    const auto gs = grad((w5_term(a<int(I)>{}, a<int((I + 1) % n)>{}) + ...), a<int(I)>{}...);
    constexpr auto& p = detail::flat_program_of<math::scalar_math, typename roots_of<std::remove_cvref_t<decltype(gs)>>::type>::value;
    static_assert(p.batches == 0 && p.lanes == 0);
    std::size_t ops = 0;
    for (std::size_t k = 0; k < p.events; ++k) {
      BOOST_TEST(p.batch_n[k] == 0);
      ops += std::size_t(p.run_n[k]);
    }
    BOOST_TEST(ops == p.ops);
    std::array<double, n> pt{};
    for (int i = 0; i < n; ++i) pt[std::size_t(i)] = std::sin(1.7 * i + 0.3) * 1.5;
    const auto [value, g] = value_and_grad_at(gs, (a<int(I)>{} = pt[I])...);
    double ref = 0;
    std::array<double, n> dref{};
    for (int i = 0; i < n; ++i) {
      const int j = (i + 1) % n;
      const double x = pt[std::size_t(i)], y = pt[std::size_t(j)];
      const double s = 1 / (1 + std::exp(-x * y)), ds = s * (1 - s), t = std::tanh(x), e = std::exp(0.1 * x);
      ref += s + t * e + std::log(1 + x * x);
      dref[std::size_t(i)] += ds * y + (1 - t * t) * e + 0.1 * t * e + 2 * x / (1 + x * x);
      dref[std::size_t(j)] += ds * x;
    }
    BOOST_TEST(value == ref, tt::tolerance(1e-14));
    for (int k = 0; k < n; ++k) BOOST_TEST(g[std::size_t(k)] == dref[std::size_t(k)], tt::tolerance(1e-13));
  }(std::make_index_sequence<n>{});

  constexpr var<"x", double> x{};
  constexpr var<"b", double> b{};
  scalar_calls = loop_calls = 0;
  const auto [f, d] = value_and_grad_at(grad(activate<policy_probe>(x) * b, x, b), x = 0.5, b = 2.0);
  BOOST_TEST(f == 2.0 * math::expm1(0.5));
  BOOST_TEST(d[0] == 2.0 * math::exp(0.5));
  BOOST_TEST(scalar_calls == 2);  // value and d1, one statement each
  BOOST_TEST(loop_calls == 0);
}

BOOST_AUTO_TEST_SUITE_END()
