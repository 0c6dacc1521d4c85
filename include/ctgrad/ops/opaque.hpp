// ctgrad/ops/opaque.hpp — opaque ops: a C++ routine ctgrad cannot look into (a solver, a lookup
// table, a call to another library) as a graph node, with a vector-Jacobian product (and optionally
// a Jacobian-vector product) written by the user. Static shapes only; first derivatives only.
// Not for scalar functions ctgrad could differentiate itself (write them as expressions or as an
// elementwise function: docs/extending.md).
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "ctgrad/core/node.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/type_list.hpp"
#include "ctgrad/ops/elementwise.hpp"

namespace ctgrad {

/// The routine described by the struct F applied to the expressions x...: a node of shape
/// F::output whose value compile()'s programs compute by calling F::value, and whose gradient calls
/// F::vjp (one call for every input's adjoint). F declares, with T the element type (float or
/// double; spans of dynamic extent, row-major, sized by the declared shapes):
///
///   static constexpr std::string_view name;                  // in messages and describe()
///   using inputs = ctgrad::type_list<shape<...>...>;         // one static shape (no dyn) per argument
///   using output = ctgrad::shape<...>;                       // static
///   static R value(std::span<const T> x..., std::span<T> y);
///   static R vjp(std::span<const T> x..., std::span<const T> y, std::span<const T> ybar,
///                std::span<T> xbar...);                      // xbar_i = J_i^T ybar, every input at once
///   template <std::size_t I> static R jvp(std::span<const T> x..., std::span<const T> y,
///                std::span<const T> dx_I, std::span<T> dy);  // optional: dy = J_I dx_I
///
/// R is void or absl::Status; a status that is not OK ends the program's run with that status, its
/// message prefixed "opaque op '<name>': ". The functions may be templates in T. Nothing is
/// allocated per run: the routine reads and writes the program's buffers directly.
/// Compile errors (docs/errors.md): F does not declare the above; the number of arguments, their
/// element types or a shape differs from F::inputs; grad without F::vjp; jvp without F::jvp<I>; a
/// second derivative through the op (grad of grad, hvp, hessian). value_at does not evaluate it.
template <class F, expression... X> constexpr auto opaque(const X&... x);

namespace detail {
/// Answers for the notes of ctgrad's messages about the opaque op named Name (always false: they
/// appear only in failed static_asserts).
template <fixed_string Name> struct opaque_op_named {
  static constexpr bool argument_count_matches = false;
  static constexpr bool has_vjp = false;
  static constexpr bool has_jvp = false;
  static constexpr bool has_second_derivative = false;
};
/// The note of a shape mismatch: input Input (counted from 0, as in F::inputs) was declared with
/// shape Declared and given an expression of shape Given (both as text, e.g. "[3]").
template <fixed_string Name, std::size_t Input, auto Declared, auto Given> struct opaque_input {
  static constexpr bool has_the_declared_shape = false;
};

template <class S, class U> using opaque_as = U;  // one U per element of a pack of S

template <class S> inline constexpr bool static_shape_v = false;
template <std::size_t... E> inline constexpr bool static_shape_v<shape<E...>> = shape<E...>::is_static;
template <class L> inline constexpr bool static_shapes_v = false;
template <class... S> inline constexpr bool static_shapes_v<type_list<S...>> = sizeof...(S) > 0 && (static_shape_v<S> && ...);

template <class R> inline constexpr bool opaque_result_v = std::is_void_v<R> || std::is_same_v<R, absl::Status>;

// What the struct F declares, for element type T.
template <class F, class T, class Inputs = typename F::inputs> struct opaque_traits;
template <class F, class T, class... S> struct opaque_traits<F, T, type_list<S...>> {
  static constexpr bool has_value = requires {
    requires opaque_result_v<decltype(F::value(std::declval<opaque_as<S, std::span<const T>>>()..., std::declval<std::span<T>>()))>;
  };
  static constexpr bool has_vjp = requires {
    requires opaque_result_v<decltype(F::vjp(std::declval<opaque_as<S, std::span<const T>>>()..., std::declval<std::span<const T>>(),
                                             std::declval<std::span<const T>>(), std::declval<opaque_as<S, std::span<T>>>()...))>;
  };
  template <std::size_t I> static constexpr bool has_jvp = requires {
    requires opaque_result_v<decltype(F::template jvp<I>(std::declval<opaque_as<S, std::span<const T>>>()...,
                                                        std::declval<std::span<const T>>(), std::declval<std::span<const T>>(),
                                                        std::declval<std::span<T>>()))>;
  };
  static constexpr std::size_t count = sizeof...(S);
  static constexpr std::array<std::size_t, sizeof...(S)> sizes{shapes::size<S>(1)...};
  /// Where input I's adjoint starts in the packed adjoint of all inputs (opaque_vjp_op).
  static constexpr std::array<std::size_t, sizeof...(S) + 1> offsets = [] {
    std::array<std::size_t, sizeof...(S) + 1> o{};
    for (std::size_t i = 0; i < sizeof...(S); ++i) o[i + 1] = o[i] + sizes[i];
    return o;
  }();
};

template <class F> constexpr bool opaque_declares() {
  if constexpr (requires { std::string_view(F::name); typename F::inputs; typename F::output; })
    return static_shapes_v<typename F::inputs> && static_shape_v<typename F::output>;
  else return false;
}

// The reports of misuse found while differentiating: each a function template instantiated once per
// F, so that an op with several inputs prints one error, not one per input.
template <class F> constexpr bool opaque_report_no_vjp() {
  static_assert(opaque_op_named<op_name_string<F>()>::has_vjp,
                "grad: an opaque op has no vjp; give its struct a static vjp(x..., y, ybar, xbar...) "
                "(the op is named in the note below)");
  return false;
}
template <class F> constexpr bool opaque_report_no_jvp() {
  static_assert(opaque_op_named<op_name_string<F>()>::has_jvp,
                "jvp: an opaque op has no forward-mode rule for an input that has a tangent; give its "
                "struct a static jvp<I>(x..., y, dx, dy), or use grad (the op is named in the note below)");
  return false;
}
template <class F> constexpr bool opaque_report_second_derivative() {
  static_assert(opaque_op_named<op_name_string<F>()>::has_second_derivative,
                "opaque op has no second derivative: its vjp and jvp are routines ctgrad cannot "
                "differentiate (grad of grad, hvp, hessian); stop at the first derivative (the op is "
                "named in the note below)");
  return false;
}

// The buffers a kernel reads: child C's values as a span (a literal, the one child a program does
// not materialise, through `scratch`).
template <class C, class Prog, class T> std::span<const T> opaque_child(const Prog& p, T& scratch) {
  if constexpr (is_lit_v<C>) {
    scratch = static_cast<T>(p.template literal<C>());
    return {&scratch, 1};
  } else {
    return {p.template buffer<C>(), shapes::size<shape_t<C>>(1)};
  }
}
// Calls fn with the spans of N's children, in order.
template <class N, class Prog, class Fn> absl::Status with_children(const Prog& p, Fn&& fn) {
  using Cs = typename N::children_types;
  using T = value_t<N>;
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    T scratch[sizeof...(I)] = {};
    const std::array<std::span<const T>, sizeof...(I)> in{opaque_child<meta::at_t<I, Cs>>(p, scratch[I])...};
    return fn(in);
  }(std::make_index_sequence<type_list_size<Cs>::value>{});
}
// The user's routine's result as a status (void is success), named after the op.
template <class F, class Call> absl::Status opaque_call(Call&& call) {
  if constexpr (std::is_void_v<decltype(call())>) {
    call();
    return absl::OkStatus();
  } else {
    absl::Status st = call();
    if (st.ok()) return st;
    std::string message = "opaque op '";
    message.append(std::string_view(F::name)).append("': ").append(st.message().data(), st.message().size());
    return absl::Status(st.code(), message);
  }
}

template <std::size_t I> struct opaque_part_suffix {
  static constexpr std::size_t digits = I < 10 ? 1 : I < 100 ? 2 : 3;
  static constexpr std::array<char, digits + 6> text = [] {
    std::array<char, digits + 6> t{'\'', '['};  // f'[I]: input I's part of f's vjp
    for (std::size_t k = digits, v = I; k >= 1; --k, v /= 10) t[1 + k] = static_cast<char>('0' + v % 10);
    t[digits + 2] = ']';
    return t;
  }();
  static constexpr std::string_view view{text.data(), digits + 3};
};
}  // namespace detail

