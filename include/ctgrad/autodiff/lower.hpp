// ctgrad/autodiff/lower.hpp — lowers a scalar expression graph, and the gradients grad() leaves
// lazy, to a flat program: a compile-time list of instructions whose operands are indices into the
// list, built by constant evaluation, with each distinct value once (hash-consing) and the reverse
// sweep of grad() run on the list. The nested expression types stay the API; this is how value_at
// evaluates them at a cost linear in the size of the graph (docs/design.md, "Compile time").
// Not for tensor graphs: compile() plans those (eval/plan.hpp) from the nested types.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ctgrad/core/math.hpp"
#include "ctgrad/core/meta.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/core/retype.hpp"
#include "ctgrad/eval/element.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/function.hpp"

/// The largest flat program (instructions: distinct values of a function and its derivatives)
/// value_at builds before it stops with a compile error; raise it with -DCTGRAD_MAX_NODES=N.
#ifndef CTGRAD_MAX_NODES
#define CTGRAD_MAX_NODES 200000
#endif
/// 1: value_at computes the costly ops of one kind at one level of the graph as one vectorised batch
/// (docs/design.md, "Run time: batches"); 0: every op one statement. Same results. Batches make W5's
/// gradient 1.3 to 2 times as fast where the target has 256-bit vectors (AVX2: -march=native here),
/// and cost 0.3-0.6 s of g++ compile time per translation unit that uses them (W5, N = 8 to 64);
/// -DCTGRAD_VALUE_AT_BATCHES=0 for units where compile time matters more. Without AVX2 (SSE2's two
/// doubles) they ran slower than one op at a time (W5 at N = 10: 831-916 ns against 672-674 ns) and
/// cost more to compile, so the default is 1 only with AVX2.
#ifndef CTGRAD_VALUE_AT_BATCHES
#if defined(__AVX2__)
#define CTGRAD_VALUE_AT_BATCHES 1
#else
#define CTGRAD_VALUE_AT_BATCHES 0
#endif
#endif

namespace ctgrad {
namespace ops {
/// The K-th gradient of the node's one child F (a scalar function) with respect to the variables
/// Vars, not yet derived: grad() of a scalar graph returns these, value_at derives them on the flat
/// program (autodiff/lower.hpp), and compile() expands them to nested adjoint expressions first.
/// grad_op's constants, in bases named after K alone: a static member of grad_op itself is a
/// variable named after all the variables (g++ mangles each one, docs/design.md "Compile time").
struct grad_op_traits {
  static constexpr std::string_view name = "grad";
  static constexpr bool elementwise = false;
  static constexpr bool uses_index = false;
  static constexpr bool uses_math = false;
};
template <std::size_t K> struct grad_op_index { static constexpr std::size_t index = K; };
template <std::size_t K, class Vars>
struct grad_op : grad_op_traits, grad_op_index<K> {
  using variables = Vars;
  template <class F> using value_type = value_t<meta::at_t<K, Vars>>;
  template <class F> using shape_type = shape_t<meta::at_t<K, Vars>>;
};
}  // namespace ops

/// with_element_type (core/retype.hpp) retypes the variables a lazy gradient is taken with.
template <class U, std::size_t K, class... Vs> struct retype_op<U, ops::grad_op<K, type_list<Vs...>>> {
  using type = ops::grad_op<K, type_list<retype_var_t<U, Vs>...>>;
};

namespace detail {
template <class Op> struct is_grad_op : std::false_type {};
template <std::size_t K, class Vars> struct is_grad_op<ops::grad_op<K, Vars>> : std::true_type {};
}  // namespace detail
/// True for a lazy gradient's op. A concept, usable as a bool constant (a variable template is a
/// variable per op type, named after the gradient's variables).
template <class Op> concept is_grad_op_v = detail::is_grad_op<Op>::value;

namespace detail::flat {

// ---- a growable array usable in constant evaluation (transient: freed before it ends) ----------
template <class T>
struct cvec {
  T* p = nullptr;
  int n = 0;
  int cap = 0;
  constexpr cvec() = default;
  constexpr explicit cvec(int size, const T& fill) { resize(size, fill); }
  cvec(const cvec&) = delete;
  cvec& operator=(const cvec&) = delete;
  constexpr ~cvec() { release(); }
  constexpr void release() {
    if (p) {
      for (int i = 0; i < n; ++i) std::destroy_at(p + i);
      std::allocator<T>().deallocate(p, std::size_t(cap));
    }
    p = nullptr;
    n = cap = 0;
  }
  constexpr void reserve(int c) {
    if (c <= cap) return;
    T* q = std::allocator<T>().allocate(std::size_t(c));
    for (int i = 0; i < n; ++i) std::construct_at(q + i, p[i]);
    const int keep = n;
    release();
    p = q;
    n = keep;
    cap = c;
  }
  constexpr void push(const T& v) {
    if (n == cap) reserve(cap ? 2 * cap : 64);
    std::construct_at(p + n, v);
    ++n;
  }
  constexpr void resize(int size, const T& fill) {
    reserve(size);
    while (n < size) push(fill);
  }
  constexpr T& operator[](int i) { return p[i]; }
  constexpr const T& operator[](int i) const { return p[i]; }
};

// ---- hashing (buckets only: equality is always checked exactly) --------------------------------
// One expression each (clang's constant evaluator counts statements against -fconstexpr-steps):
// splitmix64's finaliser, so that the low bits the tables use depend on every input bit.
constexpr std::uint64_t mix1(std::uint64_t z) { return (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull; }
constexpr std::uint64_t mix2(std::uint64_t z) { return (z ^ (z >> 27)) * 0x94d049bb133111ebull; }
constexpr std::uint64_t mix3(std::uint64_t z) { return z ^ (z >> 31); }
constexpr std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  return mix3(mix2(mix1(h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2)))));
}
constexpr std::uint64_t hash_text(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : s) h = (h ^ std::uint64_t(static_cast<unsigned char>(c))) * 1099511628211ull;
  return h;
}

/// An op's name hashed once (constant evaluation counts every step of a loop over the name).
template <class Op> inline constexpr std::uint64_t op_hash_v = hash_text(Op::name);

/// One address per type: exact type identity inside constant evaluation (pointers compare equal
/// only for the same type), without comparing the types' structure.
template <class E> inline constexpr char type_tag = 0;

// ---- instructions -------------------------------------------------------------------------------
inline constexpr int max_args = 6;
enum class kind : unsigned char { op, var, lit, imm };

template <class T> struct builder;
/// Computes an op's value from the slots of its operands.
template <class T> using exec_fn = T (*)(const T* slots, int, int, int, int, int, int);
/// Appends the op's vector-Jacobian products for the operands in `need` (a bit per operand) to the
/// builder, given the instruction and its adjoint; writes each contribution's index (-1: none).
template <class T> using vjp_fn = void (*)(builder<T>& b, int self, int adjoint, unsigned need, int* out);
/// Computes the values of n ops of one signature at once (a batch: value_at's lanes, exec_batch):
/// op k's value goes to slot out + k, its operand j's slot is lanes[j * n + k].
template <class T> using batch_fn = void (*)(T* slots, int out, int n, const int* lanes);

