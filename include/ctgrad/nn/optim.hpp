// ctgrad/nn/optim.hpp — first-order optimisers over flat parameter arrays: Adam (Keras form and
// defaults) and SGD with momentum. Plain vectorisable loops, no allocation after construction.
// Not tied to the graph: they take parameter and gradient spans, wherever those live.
#pragma once

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace ctgrad::nn {

namespace detail {
/// x, or 0 where |x| is below the smallest normal number. The optimisers' moments decay
/// geometrically where a gradient is zero (an input pixel that is almost always 0, a dead ReLU), so
/// they reach the subnormal range, where 0.9 m rounds back to m and stays there for good; on many
/// x86 cores every arithmetic operation on a subnormal costs a microcode assist (measured: Adam's
/// update 9x slower per step once a quarter of the moments were subnormal; the main job's ReLU
/// epoch 2.3x slower than its Sigmoid one). So a moment that small is flushed to 0: it moves no
/// parameter of magnitude above about 1e-26 (with Keras's lr 1e-3 and epsilon 1e-7, its step is
/// below 1.2e-34, under half an ulp), and nothing else reads it. A bit test, not a branch.
template <class T> constexpr T flush_subnormal(T x) noexcept {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  constexpr U mantissa = (U(1) << (std::numeric_limits<T>::digits - 1)) - 1;
  constexpr U exponent = (U(~U(0)) >> 1) & ~mantissa;  // 0x7f800000 for float
  return (std::bit_cast<U>(x) & exponent) == 0 ? T(0) : x;  // exponent bits all 0: zero or subnormal
}
}  // namespace detail

/// Adam hyper-parameters; the defaults are Keras's (tf.keras.optimizers.Adam).
struct adam_options {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-7;
};

/// SGD hyper-parameters (Keras form: v = momentum * v - lr * g; p += v, or the Nesterov variant).
struct sgd_options {
  double learning_rate = 0.01;
  double momentum = 0.9;
  bool nesterov = false;
};

/// InvalidArgument naming the bad hyper-parameter, or OK.
inline absl::Status validate(const adam_options& o) {
  if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate))
    return absl::InvalidArgumentError(absl::StrFormat("adam: learning rate must be > 0, got %g", o.learning_rate));
  if (!(o.beta1 >= 0 && o.beta1 < 1) || !(o.beta2 >= 0 && o.beta2 < 1))
    return absl::InvalidArgumentError(
        absl::StrFormat("adam: beta1 and beta2 must be in [0, 1), got %g and %g", o.beta1, o.beta2));
  if (!(o.epsilon > 0)) return absl::InvalidArgumentError(absl::StrFormat("adam: epsilon must be > 0, got %g", o.epsilon));
  return absl::OkStatus();
}
inline absl::Status validate(const sgd_options& o) {
  if (!(o.learning_rate > 0) || !std::isfinite(o.learning_rate))
    return absl::InvalidArgumentError(absl::StrFormat("sgd: learning rate must be > 0, got %g", o.learning_rate));
  if (!(o.momentum >= 0 && o.momentum < 1))
    return absl::InvalidArgumentError(absl::StrFormat("sgd: momentum must be in [0, 1), got %g", o.momentum));
  return absl::OkStatus();
}

/// Adam over a flat array of `size` parameters; a parameter lives at [offset, offset + n).
/// Per step t (1-based, shared by all parameters):
///   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
///   p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)      (Keras's "epsilon hat" form).
/// Call begin_step() once per step, then update() for each parameter.
template <class T>
class adam {
 public:
  explicit adam(std::size_t size, adam_options options = {}) : o_(options), m_(size, T(0)), v_(size, T(0)) {}

  void begin_step() noexcept {
    ++t_;
    const double b1t = std::pow(o_.beta1, double(t_)), b2t = std::pow(o_.beta2, double(t_));
    alpha_ = static_cast<T>(o_.learning_rate * std::sqrt(1 - b2t) / (1 - b1t));
  }
  /// Updates params[i] from grads[i] for the parameter stored at `offset` of the flat state.
  void update(std::span<T> params, std::span<const T> grads, std::size_t offset) noexcept {
    T* __restrict m = m_.data() + offset;
    T* __restrict v = v_.data() + offset;
    T* __restrict p = params.data();
    const T* __restrict g = grads.data();
    const T b1 = T(o_.beta1), c1 = T(1 - o_.beta1), b2 = T(o_.beta2), c2 = T(1 - o_.beta2);
    const T eps = T(o_.epsilon), alpha = alpha_;
    const std::size_t n = params.size();
    for (std::size_t i = 0; i < n; ++i) {
      m[i] = detail::flush_subnormal(b1 * m[i] + c1 * g[i]);
      v[i] = detail::flush_subnormal(b2 * v[i] + c2 * g[i] * g[i]);
      p[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
    }
  }

  std::int64_t steps() const noexcept { return t_; }
  const adam_options& options() const noexcept { return o_; }
  /// The optimiser state for checkpoints: first and second moments (flat) and the step count.
  std::vector<T>& first_moment() noexcept { return m_; }
  std::vector<T>& second_moment() noexcept { return v_; }
  void set_steps(std::int64_t t) noexcept { t_ = t; }

 private:
  adam_options o_;
  std::vector<T> m_, v_;
  std::int64_t t_ = 0;
  T alpha_ = 0;
};

/// SGD with (optionally Nesterov) momentum over a flat array of `size` parameters.
template <class T>
class sgd {
 public:
  explicit sgd(std::size_t size, sgd_options options = {}) : o_(options), vel_(size, T(0)) {}
  void begin_step() noexcept { ++t_; }
  void update(std::span<T> params, std::span<const T> grads, std::size_t offset) noexcept {
    T* __restrict vel = vel_.data() + offset;
    T* __restrict p = params.data();
    const T* __restrict g = grads.data();
    const T mu = T(o_.momentum), lr = T(o_.learning_rate);
    const std::size_t n = params.size();
    if (o_.nesterov) {
      for (std::size_t i = 0; i < n; ++i) {
        vel[i] = detail::flush_subnormal(mu * vel[i] - lr * g[i]);
        p[i] += mu * vel[i] - lr * g[i];
      }
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        vel[i] = detail::flush_subnormal(mu * vel[i] - lr * g[i]);
        p[i] += vel[i];
      }
    }
  }
  std::int64_t steps() const noexcept { return t_; }
  const sgd_options& options() const noexcept { return o_; }
  std::vector<T>& velocity() noexcept { return vel_; }
  void set_steps(std::int64_t t) noexcept { t_ = t; }

 private:
  sgd_options o_;
  std::vector<T> vel_;
  std::int64_t t_ = 0;
};

}  // namespace ctgrad::nn