namespace ops {

// The derivative nodes opaque_op's rules build (defined after it).
template <class F> struct opaque_vjp_op;
template <class F, std::size_t I> struct opaque_part_op;
template <class F, std::size_t I> struct opaque_jvp_op;

/// The node of an opaque op: children are the inputs, its value F::value's output.
template <class F>
struct opaque_op {
  static constexpr bool elementwise = false;
  static constexpr bool program_only = true;  // value_at reports it (its kernel takes a program's buffers)
  static constexpr std::string_view name = F::name;
  static constexpr ops::curvature curvature = ops::curvature::nonlinear;
  template <class C0, class... Cs> using value_type = value_t<C0>;
  template <class... Cs> using shape_type = typename F::output;
  template <class N, class Prog, class T> static absl::Status kernel(const Prog& p, T* out) {
    return ctgrad::detail::with_children<N>(p, [&](const auto& in) {
      return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return ctgrad::detail::opaque_call<F>([&] { return F::value(in[I]..., std::span<T>(out, shapes::size<shape_t<N>>(1))); });
      }(std::make_index_sequence<type_list_size<typename F::inputs>::value>{});
    });
  }
  // Every input's part of one packed node that calls F::vjp once (CSE: the node is one type).
  template <std::size_t I, class Self, class G> static constexpr auto vjp(const Self& s, const G& g) {
    if constexpr (!ctgrad::detail::opaque_traits<F, value_t<Self>>::has_vjp) {
      ctgrad::detail::opaque_report_no_vjp<F>();
      return no_grad{};
    } else {
      const auto packed = ctgrad::detail::apply(
          [&](const auto&... x) { return make_node<opaque_vjp_op<F>>(x..., s, g); }, s.children());
      return make_node<opaque_part_op<F, I>>(packed);
    }
  }
  template <std::size_t I, class Self, class D> static constexpr auto jvp(const Self& s, const D& dx) {
    if constexpr (!ctgrad::detail::opaque_traits<F, value_t<Self>>::template has_jvp<I>) {
      ctgrad::detail::opaque_report_no_jvp<F>();
      return no_grad{};
    } else {
      return ctgrad::detail::apply(
          [&](const auto&... x) { return make_node<opaque_jvp_op<F, I>>(x..., s, dx); }, s.children());
    }
  }
};