template <class T>
struct instr {
  kind k = kind::op;
  bool differentiable = true;
  int nargs = 0;
  int a[max_args] = {};
  int lit = -1;                  // kind::lit: the literal's id
  const void* var = nullptr;     // kind::var: the variable's type_tag
  T imm{};                       // kind::imm: a number a derivative rule wrote
  exec_fn<T> fn = nullptr;       // kind::op
  vjp_fn<T> vjp = nullptr;       // kind::op
  batch_fn<T> batch = nullptr;   // kind::op, when its op is worth computing in lanes (batch_v)
  std::uint64_t hash = 0;        // what the op is (its name and arity): a bucket, not an identity

  // Operands past nargs are 0 in every instruction, so all max_args are compared and hashed.
  constexpr bool same(const instr& o) const {
    return k == o.k && nargs == o.nargs && lit == o.lit && var == o.var && fn == o.fn && imm == o.imm &&
           a[0] == o.a[0] && a[1] == o.a[1] && a[2] == o.a[2] && a[3] == o.a[3] && a[4] == o.a[4] && a[5] == o.a[5];
  }
  // Few operations on purpose: in g++'s constant evaluator every intermediate 64-bit value is a new
  // interned constant, and this runs for every instruction added (twice per program). A bucket
  // only: multiplying each operand by its own odd constant spreads them over the table's bits.
  constexpr std::uint64_t key() const {
    return (hash + std::uint64_t(k) + std::uint64_t(lit + 1) * 0xd6e8feb86659fd93ull +
            std::uint64_t(a[0]) * 0x9e3779b97f4a7c15ull + std::uint64_t(a[1]) * 0xc2b2ae3d27d4eb4full +
            std::uint64_t(a[2]) * 0x165667b19e3779f9ull + std::uint64_t(a[3]) * 0x27d4eb2f165667c5ull +
            std::uint64_t(a[4]) * 0x85ebca77c2b2ae63ull + std::uint64_t(a[5]) * 0xff51afd7ed558ccdull) >> 20;
  }
};

/// The program under construction: instructions (children before parents), each distinct one once.
template <class T>
struct builder {
  struct memo_entry {
    const void* tag = nullptr;
    std::uint64_t hash = 0;
    int index = -1;
  };
  struct sweep_entry {
    int root;
    const void* vars;
    int first;  // results at sweep_results[first ...]
  };
  cvec<instr<T>> code;
  cvec<int> table;            // open addressing over code, by instr::key; -1 empty
  cvec<memo_entry> memo;      // open addressing by a descriptor's hash: expression type -> instruction
  int memo_count = 0;
  cvec<sweep_entry> sweeps;   // reverse sweeps made: (root, variables) -> their gradients
  cvec<int> sweep_results;
  bool third_derivative = false;  // a sweep met an op without derivative rules (differentiable = false)
  std::string_view third_derivative_op{};  // the first such op's name (the error's note names it)

  constexpr builder() {
    table.resize(1024, -1);
    memo.resize(1024, memo_entry{});
  }

  constexpr int add(const instr<T>& in) {
    const std::uint64_t h = in.key();
    const int mask = table.n - 1;
    int s = int(h & std::uint64_t(mask));
    while (table[s] >= 0) {
      if (code[table[s]].same(in)) return table[s];
      s = (s + 1) & mask;
    }
    const int idx = code.n;
    code.push(in);
    table[s] = idx;
    if (2 * code.n > table.n) rehash_code(2 * table.n);
    return idx;
  }
  constexpr void rehash_code(int size) {
    table.release();
    table.resize(size, -1);
    for (int i = 0; i < code.n; ++i) {
      int s = int(code[i].key() & std::uint64_t(size - 1));
      while (table[s] >= 0) s = (s + 1) & (size - 1);
      table[s] = i;
    }
  }

  constexpr int memo_find(const void* tag, std::uint64_t h) const {
    const int mask = memo.n - 1;
    for (int s = int(h & std::uint64_t(mask)); memo[s].tag; s = (s + 1) & mask)
      if (memo[s].tag == tag) return memo[s].index;
    return -1;
  }
  constexpr void memo_put(const void* tag, std::uint64_t h, int index) {
    if (2 * (memo_count + 1) > memo.n) {
      cvec<memo_entry> old(0, memo_entry{});
      old.reserve(memo.n);
      for (int i = 0; i < memo.n; ++i)
        if (memo[i].tag) old.push(memo[i]);
      const int size = 2 * memo.n;
      memo.release();
      memo.resize(size, memo_entry{});
      for (int i = 0; i < old.n; ++i) place(old[i]);
    }
    place(memo_entry{tag, h, index});
    ++memo_count;
  }
  constexpr void place(const memo_entry& e) {
    const int mask = memo.n - 1;
    int s = int(e.hash & std::uint64_t(mask));
    while (memo[s].tag) s = (s + 1) & mask;
    memo[s] = e;
  }
};

