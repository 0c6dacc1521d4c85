// ctgrad/core/node.hpp — the expression graph as types: leaves (named variables `var`, literals
// `lit`, constants) and inner nodes `node<Op, Children...>`, plus the concepts that name them.
// Not for evaluation or differentiation: see eval/ and autodiff/.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <iterator>
#include <cstddef>
#include <initializer_list>
#include <string_view>
#include <type_traits>

#include "ctgrad/core/meta.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tuple.hpp"

namespace ctgrad {

// ---------------------------------------------------------------------------------------------
// Names as template arguments: var<"W1", float, shape<784, 128>>.
// ---------------------------------------------------------------------------------------------

/// A string usable as a template argument (C++20 class-type non-type template parameter).
template <std::size_t N>
struct fixed_string {
  char chars[N]{};
  constexpr fixed_string(const char (&s)[N]) { std::copy_n(s, N, chars); }
  constexpr std::string_view view() const { return {chars, N - 1}; }
  constexpr bool operator==(const fixed_string&) const = default;
};

/// The name made of a letter and a 1-based index ("a1", "w12", "b100"), as a template argument: a
/// family of variables written as a template, `template <int I> using a = var<indexed_name<'a', I>(),
/// double>;` (docs/examples/scalar_family.cpp). Indices run from 1 to 999.
template <char Prefix, int Index> consteval auto indexed_name() {
  static_assert(Index >= 1 && Index < 1000, "indexed_name: indices run from 1 to 999");
  constexpr int digits = Index < 10 ? 1 : Index < 100 ? 2 : 3;
  char text[digits + 2]{};
  text[0] = Prefix;
  for (int i = digits, v = Index; i >= 1; --i, v /= 10) text[i] = static_cast<char>('0' + v % 10);
  return fixed_string<digits + 2>(text);
}

namespace detail {
/// The name of an op or of a user's struct (its `name`) as a template argument, so that the note
/// below a compile error names it (`...<ctgrad::fixed_string<5>{"cube"}>::defined`).
template <class Named> consteval auto op_name_string() {
  constexpr std::string_view name = Named::name;
  char text[name.size() + 1]{};
  for (std::size_t i = 0; i < name.size(); ++i) text[i] = name[i];
  return fixed_string<name.size() + 1>(text);
}
}  // namespace detail

template <class T> concept element_type = std::same_as<T, float> || std::same_as<T, double> ||
                                          std::same_as<T, long double>;
template <class T> concept label_type = std::same_as<T, int> || std::same_as<T, std::int32_t> ||
                                        std::same_as<T, std::int64_t>;

template <class V> struct binding;

namespace detail {
template <class T> inline constexpr bool var_element_ok = element_type<T> || label_type<T>;
// True unless S is a shape with `dyn` after its first extent (not-a-shape is reported separately).
template <class S> inline constexpr bool dyn_first_only = true;
template <std::size_t E0, std::size_t E1> inline constexpr bool dyn_first_only<shape<E0, E1>> = E1 != dyn;
}  // namespace detail

/// A named input of the graph. Its name, element type and shape are its type, so `var<"x", ...>`
/// written twice is the same variable. `x = value` makes a binding for evaluation.
template <fixed_string Name, class T, class Shape = scalar_shape>
struct var {
  static_assert(detail::var_element_ok<T>, "var: the element type must be float, double (or int for labels)");
  static_assert(is_shape_v<Shape>, "var: the third argument must be a ctgrad::shape<...>");
  static_assert(detail::dyn_first_only<Shape>,
                "var: `dyn` is allowed only as the first extent (the batch); write shape<dyn, N>");
  // Completes Shape, so that shape<...>'s own check (rank 0, 1 or 2) reports a rank-3 shape here, at
  // the declaration, rather than at the variable's first use.
  static_assert(!is_shape_v<Shape> || sizeof(Shape) > 0);
  using value_type = T;
  using shape_type = Shape;
  static constexpr std::string_view name = Name.view();
  static constexpr bool is_leaf = true;
  static constexpr int literal_count = 0;

