// ctgrad/scalar.hpp — the entry header for scalar functions: variables (indexed_name for families
// of them), literals, elementwise arithmetic and math, the activations, grad, value_at,
// value_and_grad_at, jvp, hvp, hessian, describe and the sparsity patterns (autodiff/inspect.hpp). Not tensors,
// compile(), losses or layers: ctgrad/ctgrad.hpp has everything, at about twice the compile time for
// a unit that needs only this (docs/design.md, "Compile time").
#pragma once

#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/autodiff/hessian.hpp"
#include "ctgrad/autodiff/jvp.hpp"
#include "ctgrad/autodiff/inspect.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/eval/value_at.hpp"
#include "ctgrad/fn/activations.hpp"
#include "ctgrad/ops/elementwise.hpp"
#include "ctgrad/ops/function.hpp"