// ---- lowering of expression types ----------------------------------------------------------------
/// A value already in the program, as a leaf of the node types derivative rules are called with (in
/// decltype only): an op's J-th operand is ref<T, J>, its adjoint ref<T, arity>, so the type of the
/// expression a rule returns says which operand each of its leaves is. It counts as a literal
/// (literal_count J + 1) only so that the J are told apart when a rule combines them into nodes.
template <class T, int J>
struct ref {
  using value_type = T;
  using shape_type = scalar_shape;
  static constexpr bool is_leaf = true;
  static constexpr int literal_count = J + 1;
  int value;
};
template <class E> inline constexpr bool is_ref_v = false;
template <class T, int J> inline constexpr bool is_ref_v<ref<T, J>> = true;
}  // namespace detail::flat
namespace detail {
template <class T, int J> struct literal_type_of<flat::ref<T, J>> { using type = int; };
}  // namespace detail
namespace detail::flat {

/// An op applied to operands already in the program: the node type derivative rules see.
template <class T, class Node> struct sig_of;
template <class T, class Op, class Seq> struct sig_build;
template <class T, class Op, std::size_t... J> struct sig_build<T, Op, std::index_sequence<J...>> {
  using type = node<Op, ref<T, int(J)>...>;
};
template <class T, class Op, class... Cs> struct sig_of<T, node<Op, Cs...>> {
  using type = typename sig_build<T, Op, std::index_sequence_for<Cs...>>::type;
};

template <class Op, class M, class T, class... X>
CTGRAD_DETAIL_MATH_INLINE constexpr T apply_op(X... x) {
  if constexpr (Op::uses_index) return Op::template apply_at<T>(loop_info{}, 0, 0, x...);
  else if constexpr (uses_math_v<Op>) return Op::template apply<M>(x...);
  else return Op::apply(x...);
}

template <class Sig, class M, class T>
constexpr T exec(const T* s, int a0, int a1, int a2, int a3, int a4, int a5) {
  using Op = typename Sig::op;
  constexpr std::size_t n = type_list_size<typename Sig::children_types>::value;
  // One function per op (no lambda per call): value_at inlines thousands of these.
  if constexpr (n == 0) return apply_op<Op, M, T>();
  else if constexpr (n == 1) return apply_op<Op, M, T>(s[a0]);
  else if constexpr (n == 2) return apply_op<Op, M, T>(s[a0], s[a1]);
  else if constexpr (n == 3) return apply_op<Op, M, T>(s[a0], s[a1], s[a2]);
  else if constexpr (n == 4) return apply_op<Op, M, T>(s[a0], s[a1], s[a2], s[a3]);
  else if constexpr (n == 5) return apply_op<Op, M, T>(s[a0], s[a1], s[a2], s[a3], s[a4]);
  else return apply_op<Op, M, T>(s[a0], s[a1], s[a2], s[a3], s[a4], s[a5]);
}

// ---- lanes: one op over many values at once -------------------------------------------------------
// Most of a scalar gradient's time is in its few costly ops (exp, log, the activations, divisions),
// each applied once per term: W5 at N = 32 applies each of its eight costly ops 32 times. value_at
// computes the ops of one signature that no other among them depends on (the same level of the
// graph) as one batch: their operands gathered into lanes, the op applied to each lane in a loop
// the compiler vectorises (math::loop_math: branch-free, bit for bit the same results as the scalar
// functions), the results stored to consecutive slots. The cheap ops (add, mul, ...) stay one
// statement each, which the compiler folds into the surrounding code.
/// An op's value in a loop over lanes: its inline form where it has one (ops::fn_shared_op and
/// fn_given_op keep `apply` out of line for the one-statement-per-op code).
template <class Op, class T, class... X>
CTGRAD_DETAIL_MATH_INLINE constexpr T apply_lane(X... x) {
  if constexpr (requires { Op::template apply_inline<::ctgrad::math::loop_math>(x...); })
    return Op::template apply_inline<::ctgrad::math::loop_math>(x...);
  else
    return apply_op<Op, ::ctgrad::math::loop_math, T>(x...);
}
/// True for the ops a batch pays for: those that call the math functions, and division.
template <class Op> constexpr bool batch_worthy() {
  if constexpr (Op::uses_index) return false;
  else return uses_math_v<Op> || std::is_same_v<Op, ops::div_op>;
}
/// Lanes computed per vector: 32 bytes (AVX2's registers; SSE2 takes two instructions for one).
template <class T> inline constexpr int lane_width = sizeof(T) >= 32 ? 1 : int(32 / sizeof(T));
inline constexpr int batch_block = 64;  // lanes gathered at a time (a local array per operand)
/// Slots value_at keeps past a program's last: a batch writes whole vectors (exec_batch).
template <class T> inline constexpr std::size_t flat_padding = std::size_t(lane_width<T>);

/// Lanes 0 .. n - 1 of the op, the loop the compiler vectorises (always inlined: clang left a lambda
/// holding an inlined exp out of line, and the loop around the call was not vectorised).
template <class Op, class T, std::size_t... J>
CTGRAD_DETAIL_MATH_INLINE constexpr void apply_lanes(const T (*x)[batch_block], T* __restrict r, int n, std::index_sequence<J...>) {
#if defined(__clang__)
  // Vectors as wide as lane_width (n is a multiple of it): AVX-512's 8 doubles left 4 of 12 lanes to
  // a scalar remainder loop.
  _Pragma("clang loop vectorize_width(lane_width<T>) interleave_count(1)")
  for (int k = 0; k < n; ++k) r[k] = apply_lane<Op, T>(x[J][k]...);
#else
  // g++ -O2 vectorises a loop only when its trip count is known to be a multiple of the vector's
  // width: the inner loop, whole vectors.
  for (int q = 0; q < n; q += lane_width<T>)
    for (int k = 0; k < lane_width<T>; ++k) r[q + k] = apply_lane<Op, T>(x[J][q + k]...);
#endif
}
// Inlined where value_at calls it (always_inline), so the batch's lanes table, out and n are
// constants there: the gathers become loads of known slots, unrolled for small batches. Out of line
// (one function per op signature), g++ at -O2 kept the gather, padding and store loops as written
// (W5 at N = 10: 1.45x the hand-derived gradient) and needed the function at -O3 with IPA clones per
// call (0.45 s more compile per unit at N = 16 than inlined, and 1.15x at N = 10, -O3, against
// 0.71-0.75x inlined).
// The gathers stay scalar loops: clang vectorised them with AVX-512 gather instructions, whose
// results the op's loads then waited for (W5 at N = 10 took 1.6 times as long as one op at a time).
#if defined(__clang__)
#define CTGRAD_DETAIL_SCALAR_LOOP _Pragma("clang loop vectorize(disable)")
#else
#define CTGRAD_DETAIL_SCALAR_LOOP
#endif
template <class Sig, class T>
CTGRAD_DETAIL_MATH_INLINE constexpr void exec_batch(T* s, int out, int n, const int* lanes) {
  using Op = typename Sig::op;
  constexpr int A = int(type_list_size<typename Sig::children_types>::value);
  constexpr int L = lane_width<T>;
  for (int b = 0; b < n; b += batch_block) {
    const int m = std::min(batch_block, n - b);
    const int padded = (m + L - 1) / L * L;  // whole vectors: the last lane repeated
    T x[A][batch_block];
    for (int j = 0; j < A; ++j) {
      CTGRAD_DETAIL_SCALAR_LOOP
      for (int k = 0; k < m; ++k) x[j][k] = s[lanes[j * n + b + k]];
      for (int k = m; k < padded; ++k) x[j][k] = x[j][m - 1];
    }
    // Whole vectors straight to the slots: the lanes past m write the slots of ops that run later
    // (their own values replace these) or value_at's padding (flat_padding) after the last slot.
    apply_lanes<Op, T>(x, s + out + b, padded, std::make_index_sequence<std::size_t(A)>{});
  }
}
/// An event without a batch (value_at's code calls a batch function in every event).
template <class T> constexpr void no_batch(T*, int, int, const int*) {}
/// Batches at least this wide are inlined where value_at runs them. A narrower one calls its op
/// signature's one out-of-line copy (batch_out_of_line): inlined, each batch of one of a deep
/// recurrence (h = tanh(w_k h + b_k), three batches of one per step) was a whole vectorised op, and
/// depth 64 compiled in 5.1 s instead of 2.4 s.
template <class T> inline constexpr int batch_inline_min = 2 * lane_width<T>;
template <class T, batch_fn<T> F>
[[gnu::noinline]] constexpr void batch_out_of_line(T* s, int out, int n, const int* lanes) {
  F(s, out, n, lanes);
}
/// What value_at calls for an event whose batch is F with N ops (N = 0: none).
template <class T, batch_fn<T> F, int N>
inline constexpr batch_fn<T> batch_call_v = [] {
  if constexpr (N == 0) return &no_batch<T>;
  else if constexpr (N >= batch_inline_min<T>) return F;
  else return &batch_out_of_line<T, F>;
}();
/// The batch function of an op signature, or none (computed one statement at a time).
template <class Sig, class T>
inline constexpr batch_fn<T> batch_v = [] {
  using Op = typename Sig::op;
  if constexpr (CTGRAD_VALUE_AT_BATCHES && batch_worthy<Op>() && type_list_size<typename Sig::children_types>::value > 0)
    return &exec_batch<Sig, T>;
  else return batch_fn<T>{nullptr};
}();


// An op whose derivative is not provided says so with `static constexpr bool differentiable = false`.
template <class Op> constexpr bool differentiable_op() {
  if constexpr (requires { Op::differentiable; }) return Op::differentiable; else return true;
}

template <class T, class M, class E> constexpr int emit_type(builder<T>& b, const int* ids);

// The contributions of one instruction to its operands' adjoints. Each derivative rule is called
// only for its type (decltype): the small expression it returns is over ref<T, J> leaves, operand J
// being ids[J] and the adjoint ids[arity], so its type alone says which instructions to append.
// Nothing of the rule runs in the constant evaluation (a step limit counts every statement).
template <class T, class M, class Sig>
constexpr void vjp_all(builder<T>& b, int self, int adjoint, unsigned need, int* out) {
  constexpr std::size_t n = type_list_size<typename Sig::children_types>::value;
  using op = typename Sig::op;
  if constexpr (!differentiable_op<op>()) {
    // No rule: the sweep reports the op (called only for this, with need = 0).
    if (!b.third_derivative) b.third_derivative_op = op::name;
    b.third_derivative = true;
  } else if constexpr (n > 0) {
    int ids[n + 1] = {};
    for (std::size_t j = 0; j < n; ++j) ids[j] = b.code[self].a[j];
    ids[n] = adjoint;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ([&] {
        out[I] = -1;
        using C = decltype(op::template vjp<I>(std::declval<const Sig&>(), std::declval<const ref<T, int(n)>&>()));
        if constexpr (!std::is_same_v<C, no_grad>)
          if (need & (1u << I)) out[I] = emit_type<T, M, C>(b, ids);
      }(), ...);
    }(std::make_index_sequence<n>{});
  }
}

