// ctgrad/core/shape.hpp — compile-time shapes: extents known at compile time plus `dyn`, the one
// run-time extent (the batch), and the shape rules of broadcasting, matmul and reductions.
// Not for run-time extents of user buffers: those are checked at bind time (eval/compile.hpp).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

namespace ctgrad {

/// The run-time extent. A graph has one: the batch size, fixed when values are bound.
inline constexpr std::size_t dyn = static_cast<std::size_t>(-1);

/// A shape of rank 0 (scalar), 1 (vector) or 2 (matrix); each extent is a number or `dyn`.
template <std::size_t... E>
struct shape {
  static constexpr std::size_t rank = sizeof...(E);
  static constexpr std::array<std::size_t, rank> extents{E...};
  static constexpr bool is_static = ((E != dyn) && ...);
  static_assert(rank <= 2, "shape: ctgrad supports tensors of rank 0, 1 and 2 (scalars, vectors, matrices)");
};

using scalar_shape = shape<>;

template <class S> inline constexpr bool is_shape_v = false;
template <std::size_t... E> inline constexpr bool is_shape_v<shape<E...>> = true;

namespace shapes {

/// Number of rows when the shape is seen as a matrix: extents[0] for rank 2, else 1.
template <class S> constexpr std::size_t rows() {
  if constexpr (S::rank == 2) return S::extents[0]; else return 1;
}
/// Number of columns: the last extent for rank >= 1, else 1.
template <class S> constexpr std::size_t cols() {
  if constexpr (S::rank >= 1) return S::extents[S::rank - 1]; else return 1;
}
/// Extent with `dyn` replaced by the run-time batch extent.
constexpr std::size_t resolve(std::size_t e, std::size_t batch) { return e == dyn ? batch : e; }
template <class S> constexpr std::size_t rows(std::size_t batch) { return resolve(rows<S>(), batch); }
template <class S> constexpr std::size_t cols(std::size_t batch) { return resolve(cols<S>(), batch); }
template <class S> constexpr std::size_t size(std::size_t batch) { return rows<S>(batch) * cols<S>(batch); }

/// Two extents broadcast when equal or when one of them is 1 (NumPy rule; `dyn` only matches `dyn`).
constexpr bool extents_broadcast(std::size_t a, std::size_t b) { return a == b || a == 1 || b == 1; }
constexpr std::size_t broadcast_extent(std::size_t a, std::size_t b) { return a == 1 ? b : a; }

template <class A, class B> struct broadcast;
template <std::size_t... A, std::size_t... B> struct broadcast<shape<A...>, shape<B...>> {
  static constexpr std::size_t ra = sizeof...(A), rb = sizeof...(B);
  static constexpr std::size_t r = ra > rb ? ra : rb;
  static constexpr std::array<std::size_t, ra> a{A...};
  static constexpr std::array<std::size_t, rb> b{B...};
  // Extent of the result in dimension i counted from the right (0 = last).
  static constexpr std::size_t ea(std::size_t i) { return i < ra ? a[ra - 1 - i] : 1; }
  static constexpr std::size_t eb(std::size_t i) { return i < rb ? b[rb - 1 - i] : 1; }
  static constexpr bool ok = [] {
    for (std::size_t i = 0; i < r; ++i)
      if (!extents_broadcast(ea(i), eb(i))) return false;
    return true;
  }();
  template <std::size_t... I> static auto make(std::index_sequence<I...>)
      -> shape<broadcast_extent(ea(r - 1 - I), eb(r - 1 - I))...>;
  using type = decltype(make(std::make_index_sequence<r>{}));
};
/// The broadcast shape of A and B (only meaningful when broadcast<A,B>::ok).
template <class A, class B> using broadcast_t = typename broadcast<A, B>::type;

/// Shape without dimension Axis (reductions); KeepDims keeps it as extent 1.
template <class S, int Axis, bool KeepDims> struct reduce;
template <class S, bool KeepDims> struct reduce<S, -1, KeepDims> {
  using type = std::conditional_t<KeepDims, std::conditional_t<S::rank == 2, shape<1, 1>,
                                  std::conditional_t<S::rank == 1, shape<1>, shape<>>>, shape<>>;
};
template <std::size_t E, bool K> struct reduce<shape<E>, 0, K> { using type = std::conditional_t<K, shape<1>, shape<>>; };
template <std::size_t R, std::size_t C, bool K> struct reduce<shape<R, C>, 0, K> {
  using type = std::conditional_t<K, shape<1, C>, shape<C>>;
};
template <std::size_t R, std::size_t C, bool K> struct reduce<shape<R, C>, 1, K> {
  using type = std::conditional_t<K, shape<R, 1>, shape<R>>;
};
template <class S, int Axis, bool KeepDims> using reduce_t = typename reduce<S, Axis, KeepDims>::type;

/// A shape written out at compile time, for static_assert notes: the compiler prints an extent of
/// `dyn` as 18446744073709551615 in shape<...>, but prints this type as shape_text<9>{"[3, dyn]"}.
template <std::size_t N> struct shape_text {
  char chars[N]{};
  constexpr bool operator==(const shape_text&) const = default;
};
namespace detail {
constexpr std::size_t decimal_digits(std::size_t e) {
  std::size_t n = 1;
  for (; e >= 10; e /= 10) ++n;
  return n;
}
template <class S> constexpr std::size_t text_size() {  // "[", extents, ", " between, "]", NUL
  std::size_t n = 3;
  for (std::size_t i = 0; i < S::rank; ++i)
    n += (i ? 2 : 0) + (S::extents[i] == dyn ? 3 : decimal_digits(S::extents[i]));
  return n;
}
template <class S> constexpr shape_text<text_size<S>()> make_text() {
  shape_text<text_size<S>()> t{};
  std::size_t k = 0;
  t.chars[k++] = '[';
  for (std::size_t i = 0; i < S::rank; ++i) {
    if (i) { t.chars[k++] = ','; t.chars[k++] = ' '; }
    std::size_t e = S::extents[i];
    if (e == dyn) {
      t.chars[k++] = 'd'; t.chars[k++] = 'y'; t.chars[k++] = 'n';
    } else {
      const std::size_t d = decimal_digits(e);
      for (std::size_t j = d; j-- > 0; e /= 10) t.chars[k + j] = static_cast<char>('0' + e % 10);
      k += d;
    }
  }
  t.chars[k] = ']';
  return t;
}
}  // namespace detail
/// shape_text of S: "[784, 128]" / "[dyn, 10]" / "[]", usable as a template argument.
template <class S> inline constexpr auto text = detail::make_text<S>();

/// "[784, 128]" / "[dyn, 10]" / "[]" for messages.
template <class S> std::string to_string() {
  std::string s = "[";
  for (std::size_t i = 0; i < S::rank; ++i) {
    if (i) s += ", ";
    s += S::extents[i] == dyn ? std::string("dyn") : std::to_string(S::extents[i]);
  }
  return s + "]";
}

}  // namespace shapes
}  // namespace ctgrad

namespace ctgrad::shapes {
/// The broadcast shape of any number of shapes (see broadcast).
template <class S, class... Ss> struct broadcast_all { using type = S; };
template <class S, class T, class... Ss> struct broadcast_all<S, T, Ss...> {
  using type = typename broadcast_all<broadcast_t<S, T>, Ss...>::type;
};
template <class... Ss> using broadcast_all_t = typename broadcast_all<Ss...>::type;
template <class... Ss> inline constexpr bool broadcast_all_ok = true;
template <class S, class T, class... Ss>
inline constexpr bool broadcast_all_ok<S, T, Ss...> =
    broadcast<S, T>::ok && broadcast_all_ok<broadcast_t<S, T>, Ss...>;
}  // namespace ctgrad::shapes