/// The rules of the opaque op's derivative nodes (opaque_vjp_op, opaque_part_op, opaque_jvp_op): not
/// differentiable again. The explicit return type keeps the body (its error) out of the rules' type
/// queries (inspect.hpp); calling one reports the op.
template <class F>
struct opaque_derivative_rules {
  template <std::size_t I, class Self, class G> static constexpr no_grad vjp(const Self&, const G&) {
    ctgrad::detail::opaque_report_second_derivative<F>();
    return {};
  }
  template <std::size_t I, class Self, class D> static constexpr no_grad jvp(const Self&, const D&) {
    ctgrad::detail::opaque_report_second_derivative<F>();
    return {};
  }
};

/// F::vjp's result: the adjoints of all inputs, packed in order into one vector. Children: the
/// inputs, the opaque node (its value y) and y's adjoint ybar.
template <class F>
struct opaque_vjp_op : opaque_derivative_rules<F> {
  static constexpr bool elementwise = false;
  static constexpr bool program_only = true;  // value_at reports it (its kernel takes a program's buffers)
  static constexpr std::string_view name = F::name;
  static constexpr std::string_view name_suffix = "'";  // describe() prints integrate'(x, y, ybar)
  static constexpr ops::curvature curvature = ops::curvature::nonlinear;
  template <class C0, class... Cs> using value_type = value_t<C0>;
  template <class... Cs> using shape_type = shape<ctgrad::detail::opaque_traits<F, value_t<meta::at_t<0, type_list<Cs...>>>>::offsets.back()>;
  template <class N, class Prog, class T> static absl::Status kernel(const Prog& p, T* out) {
    using tr = ctgrad::detail::opaque_traits<F, T>;
    return ctgrad::detail::with_children<N>(p, [&](const auto& in) {
      return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return ctgrad::detail::opaque_call<F>([&] {
          return F::vjp(in[I]..., in[tr::count], in[tr::count + 1], std::span<T>(out + tr::offsets[I], tr::sizes[I])...);
        });
      }(std::make_index_sequence<tr::count>{});
    });
  }
};

/// Input I's adjoint: its slice of the packed adjoint (opaque_vjp_op), in input I's shape.
template <class F, std::size_t I>
struct opaque_part_op : opaque_derivative_rules<F> {
  static constexpr bool elementwise = false;
  static constexpr bool program_only = true;  // value_at reports it (its kernel takes a program's buffers)
  static constexpr std::string_view name = F::name;
  static constexpr std::string_view name_suffix = ctgrad::detail::opaque_part_suffix<I>::view;  // integrate'[0]
  static constexpr ops::curvature curvature = ops::curvature::linear;
  template <class P> using value_type = value_t<P>;
  template <class P> using shape_type = meta::at_t<I, typename F::inputs>;
  template <class N, class Prog, class T> static absl::Status kernel(const Prog& p, T* out) {
    using P = meta::at_t<0, typename N::children_types>;
    using tr = ctgrad::detail::opaque_traits<F, T>;
    const T* packed = p.template buffer<P>() + tr::offsets[I];
    for (std::size_t k = 0; k < tr::sizes[I]; ++k) out[k] = packed[k];
    return absl::OkStatus();
  }
};