/// False when every op of E has derivative rules and E holds no lazy gradient: then a sweep of E
/// cannot meet an op without rules, and grad() skips the lowering that looks for one.
template <class E> struct may_lack_rules : std::false_type {};
template <class Op, class... Cs>
struct may_lack_rules<node<Op, Cs...>>
    : std::bool_constant<is_grad_op_v<Op> || !differentiable_op<Op>() || (may_lack_rules<Cs>::value || ...)> {};
template <class E> concept may_lack_rules_v = may_lack_rules<E>::value;  // a concept: no symbol per type

template <class T, class M, class Sig>
constexpr int add_op_instr(builder<T>& b, const int* args) {
  instr<T> in;
  in.k = kind::op;
  in.nargs = int(type_list_size<typename Sig::children_types>::value);
  static_assert(max_args == 6);
  in.a[0] = args[0], in.a[1] = args[1], in.a[2] = args[2], in.a[3] = args[3], in.a[4] = args[4], in.a[5] = args[5];
  in.fn = &exec<Sig, M, T>;
  in.vjp = &vjp_all<T, M, Sig>;
  in.batch = batch_v<Sig, T>;
  in.differentiable = differentiable_op<typename Sig::op>();
  in.hash = op_hash_v<typename Sig::op>;
  return b.add(in);
}

// ---- functions whose value and first derivative share a part -------------------------------------
/// The form the program holds an expression type in: itself, except the value and first derivative
/// of a function with a shared part (ops::fn_has_shared: sigmoid's exp(-|x|)), which become that part
/// and the value or derivative given it; the part, one instruction, is found again by CSE. compile()'s
/// loops need none of this: value and derivative are in one loop body, where the compiler shares it.
template <class E> struct shared_form { using type = void; };
template <class F, class X, class... P>
  requires(ops::fn_has_shared<F>())
struct shared_form<node<ops::fn_op<F>, X, P...>> {
  using type = node<ops::fn_given_op<F, 0>, X, node<ops::fn_shared_op<F>, X>, P...>;
};
template <class F, class X, class Y, class... P>
  requires(ops::fn_has_shared<F>())
struct shared_form<node<ops::fn_d1_op<F, 0>, X, Y, P...>> {
  using type = node<ops::fn_given_op<F, 1>, X, node<ops::fn_shared_op<F>, X>, P...>;
};

/// Appends the small expression type E (over refs and constants) to the program; ids[J] is the
/// instruction of leaf ref<T, J>.
template <class T, class M, class E>
constexpr int emit_type(builder<T>& b, const int* ids) {
  if constexpr (!std::is_void_v<typename shared_form<E>::type>) {
    return emit_type<T, M, typename shared_form<E>::type>(b, ids);
  } else if constexpr (is_ref_v<E>) {
    return ids[E::literal_count - 1];
  } else {
    static_assert(is_node_v<E>,
                  "ctgrad: a derivative rule returned a literal number; write it as an operand or a constant op");
    int args[max_args + 1] = {};
    [&]<class... Cs>(type_list<Cs...>*) {
      int j = 0;
      ((args[j++] = emit_type<T, M, Cs>(b, ids)), ...);
    }(static_cast<typename E::children_types*>(nullptr));
    return add_op_instr<T, M, typename sig_of<T, E>::type>(b, args);
  }
}

// ---- expression types as constant data ------------------------------------------------------------
// Each expression type is described once by a constant (desc_v): what it is, its structural hash,
// its children's descriptors, and for an op the two function pointers of its signature. Lowering is
// then one function (lower_desc) that walks these constants; nothing is instantiated per expression
// type but variables. Functions named after expression types were most of the compile time of a
// large scalar gradient: the k-th partial sum of a fold has a type of size k, so the names of one
// function per type grow with the square of the number of terms (docs/design.md, "Compile time").
enum class dkind : unsigned char { var, lit, op, grad, sum };
/// The reverse sweep for one set of variables (sweep<T, M, Vs...>), as a grad node's descriptor holds it.
template <class T> using sweep_fn = int (*)(builder<T>& b, int root);

template <class T>
struct type_desc {
  dkind k = dkind::op;
  std::uint64_t hash = 0;                  // structural: the memo's bucket (identity is the address)
  const void* var = nullptr;               // var: its type_tag
  int lit = -1;                            // lit: its id; grad: which gradient (K)
  int nargs = 0;
  const type_desc* args[max_args] = {};    // the children's descriptors (grad: the function's)
  exec_fn<T> fn = nullptr;                 // op: its signature's value and derivative rules
  vjp_fn<T> vjp = nullptr;
  batch_fn<T> batch = nullptr;             // op: its signature's batch (batch_v), if any
  bool differentiable = true;
  std::uint64_t op_hash = 0;
  sweep_fn<T> sweep = nullptr;             // grad: the sweep over its variables
  const type_desc* const* terms = nullptr; // sum: its nargs terms' descriptors (sum_terms_v)
  bool left = false;                       // sum: nested to the left ((a + b) + c) or the right
};

/// The descriptor of expression type E (the specialisations below: variables, literals, nodes and
/// lazy gradients; flat_ok_v keeps every other type off this path).
template <class T, class M, class E> inline constexpr type_desc<T> desc_v = {};
template <class T> constexpr int lower_desc(builder<T>& b, const type_desc<T>* d);