  /// Binds a value to this variable for evaluation: a number for a scalar variable; for a
  /// tensor variable, a contiguous range of T (std::vector, std::span, absl::Span, ctgrad::tensor)
  /// that is viewed, not copied. Extents are checked when the binding is used (absl::Status).
  template <class X> constexpr binding<var> operator=(const X& x) const;
};

/// A variable's value for one evaluation: a number (rank 0) or a view of user memory.
template <class V>
struct binding {
  using var_type = V;
  using T = typename V::value_type;
  T scalar{};
  const T* data = nullptr;   // a view of user memory (tensor variables); unused for a number
  std::size_t size = 0;
  bool is_number = false;    // true: `scalar` holds the value
};

template <fixed_string Name, class T, class Shape>
template <class X>
constexpr binding<var<Name, T, Shape>> var<Name, T, Shape>::operator=(const X& x) const {
  if constexpr (Shape::rank == 0 && std::is_arithmetic_v<X>) {
    return {static_cast<T>(x), nullptr, 1, true};
  } else if constexpr (requires { std::data(x); std::size(x); }) {
    using E = std::remove_cvref_t<decltype(*std::data(x))>;
    static_assert(std::is_same_v<E, T>,
                  "bind: the buffer's element type differs from the variable's (e.g. double data "
                  "bound to a float variable); convert the data or declare the variable with its type");
    if constexpr (!std::is_same_v<E, T>) return {};  // reported above; no second error
    else return {T{}, std::data(x), static_cast<std::size_t>(std::size(x)), false};
  } else {
    static_assert(Shape::rank == 0 && std::is_arithmetic_v<X>,
                  "bind: bind a number to a scalar variable, or a contiguous range of its element "
                  "type (std::vector, std::span, absl::Span, ctgrad::tensor) to a tensor variable");
    return {};
  }
}

/// A scalar literal written by the user (`2.0 * x`) or an activation parameter. Id numbers the
/// literals of an expression so that literals of different value are different types; see
/// docs/design.md ("literals").
template <class T, int Id>
struct lit {
  using value_type = T;
  using shape_type = scalar_shape;
  static constexpr bool is_leaf = true;
  static constexpr int literal_count = Id + 1;
  T value;
};

namespace detail {
// ---- literal values: one array per expression, indexed by literal id -------------------------------
// Literal ids are numbered per expression (make_user_node renumbers operands apart), so the values
// of every literal below a node fit one flat array, and a subexpression's values are that array's
// first literal_count entries. A node holds that array and nothing else: its children are rebuilt
// from it on demand (child<I>()). Nested children as fields made every `a + b` copy a's whole object
// tree, and g++'s constant evaluator copies aggregates element by element: building a sum of n terms
// with literals was quadratic in time and memory (W5, N = 32: 11 s of 11.6 in the front end).
template <class P, int N>
struct literal_pool {
  P value[N] = {};
  bool has[N] = {};  // set for the ids of literals that are below the node (others are unused)
};

// The literal type of an expression: its literals' element type (void without literals; the common
// type if an expression mixes them).
template <class A, class B> struct common_literal { using type = std::common_type_t<A, B>; };
template <class A> struct common_literal<A, void> { using type = A; };
template <class B> struct common_literal<void, B> { using type = B; };
template <> struct common_literal<void, void> { using type = void; };
template <class E> struct literal_type_of { using type = void; };
template <class... Ts> struct common_literal_of { using type = void; };
template <class T, class... Ts> struct common_literal_of<T, Ts...> {
  using type = typename common_literal<T, typename common_literal_of<Ts...>::type>::type;
};
template <class... Cs> struct literals_of {
  using type = typename common_literal_of<typename literal_type_of<Cs>::type...>::type;
};

// A node's base: its literal values, and the two constants every node has. They are members of this
// base, shared by all nodes with as many literals, not of each node type: g++ keeps a symbol, named
// after the class, for every static constant that is used, and node types grow with the expression
// (docs/design.md, "Compile time"). For the same reason the traits below are classes and concepts,
// not variable templates, wherever they are asked of expression types.
template <class P, int N> struct node_literals {
  static constexpr bool is_leaf = false;
  static constexpr int literal_count = N;
  literal_pool<P, N> literals;
};
template <class P> struct node_literals<P, 0> {
  static constexpr bool is_leaf = false;
  static constexpr int literal_count = 0;
};
template <> struct node_literals<void, 0> {
  static constexpr bool is_leaf = false;
  static constexpr int literal_count = 0;
};
}  // namespace detail

/// An inner node: the operation Op applied to children Cs. Op is a small struct that says what the
/// node computes (see ops/). Nodes are values: they hold the values of the literals below them (one
/// array by literal id); a node without literals below it is an empty class.
template <class Op, class... Cs>
struct node : detail::node_literals<typename detail::literals_of<Cs...>::type, std::max({0, Cs::literal_count...})> {
  using op = Op;
  using children_types = type_list<Cs...>;
  using value_type = typename Op::template value_type<Cs...>;
  using shape_type = typename Op::template shape_type<Cs...>;
  // is_leaf (false) and literal_count (the largest literal id below, plus one) come from the base.

