// ctgrad/nn/activations.hpp — the activations as functions on expressions, with PyTorch's names
// and defaults: relu(x), leaky_relu(x, 0.2), softplus(x, beta, threshold), ... Each forwards to the
// definition in nn/activations/*.hpp listed in nn/registry.hpp. Not the definitions themselves.
#pragma once

#include "ctgrad/nn/activation.hpp"
#include "ctgrad/nn/registry.hpp"
#include "ctgrad/nn/softmax.hpp"

namespace ctgrad {

// One line per registry entry: `name(x, params...)` applies fn::name (parameters in PyTorch's
// order; omitted ones take PyTorch's defaults). The static_assert below keeps this list and the
// registry the same length.
#define CTGRAD_ACTIVATION_FUNCTION(fname)                                            \
  template <expression X, class... P>                                                \
    requires(std::is_arithmetic_v<P> && ...)                                         \
  constexpr auto fname(const X& x, P... params) {                                    \
    if constexpr (sizeof...(P) == 0 && fn::fname::params.size() == 0 && !any_invalid_v<X> && \
                  element_type<value_t<X>>)                                          \
      return make_user_node<ops::fn_op<fn::fname>>(x); /* activate's result, one call less */ \
    else                                                                             \
      return activate<fn::fname>(x, params...);                                      \
  }
CTGRAD_ACTIVATION_FUNCTION(relu)
CTGRAD_ACTIVATION_FUNCTION(leaky_relu)
CTGRAD_ACTIVATION_FUNCTION(relu6)
CTGRAD_ACTIVATION_FUNCTION(hardtanh)
CTGRAD_ACTIVATION_FUNCTION(elu)
CTGRAD_ACTIVATION_FUNCTION(selu)
CTGRAD_ACTIVATION_FUNCTION(celu)
CTGRAD_ACTIVATION_FUNCTION(sigmoid)
CTGRAD_ACTIVATION_FUNCTION(logsigmoid)
CTGRAD_ACTIVATION_FUNCTION(hardsigmoid)
CTGRAD_ACTIVATION_FUNCTION(tanh)
CTGRAD_ACTIVATION_FUNCTION(softsign)
CTGRAD_ACTIVATION_FUNCTION(silu)
CTGRAD_ACTIVATION_FUNCTION(gelu)
CTGRAD_ACTIVATION_FUNCTION(gelu_tanh)
CTGRAD_ACTIVATION_FUNCTION(mish)
CTGRAD_ACTIVATION_FUNCTION(softplus)
CTGRAD_ACTIVATION_FUNCTION(hardswish)
#undef CTGRAD_ACTIVATION_FUNCTION
inline constexpr std::size_t activation_function_count = 18;
static_assert(activation_function_count == activation_count,
              "nn/activations.hpp: every activation in the registry needs its function line here");

}  // namespace ctgrad