/// The reverse sweep over the program's values up to `root` (a scalar function), with respect to
/// the variables Vs: each value's adjoint is the sum of its consumers' contributions, in the order
/// they were made, as in the nested derivation (autodiff/grad.hpp); only values that reach one of
/// Vs pass contributions on. Returns where the gradients are in b.sweep_results.
template <class T, class M, class... Vs>
constexpr int sweep(builder<T>& b, int root) {
  const void* vars_tag = &type_tag<type_list<Vs...>>;
  for (int i = 0; i < b.sweeps.n; ++i)
    if (b.sweeps[i].root == root && b.sweeps[i].vars == vars_tag) return b.sweeps[i].first;
  const int n = root + 1;
  constexpr int nv = int(sizeof...(Vs));
  const void* tags[nv] = {&type_tag<Vs>...};
  int var_at[nv] = {};
  for (int v = 0; v < nv; ++v) var_at[v] = -1;
  cvec<bool> reach(n, false);
  for (int i = 0; i < n; ++i) {
    const instr<T>& in = b.code[i];
    if (in.k == kind::var) {
      for (int v = 0; v < nv; ++v)
        if (in.var == tags[v]) { reach[i] = true; var_at[v] = i; }
    } else if (in.k == kind::op) {
      for (int j = 0; j < in.nargs; ++j) reach[i] = reach[i] || reach[in.a[j]];
    }
  }
  cvec<int> adj(n, -1);
  if (reach[root]) adj[root] = lower_desc(b, &desc_v<T, M, ones_node<T, scalar_shape>>);
  using add_sig = node<ops::add_op, ref<T, 0>, ref<T, 1>>;
  for (int i = root; i >= 0; --i) {
    if (adj[i] < 0 || !reach[i] || b.code[i].k != kind::op) continue;
    const instr<T> in = b.code[i];
    if (!in.differentiable) {
      int none[max_args] = {};
      in.vjp(b, i, adj[i], 0u, none);  // records the op's name
      continue;
    }
    unsigned need = 0;
    for (int j = 0; j < in.nargs; ++j)
      if (reach[in.a[j]]) need |= 1u << j;
    int out[max_args] = {};
    in.vjp(b, i, adj[i], need, out);
    for (int j = 0; j < in.nargs; ++j) {
      if (!(need & (1u << j)) || out[j] < 0) continue;
      const int c = in.a[j];
      if (adj[c] < 0) {
        adj[c] = out[j];
      } else {
        const int args[max_args + 1] = {adj[c], out[j]};
        adj[c] = add_op_instr<T, M, add_sig>(b, args);
      }
    }
  }
  const int first = b.sweep_results.n;
  for (int v = 0; v < nv; ++v) b.sweep_results.push(-1);
  for (int v = 0; v < nv; ++v)
    b.sweep_results[first + v] =
        var_at[v] >= 0 && adj[var_at[v]] >= 0 ? adj[var_at[v]] : lower_desc(b, &desc_v<T, M, zeros_node<T, scalar_shape>>);
  b.sweeps.push({root, vars_tag, first});
  return first;
}

template <class T>
constexpr std::uint64_t hash_children(std::uint64_t h, std::initializer_list<const type_desc<T>*> args) {
  for (const type_desc<T>* a : args) h = mix(h, a->hash);
  return h;
}

template <class T, class M, fixed_string Name, class S>
inline constexpr type_desc<T> desc_v<T, M, var<Name, T, S>> = {
    .k = dkind::var, .hash = mix(hash_text(Name.view()), sizeof(T)), .var = &type_tag<var<Name, T, S>>};
template <class T, class M, int Id>
inline constexpr type_desc<T> desc_v<T, M, lit<T, Id>> = {.k = dkind::lit, .hash = mix(0x11ull, std::uint64_t(Id)),
                                                          .lit = Id};
template <class T, class M, class Op, class... Cs>
inline constexpr type_desc<T> desc_v<T, M, node<Op, Cs...>> = {
    .k = dkind::op,
    .hash = hash_children<T>(mix(op_hash_v<Op>, sizeof...(Cs)), {&desc_v<T, M, Cs>...}),
    .nargs = int(sizeof...(Cs)),
    .args = {&desc_v<T, M, Cs>...},
    .fn = &exec<typename sig_of<T, node<Op, Cs...>>::type, M, T>,
    .vjp = &vjp_all<T, M, typename sig_of<T, node<Op, Cs...>>::type>,
    .batch = batch_v<typename sig_of<T, node<Op, Cs...>>::type, T>,
    .differentiable = differentiable_op<Op>(),
    .op_hash = op_hash_v<Op>};
template <class T, class M, class F, class X, class... P>
  requires(ops::fn_has_shared<F>())
inline constexpr type_desc<T> desc_v<T, M, node<ops::fn_op<F>, X, P...>> =
    desc_v<T, M, typename shared_form<node<ops::fn_op<F>, X, P...>>::type>;
template <class T, class M, class F, class X, class Y, class... P>
  requires(ops::fn_has_shared<F>())
inline constexpr type_desc<T> desc_v<T, M, node<ops::fn_d1_op<F, 0>, X, Y, P...>> =
    desc_v<T, M, typename shared_form<node<ops::fn_d1_op<F, 0>, X, Y, P...>>::type>;
template <class T, class M, std::size_t K, class... Vs, class F>
inline constexpr type_desc<T> desc_v<T, M, node<ops::grad_op<K, type_list<Vs...>>, F>> = {
    .k = dkind::grad,
    .hash = mix(mix(mix(0x6772616428ull, std::uint64_t(K)), sizeof...(Vs)), desc_v<T, M, F>.hash),
    .lit = int(K),
    .nargs = 1,
    .args = {&desc_v<T, M, F>},
    .sweep = &sweep<T, M, Vs...>};

// ---- sums of many terms ------------------------------------------------------------------------
// A sum written as a fold, a + (b + (c + ...)), has a partial sum per term, each a type the size of
// the rest of the sum: a descriptor each was most of the characters g++ mangled for the W5 gradient
// (the names grow with the square of the number of terms). A chain of add nodes nested to one
// side (its spine) is described once, at its top, by its terms (what hangs off the spine) in order;
// lower_desc adds them up in the nesting the types have, in the same order as node by node, so the
// program is the same. The partial sums below the top get no descriptor (a partial sum used
// elsewhere is lowered on its own: its instructions are found again, CSE by instruction).
template <class E> struct is_add_node : std::false_type {};
template <class L, class R> struct is_add_node<node<ops::add_op, L, R>> : std::true_type {};
/// The terms of a spine: right: a + (b + (c + d)) -> a, b, c, d; left: ((a + b) + c) + d -> a, b, c, d.
template <class E, class Terms> struct right_terms;
template <class L, class R, class... Ts> struct right_terms<node<ops::add_op, L, R>, type_list<Ts...>> {
  using type = typename std::conditional_t<is_add_node<R>::value, right_terms<R, type_list<Ts..., L>>,
                                           std::type_identity<type_list<Ts..., L, R>>>::type;
};
template <class E, class Terms> struct left_terms;
template <class L, class R, class... Ts> struct left_terms<node<ops::add_op, L, R>, type_list<Ts...>> {
  using type = typename std::conditional_t<is_add_node<L>::value, left_terms<L, type_list<R, Ts...>>,
                                           std::type_identity<type_list<L, R, Ts...>>>::type;
};
/// A spine's terms' descriptors: one constant per spine (named after all its terms, as its top is).
template <class T, class M, class Terms> inline constexpr const type_desc<T>* sum_terms_v[1] = {};
template <class T, class M, class... Ts>
inline constexpr const type_desc<T>* sum_terms_v<T, M, type_list<Ts...>>[sizeof...(Ts)] = {&desc_v<T, M, Ts>...};
template <class T, class M, bool Left, class... Ts>
constexpr type_desc<T> sum_desc(type_list<Ts...>*) {
  using add_sig = typename sig_of<T, node<ops::add_op, ref<T, 0>, ref<T, 1>>>::type;
  return {.k = dkind::sum,
          .hash = hash_children<T>(mix(op_hash_v<ops::add_op>, 0x73756dull + Left), {&desc_v<T, M, Ts>...}),
          .nargs = int(sizeof...(Ts)),
          .fn = &exec<add_sig, M, T>,
          .vjp = &vjp_all<T, M, add_sig>,
          .differentiable = true,
          .op_hash = op_hash_v<ops::add_op>,
          .terms = sum_terms_v<T, M, type_list<Ts...>>,
          .left = Left};
}
template <class T, class M, class L, class R>
  requires(is_add_node<R>::value)
