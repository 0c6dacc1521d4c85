// ctgrad/ctgrad.hpp — the umbrella header: everything a user of the expression graph needs.
// Not included by ctgrad's own headers (each includes what it uses).
#pragma once

#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/autodiff/hessian.hpp"
#include "ctgrad/autodiff/jacobian.hpp"
#include "ctgrad/autodiff/jvp.hpp"
#include "ctgrad/autodiff/inspect.hpp"
#include "ctgrad/core/bind.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/core/shape.hpp"
#include "ctgrad/core/tensor.hpp"
#include "ctgrad/eval/compile.hpp"
#include "ctgrad/eval/value_at.hpp"
#include "ctgrad/fn/activations.hpp"
#include "ctgrad/fn/losses.hpp"
#include "ctgrad/fn/softmax.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/function.hpp"
#include "ctgrad/ops/linalg.hpp"
#include "ctgrad/ops/opaque.hpp"
#include "ctgrad/ops/reduce.hpp"
#include "ctgrad/ops/reshape.hpp"
