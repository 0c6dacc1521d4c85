// Tests for ctgrad/eval/value_at.hpp, compiled with the scalar entry header alone (ctgrad/scalar.hpp):
// value_and_grad_at on the W5 function, a deep recurrence and a Hessian row, over families of
// variables named with indexed_name, matches the hand-derived values and gradients, and the flat
// program's result is the same in a constant expression as at run time. Batches on whatever the
// target (their default is on with AVX2 only): the batch tests below check them.
#define CTGRAD_VALUE_AT_BATCHES 1
#define BOOST_TEST_MODULE value_at
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "ctgrad/scalar.hpp"

using namespace ctgrad;
namespace tt = boost::test_tools;

namespace {
template <int I> using a = var<indexed_name<'a', I + 1>(), double>;
template <int I> using w = var<indexed_name<'w', I + 1>(), double>;
template <int I> using b = var<indexed_name<'b', I + 1>(), double>;
using x = var<"x", double>;

// W5: f(a) = sum_i sigmoid(a_i a_{i+1}) + tanh(a_i) exp(0.1 a_i) + log(1 + a_i^2), indices mod N.
template <class U, class V> constexpr auto w5_term(const U& u, const V& v) {
  return sigmoid(u * v) + tanh(u) * exp(u * 0.1) + log(1.0 + u * u);
}
template <int N, std::size_t... I> constexpr auto w5(std::index_sequence<I...>) {
  return (w5_term(a<int(I)>{}, a<int((I + 1) % N)>{}) + ...);
}
template <int N> std::array<double, N> w5_point() {
  std::array<double, N> p{};
  for (int i = 0; i < N; ++i) p[i] = std::sin(1.7 * i + 0.3) * 1.5;
  return p;
}

template <int N, std::size_t... I> void check_w5(std::index_sequence<I...> seq) {
  const auto gs = grad(w5<N>(seq), a<int(I)>{}...);
  const auto p = w5_point<N>();
  const auto [value, g] = value_and_grad_at(gs, (a<int(I)>{} = p[I])...);
  double ref = 0;
  std::array<double, N> dref{};
  for (int i = 0; i < N; ++i) {
    const int j = (i + 1) % N;
    const double s = 1 / (1 + std::exp(-p[i] * p[j])), ds = s * (1 - s), t = std::tanh(p[i]), e = std::exp(0.1 * p[i]);
    ref += s + t * e + std::log(1 + p[i] * p[i]);
    dref[i] += ds * p[j] + (1 - t * t) * e + 0.1 * t * e + 2 * p[i] / (1 + p[i] * p[i]);
    dref[j] += ds * p[i];
  }
  BOOST_TEST(value == ref, tt::tolerance(1e-14));
  for (int k = 0; k < N; ++k) BOOST_TEST(g[k] == dref[k], tt::tolerance(1e-13));
}

// h_k = tanh(w_k h_{k-1} + b_k), h_0 = x, k = 1..D.
template <int K, int D, class H> constexpr auto unroll(const H& h) {
  if constexpr (K == D) return h;
  else return unroll<K + 1, D>(tanh(w<K>{} * h + b<K>{}));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(value_at_suite)

BOOST_AUTO_TEST_CASE(w5_gradient_matches_the_hand_derived_one) {
  check_w5<10>(std::make_index_sequence<10>{});
  check_w5<24>(std::make_index_sequence<24>{});
}

BOOST_AUTO_TEST_CASE(recurrence_gradient_matches_the_hand_derived_one) {
  constexpr int depth = 16;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    const auto gs = grad(unroll<0, depth>(x{}), w<int(I)>{}..., b<int(I)>{}...);
    const double wv[] = {(0.9 - 0.05 * double(I))...}, bv[] = {(0.1 * std::cos(double(I)))...}, x0 = 0.4;
    const auto [value, g] = value_and_grad_at(gs, x{} = x0, (w<int(I)>{} = wv[I])..., (b<int(I)>{} = bv[I])...);
    // By hand: the forward pass, then the adjoint of each h_k back to h_0.
    double hs[depth + 1] = {x0};
    for (int k = 0; k < depth; ++k) hs[k + 1] = std::tanh(wv[k] * hs[k] + bv[k]);
    double adj = 1;
    BOOST_TEST(value == hs[depth], tt::tolerance(1e-15));
    for (int k = depth - 1; k >= 0; --k) {
      const double dz = adj * (1 - hs[k + 1] * hs[k + 1]);
      BOOST_TEST(g[k] == dz * hs[k], tt::tolerance(1e-13));
      BOOST_TEST(g[depth + k] == dz, tt::tolerance(1e-13));
      adj = dz * wv[k];
    }
  }(std::make_index_sequence<depth>{});
}

BOOST_AUTO_TEST_CASE(hessian_row_matches_the_hand_derived_one) {
  constexpr int n = 8;
  [&]<std::size_t... I>(std::index_sequence<I...> seq) {
    const auto row = grad(grad(w5<n>(seq), a<0>{}), a<int(I)>{}...);
    const auto p = w5_point<n>();
    const auto h = value_at(row, (a<int(I)>{} = p[I])...);
    // d2f/da1 da2: only sigmoid(a1 a2) couples them; a1 and a5 share no term.
    const double s = 1 / (1 + std::exp(-p[0] * p[1])), ds = s * (1 - s), dds = ds * (1 - 2 * s);
    BOOST_TEST(h[1] == ds + p[0] * p[1] * dds, tt::tolerance(1e-13));
    BOOST_TEST(h[4] == 0.0);
  }(std::make_index_sequence<n>{});
}

BOOST_AUTO_TEST_CASE(a_family_of_variables_evaluates_the_same_at_compile_time_and_at_run_time) {
  constexpr auto gs = grad(w5<6>(std::make_index_sequence<6>{}), a<0>{}, a<3>{});
  constexpr auto at_compile_time = value_at(gs, a<0>{} = 0.5, a<1>{} = -1.0, a<2>{} = 0.25, a<3>{} = 2.0,
                                            a<4>{} = -0.75, a<5>{} = 1.5);
  volatile double a0 = 0.5;  // read at run time
  const auto at_run_time = value_at(gs, a<0>{} = double(a0), a<1>{} = -1.0, a<2>{} = 0.25, a<3>{} = 2.0,
                                    a<4>{} = -0.75, a<5>{} = 1.5);
  BOOST_TEST(at_run_time[0] == at_compile_time[0], tt::tolerance(1e-15));
  BOOST_TEST(at_run_time[1] == at_compile_time[1], tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(sums_nested_to_the_left_to_the_right_or_balanced_lower_to_the_same_values) {
  // A chain of sums is lowered by its terms (flat::dkind::sum): a right fold, a left fold and a
  // balanced tree of the same terms give the same program sizes and, at a point, the same values.
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    constexpr int n = sizeof...(I);
    constexpr auto right = (w5_term(a<int(I)>{}, a<int((I + 1) % n)>{}) + ...);
    constexpr auto left = (... + w5_term(a<int(I)>{}, a<int((I + 1) % n)>{}));
    constexpr auto balanced = (w5_term(a<0>{}, a<1>{}) + w5_term(a<1>{}, a<2>{})) +
                              (w5_term(a<2>{}, a<3>{}) + (w5_term(a<3>{}, a<4>{}) + w5_term(a<4>{}, a<0>{})));
    const auto p = w5_point<n>();
    const auto r = value_and_grad_at(grad(right, a<int(I)>{}...), (a<int(I)>{} = p[I])...);
    const auto l = value_and_grad_at(grad(left, a<int(I)>{}...), (a<int(I)>{} = p[I])...);
    const auto b = value_and_grad_at(grad(balanced, a<int(I)>{}...), (a<int(I)>{} = p[I])...);
    BOOST_TEST(l.first == r.first, tt::tolerance(1e-14));
    BOOST_TEST(b.first == r.first, tt::tolerance(1e-14));
    for (int k = 0; k < n; ++k) {
      BOOST_TEST(l.second[k] == r.second[k], tt::tolerance(1e-14));
      BOOST_TEST(b.second[k] == r.second[k], tt::tolerance(1e-14));
    }
    using M = math::scalar_math;
    using R = std::remove_cvref_t<decltype(right)>;
    using L = std::remove_cvref_t<decltype(left)>;
    static_assert(detail::flat::program_v<double, M, R>.ops == detail::flat::program_v<double, M, L>.ops);
  }(std::make_index_sequence<5>{});
}

BOOST_AUTO_TEST_CASE(one_lowering_fills_a_program_of_guessed_capacity_and_two_size_it_exactly) {
  // The W5 gradient's program fits the capacity guessed from its types (one lowering); a function
  // whose tree is far larger than its graph (a value squared 14 times: 2^15 leaves, 15 nodes) gets
  // no guess and is lowered twice, to size it and to fill it. Both give the same values.
  using M = math::scalar_math;
  constexpr auto f = w5<4>(std::make_index_sequence<4>{});
  using G = std::remove_cvref_t<decltype(grad(f, a<0>{}))>;
  constexpr auto& guessed = detail::flat::program_v<double, M, std::remove_cvref_t<decltype(f)>, G>;
  static_assert(guessed.fits && std::extent_v<decltype(guessed.op_fn)> > guessed.ops);
  constexpr auto s1 = x{} * x{};
  constexpr auto s2 = s1 * s1;
  constexpr auto s4 = s2 * s2;
  constexpr auto s8 = s4 * s4;
  constexpr auto s16 = s8 * s8;
  constexpr auto s32 = s16 * s16;
  constexpr auto s64 = s32 * s32;
  constexpr auto s128 = s64 * s64;
  constexpr auto s256 = s128 * s128;
  constexpr auto s512 = s256 * s256;
  constexpr auto s1024 = s512 * s512;
  constexpr auto s2048 = s1024 * s1024;
  constexpr auto s4096 = s2048 * s2048;
  constexpr auto s8192 = s4096 * s4096;
  constexpr auto s16384 = s8192 * s8192;
  using S = std::remove_cvref_t<decltype(grad(s16384, x{}))>;
  static_assert(!detail::flat::flat_guess<S>::use);
  constexpr auto& exact = detail::flat::program_v<double, M, S>;
  static_assert(exact.fits && std::extent_v<decltype(exact.op_fn)> == exact.ops + 1);
  // d/dx x^32768 at x = 1 is 32768, exactly.
  static_assert(value_at(grad(s16384, x{}), x{} = 1.0) == 32768.0);
  BOOST_TEST(value_at(grad(s16384, x{}), x{} = 1.0) == 32768.0);
}

// The roots value_and_grad_at evaluates: the function, then its gradients.
template <class S> struct roots_of;
template <class F, class V, class... Gs> struct roots_of<gradient_set<F, V, Gs...>> { using type = type_list<F, Gs...>; };

// The program one op at a time, each through its scalar function (flat::exec, math::scalar_math),
// as value_at ran every op before batches: the reference the batches must match bit for bit.
template <class T, auto& P, class... Vs>
std::array<T, std::extent_v<decltype(P.root_slot)>> run_one_op_at_a_time(const T* lits, const binding<Vs>&... bs) {
  std::vector<T> s(P.vars + P.lits + P.imms + P.ops);
  const void* tags[] = {&detail::flat::type_tag<Vs>...};
  const T values[] = {T(bs.scalar)...};
  for (std::size_t j = 0; j < P.vars; ++j)
    for (std::size_t v = 0; v < sizeof...(Vs); ++v)
      if (tags[v] == P.var_tag[j]) s[j] = values[v];
  for (std::size_t l = 0; l < P.lits; ++l) s[P.vars + l] = lits[P.lit_id[l]];
  for (std::size_t m = 0; m < P.imms; ++m) s[P.vars + P.lits + m] = P.imm[m];
  const std::size_t base = P.vars + P.lits + P.imms;
  for (std::size_t o = 0; o < P.ops; ++o) {
    const auto& a = P.op_args[o];
    s[base + o] = P.op_fn[o](s.data(), a[0], a[1], a[2], a[3], a[4], a[5]);
  }
  std::array<T, std::extent_v<decltype(P.root_slot)>> r{};
  for (std::size_t k = 0; k < r.size(); ++k) r[k] = s[std::size_t(P.root_slot[k])];
  return r;
}

template <int I, class T> using av = var<indexed_name<'a', I + 1>(), T>;

// f's gradient in u and a1..aN by value_and_grad_at (batches) and one op at a time, bit for bit, at
// ordinary points, in the tails (scale 12, 60), at zero; a NaN stays in what reads it. Returns the
// widest batch.
template <class T, int N, class F, std::size_t... I> int check_batches(const F& f, std::index_sequence<I...>) {
  using u = var<"u", T>;
  const auto gs = grad(f, u{}, av<int(I), T>{}...);
  using M = math::scalar_math;
  constexpr auto& p = detail::flat_program_of<M, typename roots_of<std::remove_cvref_t<decltype(gs)>>::type>::value;
  int batched = 0, widest = 0, in_batches = 0, alone = 0;
  for (std::size_t k = 0; k < p.events; ++k) {
    if (p.batch_n[k] > 0) {
      ++batched;
      BOOST_TEST(p.op_batch[p.batch_op[k]] != nullptr);
      for (int o = p.batch_op[k]; o < p.batch_op[k] + p.batch_n[k]; ++o) BOOST_TEST(p.op_batch[o] == p.op_batch[p.batch_op[k]]);
    }
    BOOST_TEST(p.run_n[k] <= detail::flat::flat_chunk);
    widest = std::max(widest, p.batch_n[k]);
    in_batches += p.batch_n[k];
    alone += p.run_n[k];
  }
  BOOST_TEST(std::size_t(in_batches + alone) == p.ops);  // every op once
  BOOST_TEST(std::size_t(batched) == p.batches);
  T lits[std::max(1, F::literal_count)] = {};
  detail::collect_literal_values(f, lits);
  const T scales[] = {T(1.5), T(12), T(60), T(0)};
  for (const T scale : scales) {
    for (int shift = 0; shift < 3; ++shift) {
      T pt[N];
      for (int i = 0; i < N; ++i) pt[i] = T(std::sin(1.7 * (i + shift) + 0.3)) * scale;
      const T uv = T(0.25) * T(shift) - T(0.3);
      const auto batched_values = value_and_grad_at(gs, u{} = uv, (av<int(I), T>{} = pt[I])...);
      const auto one_at_a_time = run_one_op_at_a_time<T, p>(lits, u{} = uv, (av<int(I), T>{} = pt[I])...);
      using U = detail::math::uint_for<T>;
      BOOST_TEST(std::bit_cast<U>(batched_values.first) == std::bit_cast<U>(one_at_a_time[0]));
      for (int k = 0; k <= N; ++k)
        BOOST_TEST(std::bit_cast<U>(batched_values.second[std::size_t(k)]) == std::bit_cast<U>(one_at_a_time[std::size_t(k) + 1]),
                   "scale " << scale << ", shift " << shift << ", gradient " << k << ": " << batched_values.second[std::size_t(k)]
                            << " against " << one_at_a_time[std::size_t(k) + 1]);
    }
  }
  T pt[N];
  for (int i = 0; i < N; ++i) pt[i] = T(0.5);
  pt[N / 2] = std::numeric_limits<T>::quiet_NaN();
  const auto v = value_and_grad_at(gs, u{} = T(0.5), (av<int(I), T>{} = pt[I])...);
  BOOST_TEST(std::isnan(v.first));
  BOOST_TEST(std::isnan(v.second[1 + N / 2]));
  BOOST_TEST(!std::isnan(v.second[1 + (N / 2 + 3) % N]));
  return batched > 0 ? widest : 0;
}

// W5's terms times exp(u / 2): every costly op once per term (exp, log, the activations' shared
// parts, values and derivatives, the divisions of log's rule), a batch of N each.
template <class T, int N, std::size_t... I> void check_w5_batches(std::index_sequence<I...> seq) {
  const auto f = (w5_term(av<int(I), T>{}, av<int((I + 1) % N), T>{}) + ...) * exp(var<"u", T>{} * T(0.5));
  const int widest = check_batches<T, N>(f, seq);
  BOOST_TEST(widest >= N);
}
// A sum of N exps (70: two blocks of 64 lanes), small enough for clang's constant-evaluation steps.
template <class T, int N, std::size_t... I> void check_wide_batch(std::index_sequence<I...> seq) {
  const auto f = (exp(av<int(I), T>{} * T(0.5)) + ...) * var<"u", T>{};
  const int widest = check_batches<T, N>(f, seq);
  BOOST_TEST(widest == N);
}

BOOST_AUTO_TEST_CASE(ops_of_one_kind_at_one_level_run_as_a_batch_with_the_results_of_one_op_at_a_time) {
  // value_at computes the costly ops of one signature at one level of the graph together, in lanes
  // (flat::exec_batch, docs/design.md "Run time: batches"): the values are bit for bit those of
  // the same program run one op at a time, in double and float, at ordinary points, in the tails,
  // at zero; a NaN stays in the values that read it. 70 lanes spans two blocks of 64. Batches of 9
  // run inlined in double and through their out-of-line copy in float (narrower than
  // batch_inline_min: two vectors of 8 floats).
  static_assert(9 >= detail::flat::batch_inline_min<double> && 9 < detail::flat::batch_inline_min<float>);
  check_w5_batches<double, 9>(std::make_index_sequence<9>{});
  check_w5_batches<float, 9>(std::make_index_sequence<9>{});
  check_wide_batch<double, 70>(std::make_index_sequence<70>{});
}

BOOST_AUTO_TEST_CASE(batches_evaluate_in_constant_expressions) {
  // A batch is a loop over lanes, usable in constant evaluation like the rest of the program: here
  // batches of 3 (out of line, narrower than batch_inline_min) and of 8 (inlined).
  constexpr auto wide = grad(exp(a<0>{}) + exp(a<1>{}) + exp(a<2>{}) + exp(a<3>{}) + exp(a<4>{}) + exp(a<5>{}) +
                                 exp(a<6>{}) + exp(a<7>{}),
                             a<0>{}, a<7>{});
  constexpr auto w = value_and_grad_at(wide, a<0>{} = 0.0, a<1>{} = 0.0, a<2>{} = 0.0, a<3>{} = 0.0, a<4>{} = 0.0,
                                       a<5>{} = 0.0, a<6>{} = 0.0, a<7>{} = 0.0);
  static_assert(w.first == 8.0 && w.second[0] == 1.0 && w.second[1] == 1.0);
  constexpr auto gs = grad(exp(a<0>{}) + exp(a<1>{}) + exp(a<2>{}) + log(a<0>{} * a<1>{}), a<0>{}, a<1>{}, a<2>{});
  constexpr auto r = value_and_grad_at(gs, a<0>{} = 1.0, a<1>{} = 2.0, a<2>{} = 0.0);
  static_assert(r.second[2] == 1.0);  // exp(0)
  static_assert(r.second[0] > 3.718 && r.second[0] < 3.719);  // e + 1
  volatile double one = 1.0;
  const auto rt = value_and_grad_at(gs, a<0>{} = double(one), a<1>{} = 2.0, a<2>{} = 0.0);
  BOOST_TEST(rt.first == r.first);
  for (int k = 0; k < 3; ++k) BOOST_TEST(rt.second[std::size_t(k)] == r.second[std::size_t(k)]);
}

BOOST_AUTO_TEST_CASE(indexed_names_spell_the_letter_and_the_index) {
  static_assert(indexed_name<'a', 1>() == fixed_string("a1"));
  static_assert(indexed_name<'w', 42>() == fixed_string("w42"));
  static_assert(indexed_name<'b', 999>() == fixed_string("b999"));
  static_assert(std::is_same_v<a<11>, var<"a12", double>>);
  BOOST_TEST(true);
}

BOOST_AUTO_TEST_SUITE_END()