inline constexpr type_desc<T> desc_v<T, M, node<ops::add_op, L, R>> =
    sum_desc<T, M, false>(static_cast<typename right_terms<node<ops::add_op, L, R>, type_list<>>::type*>(nullptr));
template <class T, class M, class L, class R>
  requires(is_add_node<L>::value && !is_add_node<R>::value)
inline constexpr type_desc<T> desc_v<T, M, node<ops::add_op, L, R>> =
    sum_desc<T, M, true>(static_cast<typename left_terms<node<ops::add_op, L, R>, type_list<>>::type*>(nullptr));

/// The instruction of the expression described by d, lowered once per type (a value shared by
/// several consumers, e.g. a function under each of its gradients, is walked once).
template <class T>
constexpr int lower_desc(builder<T>& b, const type_desc<T>* d) {
  if (const int i = b.memo_find(d, d->hash); i >= 0) return i;
  int i = -1;
  if (d->k == dkind::grad) {
    const int root = lower_desc(b, d->args[0]);
    const int first = d->sweep(b, root);
    i = b.sweep_results[first + d->lit];
  } else if (d->k == dkind::sum) {
    instr<T> in;
    in.k = kind::op;
    in.nargs = 2;
    in.fn = d->fn;
    in.vjp = d->vjp;
    in.hash = d->op_hash;
    if (d->left) {  // ((t0 + t1) + t2) + ...: each sum as soon as its right term is lowered
      i = lower_desc(b, d->terms[0]);
      for (int j = 1; j < d->nargs; ++j) {
        const int t = lower_desc(b, d->terms[j]);
        in.a[0] = i, in.a[1] = t;
        i = b.add(in);
      }
    } else {  // t0 + (t1 + (... + tn)): every term first, then the sums from the innermost out
      cvec<int> t(d->nargs, -1);
      for (int j = 0; j < d->nargs; ++j) t[j] = lower_desc(b, d->terms[j]);
      i = t[d->nargs - 1];
      for (int j = d->nargs - 2; j >= 0; --j) {
        in.a[0] = t[j], in.a[1] = i;
        i = b.add(in);
      }
    }
  } else {
    instr<T> in;
    if (d->k == dkind::var) {
      in.k = kind::var;
      in.var = d->var;
      in.hash = d->hash;
    } else if (d->k == dkind::lit) {
      in.k = kind::lit;
      in.lit = d->lit;
    } else {
      in.k = kind::op;
      in.nargs = d->nargs;
      for (int j = 0; j < d->nargs; ++j) in.a[j] = lower_desc(b, d->args[j]);
      in.fn = d->fn;
      in.vjp = d->vjp;
      in.batch = d->batch;
      in.differentiable = d->differentiable;
      in.hash = d->op_hash;
    }
    i = b.add(in);
  }
  b.memo_put(d, d->hash, i);
  return i;
}

// ---- which graphs take this path ------------------------------------------------------------------
/// True when every node of E is a rank-0 value of element type T computed by an elementwise op (or
/// a lazy gradient of such a graph): the graphs value_at evaluates and grad() derives flat.
template <class E, class T> struct flat_ok : std::false_type {};
template <fixed_string Name, class T> struct flat_ok<var<Name, T, scalar_shape>, T> : std::true_type {};
template <class T, int Id> struct flat_ok<lit<T, Id>, T> : std::true_type {};
template <class Op, class... Cs, class T>
struct flat_ok<node<Op, Cs...>, T>
    : std::bool_constant<shape_t<node<Op, Cs...>>::rank == 0 && std::is_same<value_t<node<Op, Cs...>>, T>::value &&
                         (is_grad_op_v<Op> || Op::elementwise) && sizeof...(Cs) <= std::size_t(max_args) &&
                         (flat_ok<Cs, T>::value && ...)> {};
/// A concept, not a variable template (asked of every subexpression; see core/node.hpp, node_literals).
template <class E, class T> concept flat_ok_v = flat_ok<E, T>::value;

/// V as a constant variable: `constant_v<expr>` makes the compiler evaluate expr where it is written.
template <auto V> inline constexpr auto constant_v = V;

// ---- the finished program -----------------------------------------------------------------------------
/// The program value_at runs, all that is left of the builder: the live values only (those the roots
/// need), leaves first (variables, literals, numbers), then the ops in program order, each value in a
/// slot of its own numbered in that order (so the ops' slots follow the leaves'). Built straight from
/// the builder (a copy of every instruction as a constant, then read again, cost as much constant
/// evaluation as the lowering), in arrays of a capacity fixed before the lowering (CV variables, CL
/// literals, CI numbers, CO ops): the counts are members, so one lowering both sizes and fills it
/// (docs/design.md, "Compile time", tenth round). `fits` is false when the capacity was too small;
/// then only the counts are set.
template <class T, std::size_t CV, std::size_t CL, std::size_t CI, std::size_t CO, std::size_t R>
struct program {
  bool fits = false;
  std::size_t vars = 0, lits = 0, imms = 0, ops = 0;  // slots in this order
  std::size_t values = 0;                             // all live values
  int size = 0;                    // all instructions (live or not): the node budget counts these
  const void* var_tag[CV + 1];     // each variable's type_tag (value_at finds its binding by it)
  int lit_id[CL + 1];
  T imm[CI + 1];
  exec_fn<T> op_fn[CO + 1];        // each op's function
  batch_fn<T> op_batch[CO + 1];    // its batch function (none: the op is never batched)
  int op_args[CO + 1][max_args];   // its operands' slots
  int op_nargs[CO + 1];            // and how many it has
  // The ops run as events, in order: event k is a batch (the ops batch_op[k] .. batch_op[k] +
  // batch_n[k] - 1, of one signature, none reading another's value: op_batch; batch_n 0: none),
  // then the ops run_op[k] .. run_op[k] + run_n[k] - 1 one statement each (op_fn), at most
  // flat_chunk of them.
  std::size_t events = 0;
  std::size_t batches = 0;  // events with a batch
  std::size_t lanes = 0;    // operand slots of all batches: their ops' nargs, summed
  int batch_op[CO + 2];
  int batch_n[CO + 2];
  int batch_lanes[CO + 2];  // where its operands' slots start in the batches' table (value_at's flat_lanes_v)
  int run_op[CO + 2];
  int run_n[CO + 2];
  int root_slot[R];
};
/// Statements per function of value_at's code (eval/value_at.hpp, flat_run_chunk).
inline constexpr int flat_chunk = 256;

