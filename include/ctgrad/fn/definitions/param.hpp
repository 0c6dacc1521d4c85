// ctgrad/fn/definitions/param.hpp — param_info, the compile-time description of one scalar parameter of
// an activation (its PyTorch keyword and default). It is not a runtime configuration or validation API:
// parameter values are passed to the activation functions as plain scalars.
#pragma once

#include <string_view>

namespace ctgrad {

/// One scalar parameter of an activation: `name` is PyTorch's keyword argument (e.g. "negative_slope"),
/// `default_value` is PyTorch's default. Activations list theirs in `params`, in the order in which the
/// parameter values follow `x` (and `y`) in value/d1/d2/kinks/reference.
struct param_info {
  std::string_view name;
  double default_value;
};

}  // namespace ctgrad