  /// Child I, rebuilt from this node's literal values (a child without literals is an empty value).
  template <std::size_t I> constexpr auto child() const;
  /// All children, as a detail::tuple.
  constexpr detail::tuple<Cs...> children() const;
};

namespace detail {
template <class T, int Id> struct literal_type_of<lit<T, Id>> { using type = T; };
template <class Op, class... Cs> struct literal_type_of<node<Op, Cs...>> {
  using type = typename literals_of<Cs...>::type;
};

/// Sub-expression X of an expression whose literal values are `src` (X's values are its first entries).
template <class X, class Src>
constexpr X instance_from(const Src& src) {
  if constexpr (X::literal_count == 0) {
    return X{};
  } else if constexpr (X::is_leaf) {  // a literal (or another leaf holding one value: its id is literal_count - 1)
    using V = std::remove_cvref_t<decltype(std::declval<X&>().value)>;
    return X{static_cast<V>(src.literals.value[X::literal_count - 1])};
  } else {
    X x{};
    using P = std::remove_cvref_t<decltype(x.literals.value[0])>;
    for (int i = 0; i < X::literal_count; ++i)
      x.literals.value[i] = static_cast<P>(src.literals.value[i]), x.literals.has[i] = src.literals.has[i];
    return x;
  }
}

/// Copies the literal values of operand c into the pool arrays dv/dh, its ids raised by off. One
/// overload for leaves (small types) and one for nodes by their literal base (node_literals<Q, N>),
/// so nothing here is instantiated per expression type: every user operation used to instantiate a
/// copy function named after its operands' types, which grow with the expression (docs/design.md,
/// "Compile time").
template <class P, class L>
  requires(L::is_leaf)
constexpr void put_literals(P* dv, bool* dh, int off, const L& c) {
  if constexpr (L::literal_count > 0) {
    dv[off + L::literal_count - 1] = static_cast<P>(c.value);
    dh[off + L::literal_count - 1] = true;
  }
}
template <class P, class Q, int N>
constexpr void put_literals(P* dv, bool* dh, int off, const node_literals<Q, N>& c) {
  if constexpr (N > 0) {
    for (int i = 0; i < N; ++i)
      if (c.literals.has[i]) dv[off + i] = static_cast<P>(c.literals.value[i]), dh[off + i] = true;
  }
}
}  // namespace detail

template <class Op, class... Cs>
template <std::size_t I>
constexpr auto node<Op, Cs...>::child() const {
  using C = meta::at_t<I, type_list<Cs...>>;
  if constexpr (C::literal_count == 0) return C{};
  else return detail::instance_from<C>(*this);
}
template <class Op, class... Cs>
constexpr detail::tuple<Cs...> node<Op, Cs...>::children() const {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return detail::tuple<Cs...>{child<I>()...};
  }(std::index_sequence_for<Cs...>{});
}

/// What an operation returns after one of its static_asserts has reported a misuse: an expression
/// that every ctgrad operation accepts and passes on without checks of its own, so that one mistake
/// prints one error rather than a cascade. It never appears in a program that compiles.
struct invalid_expression {
  using value_type = float;
  using shape_type = scalar_shape;
  static constexpr bool is_leaf = true;
  static constexpr int literal_count = 0;
  /// Indexing it (as if it were a gradient_set) gives the placeholder again.
  template <class V> constexpr invalid_expression operator[](const V&) const { return {}; }
};

/// True when one of Es is the placeholder of an already-reported misuse (see invalid_expression).
// A concept, not a variable template: a variable per set of operand types is a symbol g++ keeps.
template <class... Es>
concept any_invalid_v = meta::any_of({CTGRAD_IS_SAME(std::remove_cvref_t<Es>, invalid_expression)...});

// ---------------------------------------------------------------------------------------------
// Concepts
// ---------------------------------------------------------------------------------------------

/// Any ctgrad expression: a variable, a literal, or a node.
template <class E> concept expression = requires {
  typename std::remove_cvref_t<E>::value_type;
  typename std::remove_cvref_t<E>::shape_type;
  { std::remove_cvref_t<E>::is_leaf } -> std::convertible_to<bool>;
};
/// An expression with a single value (rank 0).
template <class E> concept scalar_expression = expression<E> && std::remove_cvref_t<E>::shape_type::rank == 0;