/// The order of the live ops of b: by level (an op's level is one more than its operands' highest;
/// leaves are level 0), and within a level each group of batch_worthy ops of one signature together
/// (in program order, at its first op's place), the other ops in program order. Writes each op's
/// position to order[] (a permutation of the live ops) and the groups as steps: n ops of one
/// batch as -n, an op computed alone as 1. A batch_worthy op with no partner at its level is a batch
/// of one: its scalar function (exec) is then never called, so the compiler never builds it.
template <class T>
constexpr void schedule_ops(const builder<T>& b, const cvec<bool>& live, cvec<int>& order, cvec<int>& step_n) {
  if constexpr (!CTGRAD_VALUE_AT_BATCHES) {  // program order (by level, the straight-line code grew by a quarter)
    for (int i = 0; i < b.code.n; ++i)
      if (live[i] && b.code[i].k == kind::op) {
        order.push(i);
        step_n.push(1);
      }
    return;
  }
  cvec<int> level(b.code.n, 0);
  int top = 0, count = 0;
  for (int i = 0; i < b.code.n; ++i) {
    if (!live[i] || b.code[i].k != kind::op) continue;
    int l = 0;
    for (int j = 0; j < b.code[i].nargs; ++j) l = std::max(l, level[b.code[i].a[j]]);
    level[i] = l + 1;
    top = std::max(top, l + 1);
    ++count;
  }
  // The ops by level (a counting sort, program order kept within a level).
  cvec<int> first(top + 2, 0);
  for (int i = 0; i < b.code.n; ++i)
    if (live[i] && b.code[i].k == kind::op) ++first[level[i] + 1];
  for (int l = 1; l <= top + 1; ++l) first[l] += first[l - 1];
  cvec<int> by_level(count, -1);
  {
    cvec<int> at(top + 2, 0);
    for (int l = 0; l <= top + 1; ++l) at[l] = first[l];
    for (int i = 0; i < b.code.n; ++i)
      if (live[i] && b.code[i].k == kind::op) by_level[at[level[i]]++] = i;
  }
  cvec<bool> placed(b.code.n, false);
  for (int l = 1; l <= top; ++l) {
    for (int x = first[l]; x < first[l + 1]; ++x) {
      const int i = by_level[x];
      if (placed[i]) continue;
      placed[i] = true;
      order.push(i);
      int n = 1;
      if (const batch_fn<T> f = b.code[i].batch)
        for (int y = x + 1; y < first[l + 1]; ++y) {
          const int k = by_level[y];
          if (!placed[k] && b.code[k].batch == f) {
            placed[k] = true;
            order.push(k);
            ++n;
          }
        }
      step_n.push(b.code[i].batch ? -n : n);  // a batch (even of one op) as -n
    }
  }
}

/// A root as lower_live lowers it: a lazy gradient, the K-th of a sweep over its function
/// (`function`, swept by `sweep_v<T, M, vars>`), or any other expression (`function`, K = -1).
/// Types only: a descriptor per gradient was a constant named after the function and all its
/// variables (W5 at N = 64: 64 names of 16 KB each, a fifth of what g++ mangled).
template <class R> struct root_parts : std::integral_constant<int, -1> {
  using function = R;
  using vars = void;
};
template <std::size_t K, class Vars, class F>
struct root_parts<node<ops::grad_op<K, Vars>, F>> : std::integral_constant<int, int(K)> {
  using function = F;
  using vars = Vars;
};
template <class T, class M, class Vars> inline constexpr sweep_fn<T> sweep_v = nullptr;
template <class T, class M, class... Vs> inline constexpr sweep_fn<T> sweep_v<T, M, type_list<Vs...>> = &sweep<T, M, Vs...>;
/// The instruction of a root: its function's, or the K-th result of the sweep over it.
template <class T>
constexpr int lower_root(builder<T>& b, const type_desc<T>* function, sweep_fn<T> sweep, int k) {
  const int f = lower_desc(b, function);
  return k < 0 ? f : b.sweep_results[sweep(b, f) + k];
}

/// Lowers Roots into b, writes their instructions to roots and marks what they need in live.
template <class T, class M, class... Roots>
constexpr void lower_live(builder<T>& b, int* roots, cvec<bool>& live) {
  int r = 0;
  meta::in_order{(roots[r++] = lower_root(b, &desc_v<T, M, typename root_parts<Roots>::function>,
                                          sweep_v<T, M, typename root_parts<Roots>::vars>, root_parts<Roots>::value),
                  0)...};
  live.resize(b.code.n, false);
  for (int k = 0; k < r; ++k) live[roots[k]] = true;
  for (int i = b.code.n - 1; i >= 0; --i)
    if (live[i] && b.code[i].k == kind::op)
      for (int j = 0; j < b.code[i].nargs; ++j) live[b.code[i].a[j]] = true;
}

/// One lowering of Roots into a program of capacity (CV, CL, CI, CO): filled when the live values fit.
template <class T, class M, std::size_t CV, std::size_t CL, std::size_t CI, std::size_t CO, class... Roots>
constexpr auto make_program() {
  program<T, CV, CL, CI, CO, sizeof...(Roots)> p{};
  builder<T> b;
  int roots[sizeof...(Roots)] = {};
  cvec<bool> live;
  lower_live<T, M, Roots...>(b, roots, live);
  p.size = b.code.n;
  for (int i = 0; i < b.code.n; ++i) {
    if (!live[i]) continue;
    switch (b.code[i].k) {
      case kind::var: ++p.vars; break;
      case kind::lit: ++p.lits; break;
      case kind::imm: ++p.imms; break;
      case kind::op: ++p.ops; break;
    }
  }
  p.values = p.vars + p.lits + p.imms + p.ops;
  p.fits = p.vars <= CV && p.lits <= CL && p.imms <= CI && p.ops <= CO;
  if (!p.fits) return p;
  const std::size_t nv = p.vars, nl = p.lits, ni = p.imms;
  cvec<int> slot_of(b.code.n, -1);
  std::size_t v = 0, l = 0, m = 0;
  for (int i = 0; i < b.code.n; ++i) {
    if (!live[i]) continue;
    const instr<T>& in = b.code[i];
    switch (in.k) {
      case kind::var: slot_of[i] = int(v); p.var_tag[v++] = in.var; break;
      case kind::lit: slot_of[i] = int(nv + l); p.lit_id[l++] = in.lit; break;
      case kind::imm: slot_of[i] = int(nv + nl + m); p.imm[m++] = in.imm; break;
      case kind::op: break;
    }
  }
  // The ops in the order they run (schedule_ops): each op's slot is its position, so a batch's
  // values are consecutive slots; an op's operands are at lower levels, so they come first.
  cvec<int> order, step_n;
  schedule_ops(b, live, order, step_n);
  for (int o = 0; o < order.n; ++o) {
    const instr<T>& in = b.code[order[o]];
    slot_of[order[o]] = int(nv + nl + ni) + o;
    p.op_fn[o] = in.fn;
    p.op_batch[o] = in.batch;
    p.op_nargs[o] = in.nargs;
    for (int j = 0; j < in.nargs; ++j) p.op_args[o][j] = slot_of[in.a[j]];
  }
  // The events: each batch opens one, and so does a run of single ops at its flat_chunk-th op.
  std::size_t e = 0;
  for (int k = 0, o = 0; k < step_n.n; ++k) {
    const bool batch = step_n[k] < 0;
    const int n = batch ? -step_n[k] : step_n[k];  // (std::abs is not constexpr before C++23)
    if (batch || e == 0 || p.run_n[e - 1] == flat_chunk) {
      p.batch_op[e] = o;
      p.batch_n[e] = batch ? n : 0;
      p.batch_lanes[e] = int(p.lanes);
      if (batch) p.lanes += std::size_t(n * p.op_nargs[o]);
      p.run_op[e] = batch ? o + n : o;
      p.run_n[e] = 0;
      p.batches += batch;
      ++e;
    }
    if (!batch) ++p.run_n[e - 1];
    o += n;
  }
  p.events = e;
  for (std::size_t r = 0; r < sizeof...(Roots); ++r) p.root_slot[r] = slot_of[roots[r]];
  return p;
}