/// F::jvp<I>'s result J_I dx. Children: the inputs, the opaque node (y) and dx, input I's tangent.
template <class F, std::size_t I>
struct opaque_jvp_op : opaque_derivative_rules<F> {
  static constexpr bool elementwise = false;
  static constexpr bool program_only = true;  // value_at reports it (its kernel takes a program's buffers)
  static constexpr std::string_view name = F::name;
  static constexpr std::string_view name_suffix = ".jvp";  // describe() prints integrate.jvp(x, y, dx)
  static constexpr ops::curvature curvature = ops::curvature::nonlinear;
  template <class C0, class... Cs> using value_type = value_t<C0>;
  template <class... Cs> using shape_type = typename F::output;
  template <class N, class Prog, class T> static absl::Status kernel(const Prog& p, T* out) {
    using tr = ctgrad::detail::opaque_traits<F, T>;
    return ctgrad::detail::with_children<N>(p, [&](const auto& in) {
      return [&]<std::size_t... K>(std::index_sequence<K...>) {
        return ctgrad::detail::opaque_call<F>([&] {
          return F::template jvp<I>(in[K]..., in[tr::count], in[tr::count + 1],
                                    std::span<T>(out, shapes::size<shape_t<N>>(1)));
        });
      }(std::make_index_sequence<tr::count>{});
    });
  }
};

}  // namespace ops

namespace detail {
// Reports the first misuse of opaque<F>(x...) (one message) and says whether the call is valid.
template <class F, class... X> constexpr bool opaque_checks() {
  constexpr bool declares = opaque_declares<F>();
  static_assert(declares,
                "opaque: the op's struct must declare `static constexpr std::string_view name`, `using "
                "inputs = ctgrad::type_list<shape<...>...>` (one or more shapes) and `using output = "
                "shape<...>`, with static extents (no dyn)");
  if constexpr (!declares) {
    return false;
  } else {
    using inputs = typename F::inputs;
    constexpr auto name = op_name_string<F>();
    constexpr bool count = type_list_size<inputs>::value == sizeof...(X);
    static_assert(count || opaque_op_named<name>::argument_count_matches,
                  "opaque: the number of arguments differs from the op's declared inputs (F::inputs; "
                  "the op is named in the note below)");
    if constexpr (!count) {
      return false;
    } else {
      using T = value_t<meta::at_t<0, type_list<X...>>>;
      constexpr bool same_type = element_type<T> && (std::is_same_v<value_t<X>, T> && ...);
      static_assert(same_type,
                    "opaque: the arguments must all have one element type, float or double (convert "
                    "one of them; labels cannot be arguments)");
      if constexpr (!same_type) {
        return false;
      } else {
        constexpr std::size_t bad = []<std::size_t... I>(std::index_sequence<I...>) {
          constexpr bool ok[] = {std::is_same_v<shape_t<X>, meta::at_t<I, inputs>>...};
          for (std::size_t k = 0; k < sizeof...(I); ++k)
            if (!ok[k]) return k;
          return sizeof...(I);
        }(std::index_sequence_for<X...>{});
        if constexpr (bad < sizeof...(X)) {
          using D = meta::at_t<bad, inputs>;
          using G = shape_t<meta::at_t<bad, type_list<X...>>>;
          static_assert(opaque_input<name, bad, shapes::text<D>, shapes::text<G>>::has_the_declared_shape,
                        "opaque: an argument's shape differs from the one the op declares in F::inputs "
                        "(the op, the input counted from 0 and both shapes are named in the note below)");
          return false;
        } else {
          constexpr bool value = opaque_traits<F, T>::has_value;
          static_assert(value,
                        "opaque: the op's struct has no static value(std::span<const T>... x, std::span<T> y) "
                        "returning void or absl::Status for its declared inputs");
          return value;
        }
      }
    }
  }
}
}  // namespace detail

template <class F, expression... X> constexpr auto opaque(const X&... x) {
  if constexpr (any_invalid_v<X...>) return invalid_expression{};  // a misuse already reported
  else if constexpr (!detail::opaque_checks<F, X...>()) return invalid_expression{};
  else return make_user_node<ops::opaque_op<F>>(x...);
}

}  // namespace ctgrad