namespace detail {
template <class E> struct is_var : std::false_type {};
template <fixed_string N, class T, class S> struct is_var<var<N, T, S>> : std::true_type {};
template <class E> struct is_lit : std::false_type {};
template <class T, int I> struct is_lit<lit<T, I>> : std::true_type {};
template <class E> struct is_node : std::false_type {};
template <class Op, class... Cs> struct is_node<node<Op, Cs...>> : std::true_type {};
}  // namespace detail
// Concepts, usable as the bool constants their names say (not variables: see node_literals).
template <class E> concept is_var_v = detail::is_var<E>::value;
template <class E> concept is_lit_v = detail::is_lit<E>::value;
template <class E> concept is_node_v = detail::is_node<E>::value;

template <class E> using value_t = typename std::remove_cvref_t<E>::value_type;
template <class E> using shape_t = typename std::remove_cvref_t<E>::shape_type;

/// Makes a node from an op and children (no literal renumbering: for library-internal rewrites).
template <class Op, class... Cs>
constexpr node<Op, std::remove_cvref_t<Cs>...> make_node(const Cs&... cs) {
  node<Op, std::remove_cvref_t<Cs>...> n{};
  if constexpr (node<Op, std::remove_cvref_t<Cs>...>::literal_count > 0)
    (detail::put_literals(n.literals.value, n.literals.has, 0, cs), ...);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Literal numbering: user-level operations combine operands with disjoint literal ids.
// ---------------------------------------------------------------------------------------------

namespace detail {
template <int Off, class E> struct shifted { using type = E; };
template <int Off, class T, int Id> struct shifted<Off, lit<T, Id>> { using type = lit<T, Id + Off>; };
template <int Off, class Op, class... Cs> struct shifted<Off, node<Op, Cs...>> {
  using type = std::conditional_t<node<Op, Cs...>::literal_count == 0, node<Op, Cs...>,
                                  node<Op, typename shifted<Off, Cs>::type...>>;
};
}  // namespace detail

/// The expression E with every literal id raised by Off.
template <int Off, class E>
constexpr auto shift_literals(const E& e) {
  if constexpr (Off == 0 || E::literal_count == 0) {
    return e;
  } else if constexpr (is_lit_v<E>) {
    return lit<typename E::value_type, E::literal_count - 1 + Off>{e.value};
  } else if constexpr (is_node_v<E>) {
    typename detail::shifted<Off, E>::type r{};
    detail::put_literals(r.literals.value, r.literals.has, Off, e);
    return r;
  } else {
    return e;
  }
}

namespace detail {
/// The first literal id of operand I of a user-level operation, chosen so that no two operands share
/// a literal id: the operand with the most literals keeps its ids (offset 0), the others follow it
/// in order. Renumbering rewrites an operand's type (shift_literals), so keeping the largest operand
/// as it is makes a sum of n terms linear to build whichever way it nests (a right fold renumbered
/// the growing sum at every step: quadratic).
constexpr int literal_offset(std::size_t i, std::initializer_list<int> counts) {
  const int* c = counts.begin();
  const std::size_t n = counts.size();
  std::size_t big = 0;
  for (std::size_t j = 1; j < n; ++j)
    if (c[j] > c[big]) big = j;
  if (i == big) return 0;
  int offset = c[big];
  for (std::size_t j = 0; j < i; ++j)
    if (j != big) offset += c[j];
  return offset;
}
/// All operands' offsets at once (make_user_node reads them by position; a local constant there, not
/// a variable per operand types, which g++ would emit).
template <std::size_t N> constexpr std::array<int, N> literal_offsets(std::initializer_list<int> counts) {
  std::array<int, N> a{};
  for (std::size_t i = 0; i < N; ++i) a[i] = literal_offset(i, counts);
  return a;
}
/// The node type make_user_node builds: the operands' types with their literal ids moved apart.
template <class Op, class Seq, class... Cs> struct user_node;
template <class Op, std::size_t... I, class... Cs> struct user_node<Op, std::index_sequence<I...>, Cs...> {
  using type = node<Op, typename shifted<literal_offset(I, {Cs::literal_count...}), Cs>::type...>;
};
}  // namespace detail

/// Makes a node from user operands: literal ids made disjoint first (literal_offset). One function
/// per operation, which copies the operands' literal values with put_literals (instantiated per
/// element type and size, not per expression type); every function that is named after the operand
/// types costs compile time that grows with the expression (docs/design.md, "Compile time").
template <class Op, class... Cs>
constexpr auto make_user_node(const Cs&... cs) {
  using R = typename detail::user_node<Op, std::index_sequence_for<Cs...>, Cs...>::type;
  R r{};
  if constexpr (R::literal_count > 0) {
    constexpr std::array<int, sizeof...(Cs)> off = detail::literal_offsets<sizeof...(Cs)>({Cs::literal_count...});
    std::size_t i = 0;
    (detail::put_literals(r.literals.value, r.literals.has, off[i++], cs), ...);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Graph traversal: unique nodes in dependency order, lookup of a node's instance by type.
// ---------------------------------------------------------------------------------------------

namespace detail {
// A depth-first walk whose visited nodes are a meta::type_set (a node list would grow by one type
// per node and be scanned per edge: quadratic).
template <class Acc, class E> struct topo_children;
// Lazy on purpose: a node already visited is not expanded again (DAGs stay linear to traverse).
template <class Acc, class E, bool Seen = meta::set_contains<E, Acc>::value>
struct topo { using type = typename topo_children<Acc, E>::type; };
template <class Acc, class E> struct topo<Acc, E, true> { using type = Acc; };
template <class Acc, class E> struct topo_children { using type = meta::set_push_t<Acc, E>; };
template <class Acc, class List> struct fold_topo { using type = Acc; };
template <class Acc, class C, class... Cs> struct fold_topo<Acc, type_list<C, Cs...>> {
  using type = typename fold_topo<typename topo<Acc, C>::type, type_list<Cs...>>::type;
};
template <class Acc, class Op, class... Cs> struct topo_children<Acc, node<Op, Cs...>> {
  using type = meta::set_push_t<typename fold_topo<Acc, type_list<Cs...>>::type, node<Op, Cs...>>;
};
}  // namespace detail

/// The distinct sub-expressions of Es (structurally equal ones are one type, hence one entry),
/// children before parents.
template <class... Es> struct topo_order {
  using type = meta::set_list_t<typename detail::fold_topo<meta::empty_set, type_list<Es...>>::type>;
};
template <class... Es> using topo_order_t = typename topo_order<Es...>::type;

namespace detail {
/// A graph by positions in a list of its distinct nodes: a node's children as their positions (a
/// type named by numbers only), so that questions over the graph are computed on values, once per
/// node (eval/plan.hpp's plan, autodiff/grad.hpp's sweep).
template <std::size_t... Ps> struct position_list {};
template <class N> struct children_of { using type = type_list<>; };
template <class N> requires(!N::is_leaf) struct children_of<N> { using type = typename N::children_types; };
template <class Table, class Children> struct child_positions;
template <class Table, class... Cs> struct child_positions<Table, type_list<Cs...>> {
  using type = position_list<meta::position_in<Cs, Table>::value...>;
};
template <class Nodes> struct edge_count;
template <class... Ns> struct edge_count<type_list<Ns...>>
    : std::integral_constant<std::size_t, meta::sum({type_list_size<typename children_of<Ns>::type>::value...})> {};
template <std::size_t... Ps>
constexpr std::size_t put_positions(std::size_t* out, std::size_t e, position_list<Ps...>) {
  ((out[e++] = Ps), ...);
  return e;
}
}  // namespace detail

/// True when expression E contains the sub-expression X. A concept, usable as a bool constant (not a
/// variable template: g++ keeps a symbol named after E and X for each one).
template <class E, class X> concept contains_v = meta::contains_v<X, topo_order_t<E>>;

namespace detail {
/// Writes the values of the literals below e into out, by literal id (one overload for leaves, one
/// for nodes by their literal base: nothing instantiated per expression type).
template <class T, class L>
  requires(L::is_leaf)
constexpr void collect_literal_values(const L& e, T* out) {
  if constexpr (L::literal_count > 0) out[L::literal_count - 1] = static_cast<T>(e.value);
}
template <class T, class Q, int N>
constexpr void collect_literal_values(const node_literals<Q, N>& e, T* out) {
  if constexpr (N > 0) {
    for (int i = 0; i < N; ++i)
      if (e.literals.has[i]) out[i] = static_cast<T>(e.literals.value[i]);
  }
}
}  // namespace detail

/// The instance of sub-expression type X inside e (X's literal values taken from e's). X must be a
/// sub-expression of e, or at least have its literals' ids among e's (a compile error otherwise).
template <class X, class E>
constexpr X instance_of(const E& e) {
  static_assert(X::literal_count <= E::literal_count,
                "instance_of: the type is not a sub-expression of the expression");
  if constexpr (std::is_same_v<X, E>) return e;
  else return detail::instance_from<X>(e);
}

}  // namespace ctgrad