// ---- the capacity, guessed from the types --------------------------------------------------------
// The program's size is known only after the lowering (CSE merges values, derivative rules add
// them), and a second lowering only to size it cost as much as the first (W5 at N = 64: 0.4 s of
// g++'s 3.5 s). So one lowering fills a program whose capacity is guessed from the roots' types:
// their nodes counted as a tree, each lazy gradient as four times its function's count and one per
// variable (a sweep appends, per node, its derivative rules' nodes and one sum per operand: the
// built-in rules make at most about three per node). When the guess is too small, that lowering has
// counted the live values, and a second one fills a program of exactly that size (what every
// program cost before). Unused capacity is nearly free (a zero-initialised tail: W5 at N = 64
// compiles in the same time with twice the capacity), but a count over flat_guess_limit
// (subexpressions shared many times over, whose tree is far larger than the graph) skips the guess.
inline constexpr std::size_t flat_guess_limit = 16384;
/// Nodes and variable leaves of E counted as a tree (types, not constants: no symbol per expression
/// type), each saturated at flat_guess_limit + 1.
template <std::size_t A, std::size_t B> using flat_sum = std::integral_constant<std::size_t, (A + B > flat_guess_limit ? flat_guess_limit + 1 : A + B)>;
template <class E> struct flat_tree : std::integral_constant<std::size_t, 1> {};
template <class Op, class... Cs> struct flat_tree<node<Op, Cs...>> : flat_sum<1, (std::size_t(0) + ... + flat_tree<Cs>::value)> {};
template <std::size_t K, class... Vs, class F>
struct flat_tree<node<ops::grad_op<K, type_list<Vs...>>, F>> : flat_sum<4 * flat_tree<F>::value, sizeof...(Vs)> {};
template <class E> struct flat_vars : std::integral_constant<std::size_t, is_var_v<E> ? 1 : 0> {};
template <class Op, class... Cs> struct flat_vars<node<Op, Cs...>> : flat_sum<0, (std::size_t(0) + ... + flat_vars<Cs>::value)> {};
template <std::size_t K, class... Vs, class F>
struct flat_vars<node<ops::grad_op<K, type_list<Vs...>>, F>> : flat_sum<flat_vars<F>::value, sizeof...(Vs)> {};

/// The guessed capacity of the program of Roots: the largest root's count (the roots of a gradient
/// set are a function and its gradients), 0 when a count is over the limit (no guess).
template <class... Roots> struct flat_guess {
  static constexpr std::size_t ops = std::max({flat_tree<Roots>::value...});
  static constexpr std::size_t vars = std::max({flat_vars<Roots>::value...});
  static constexpr std::size_t lits = std::size_t(std::max({Roots::literal_count...}));
  static constexpr bool use = ops <= flat_guess_limit && vars <= flat_guess_limit;
};

template <int Instructions, int Budget> struct instructions_within_budget {
  static constexpr bool value = Instructions <= Budget;
};

/// The program of Roots at its guessed capacity (an empty one when there is no guess).
template <class T, class M, class G, class... Roots>
inline constexpr auto guessed_program_v =
    make_program<T, M, G::use ? G::vars : 0, G::use ? G::lits : 0, 0, G::use ? G::ops : 0, Roots...>();

/// The program of Roots at exactly its size (the second lowering, when the guess was too small).
template <class T, class M, std::size_t CV, std::size_t CL, std::size_t CI, std::size_t CO, class... Roots>
inline constexpr auto exact_program_v = make_program<T, M, CV, CL, CI, CO, Roots...>();

template <class T, class M, class... Roots> struct program_of {
  static constexpr auto& guessed = guessed_program_v<T, M, flat_guess<Roots...>, Roots...>;
  static constexpr int size = guessed.size;
  // The node budget, written so that both compilers print the two numbers (g++ the comparison,
  // clang the template arguments of the requirement).
#if defined(__clang__)
  static_assert(instructions_within_budget<size, CTGRAD_MAX_NODES>::value,
#else
  static_assert(size <= CTGRAD_MAX_NODES,
#endif
                "value_at: the function and its derivatives need more instructions than the node budget "
                "CTGRAD_MAX_NODES (the comparison below shows both); split the function, or raise the budget "
                "with -DCTGRAD_MAX_NODES=<n>");
  static constexpr auto& exact() {
    if constexpr (guessed.fits) {
      return guessed;
    } else {
      return exact_program_v<T, M, guessed.vars, guessed.lits, guessed.imms, guessed.ops, Roots...>;
    }
  }
};

/// The program of Roots (built once per set of root types).
template <class T, class M, class... Roots>
inline constexpr auto& program_v = program_of<T, M, Roots...>::exact();

/// The name of the first op without derivative rules that deriving grad_op nodes of Roots meets
/// (empty: none).
template <class T, class... Roots>
inline constexpr std::string_view third_derivative_op_v = [] {
  builder<T> b;
  meta::in_order{(lower_desc(b, &desc_v<T, ::ctgrad::math::scalar_math, Roots>), 0)...};
  return b.third_derivative_op;
}();
/// That name as a template argument, so that the note below the error names the op.
template <class T, class... Roots> consteval auto third_derivative_op_name() {
  constexpr std::string_view s = third_derivative_op_v<T, Roots...>;
  char text[s.size() + 1]{};
  for (std::size_t i = 0; i < s.size(); ++i) text[i] = s[i];
  return fixed_string<s.size() + 1>(text);
}
/// third_derivative_op_v<T, Root> for Root a gradient of F, not computed (empty) when F has rules
/// for every op and no lazy gradient (may_lack_rules_v): a lowering less for every first-order grad().
template <class T, class Root, class F, bool = may_lack_rules_v<F>>
inline constexpr std::string_view missing_rule_op_v = {};
template <class T, class Root, class F>
inline constexpr std::string_view missing_rule_op_v<T, Root, F, true> = third_derivative_op_v<T, Root>;
template <fixed_string OpName> struct next_derivative_rule_for { static constexpr bool defined = false; };


}  // namespace detail::flat
}  // namespace ctgrad
