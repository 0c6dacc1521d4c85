// ctgrad/fn/activations.hpp — the activations as functions on expressions, with PyTorch's names
// and defaults: relu(x), leaky_relu(x, 0.2), softplus(x, beta, threshold), ..., one per entry of the
// registry (fn/registry.hpp), generated from it. Not the definitions themselves (fn/definitions/*.hpp).
#pragma once

#include "ctgrad/fn/activate.hpp"
#include "ctgrad/fn/registry.hpp"
#include "ctgrad/fn/softmax.hpp"

namespace ctgrad {

// One function per entry of CTGRAD_ACTIVATIONS (fn/registry.hpp): `name(x, params...)` applies
// fn::name (parameters in PyTorch's order; omitted ones take PyTorch's defaults).
#define CTGRAD_ACTIVATION_FUNCTION(fname)                                            \
  template <expression X, class... P>                                                \
    requires(std::is_arithmetic_v<P> && ...)                                         \
  constexpr auto fname(const X& x, P... params) {                                    \
    if constexpr (sizeof...(P) == 0 && fn::fname::params.size() == 0 && !any_invalid_v<X> && \
                  element_type<value_t<X>>) {                                        \
      /* activate's result, built here: no function between this one and the node */ \
      node<ops::fn_op<fn::fname>, X> r{};                                            \
      if constexpr (X::literal_count > 0)                                            \
        detail::put_literals(r.literals.value, r.literals.has, 0, x);               \
      return r;                                                                      \
    } else {                                                                         \
      return activate<fn::fname>(x, params...);                                      \
    }                                                                                \
  }
CTGRAD_ACTIVATIONS(CTGRAD_ACTIVATION_FUNCTION)
#undef CTGRAD_ACTIVATION_FUNCTION

}  // namespace ctgrad
