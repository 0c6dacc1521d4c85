// ctgrad/nn/optim.hpp — first-order optimisers over flat parameter arrays: Adam (Keras form and
// defaults) and SGD with momentum, behind one interface (the `optimizer` concept) and one list
// (`optimizers`) from which the trainer, its checkpoints and ctgrad-train's --optimizer derive.
// Plain vectorisable loops, no allocation after construction. Not tied to the graph: they take
// parameter and gradient spans, wherever those live.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

/// Adam hyper-parameters; the defaults are Keras's (tf.keras.optimizers.Adam). `name` is the
/// optimiser's name in ctgrad-train's --optimizer and its checkpoints' tag.
struct adam_options {
  static constexpr std::string_view name = "adam";
  static constexpr std::string_view summary = "Keras defaults: beta1 0.9, beta2 0.999, eps 1e-7";
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-7;
};

/// SGD hyper-parameters (Keras form: v = momentum * v - lr * g; p += v, or the Nesterov variant).
struct sgd_options {
  static constexpr std::string_view name = "sgd";
  static constexpr std::string_view summary = "with --momentum";
  double learning_rate = 0.01;
  double momentum = 0.9;
  bool nesterov = false;
};

/// InvalidArgument naming the optimiser and the bad hyper-parameter, or OK. The one check of each
/// hyper-parameter: the trainer's validate(train_options) and ctgrad-train call these.
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

/// One named array of an optimiser's state, flat like the parameters (element i belongs to
/// parameter element i): Adam's "m" and "v", SGD's "velocity". Checkpoints store the range of
/// parameter P as the tensor "<optimiser name>.<slot name>.<P>" (e.g. "adam.m.W1").
template <class T> struct state_slot {
  std::string_view name;
  std::span<T> values;
};

/// What the trainer needs of an optimiser O over values of type T, and all it uses:
/// - `O::options_type`, its hyper-parameters: an aggregate with defaults, a `name` (the flag value
///   and checkpoint tag), a one-line `summary` for --help, a `learning_rate`, and a
///   `validate(const options_type&)` found by ADL that checks every field;
/// - `O(size, options)` for `size` parameters (all state allocated here, none later);
/// - `begin_step()` once per step, then `update(params, grads, offset)` for each parameter range,
///   possibly concurrently for disjoint ranges;
/// - `steps()` / `set_steps(t)`, and `state()` (const and not) returning its state slots, which
///   together with the step count are all a checkpoint needs to resume it exactly.
template <class O, class T = typename O::value_type>
concept optimizer = requires(O& o, const O& co, std::span<T> p, std::span<const T> g, std::size_t n,
                             const typename O::options_type& opts) {
  { O::options_type::name } -> std::convertible_to<std::string_view>;
  { O::options_type::summary } -> std::convertible_to<std::string_view>;
  { opts.learning_rate } -> std::convertible_to<double>;
  { validate(opts) } -> std::same_as<absl::Status>;
  O(n, opts);
  o.begin_step();
  o.update(p, g, n);
  { co.steps() } -> std::same_as<std::int64_t>;
  o.set_steps(std::int64_t{});
  { o.state()[0] } -> std::convertible_to<state_slot<T>>;
  { co.state()[0] } -> std::convertible_to<state_slot<const T>>;
};

/// Adam over a flat array of `size` parameters; a parameter lives at [offset, offset + n).
/// Per step t (1-based, shared by all parameters):
///   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
///   p -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)      (Keras's "epsilon hat" form).
/// Call begin_step() once per step, then update() for each parameter.
template <class T>
class adam {
 public:
  using value_type = T;
  using options_type = adam_options;
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
  void set_steps(std::int64_t t) noexcept { t_ = t; }
  /// The state for checkpoints (with steps()): the first and second moments, "m" and "v".
  std::array<state_slot<T>, 2> state() noexcept { return {{{"m", m_}, {"v", v_}}}; }
  std::array<state_slot<const T>, 2> state() const noexcept { return {{{"m", m_}, {"v", v_}}}; }

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
  using value_type = T;
  using options_type = sgd_options;
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
  void set_steps(std::int64_t t) noexcept { t_ = t; }
  /// The state for checkpoints (with steps()): the velocity.
  std::array<state_slot<T>, 1> state() noexcept { return {{{"velocity", vel_}}}; }
  std::array<state_slot<const T>, 1> state() const noexcept { return {{{"velocity", vel_}}}; }

 private:
  sgd_options o_;
  std::vector<T> vel_;
  std::int64_t t_ = 0;
};

/// A list of optimiser templates and what is derived from it: the variant of their options (what
/// train_options::optimizer holds), the variant of the optimisers themselves (what the trainer
/// holds), their names, and the lookups between them. Alternatives stand at the same index in all.
template <template <class> class... Optimizer>
struct optimizer_list {
  static_assert((optimizer<Optimizer<float>> && ...),
                "optimizer_list: every entry must model ctgrad::nn::optimizer (options_type with name, summary, "
                "learning_rate and validate(); begin_step, update, steps, set_steps, state)");
  static constexpr std::size_t size = sizeof...(Optimizer);
  /// The hyper-parameters of one of the optimisers; default-constructed, the first one's defaults.
  using options = std::variant<typename Optimizer<float>::options_type...>;
  /// One of the optimisers over values of type T.
  template <class T> using variant = std::variant<Optimizer<T>...>;
  /// Their names, in list order.
  static constexpr std::array<std::string_view, size> names{Optimizer<float>::options_type::name...};

  /// The default options of the optimiser called `name`; InvalidArgument listing the names if
  /// there is none.
  static absl::StatusOr<options> from_name(std::string_view name) {
    absl::StatusOr<options> out = absl::InvalidArgumentError(
        absl::StrFormat("no optimizer '%s': use %s", name, names_text()));
    find(name, out, std::make_index_sequence<size>{});
    return out;
  }
  /// "adam or sgd" (or "a, b or c"): the names, for messages and --help.
  static std::string names_text() {
    std::string s;
    for (std::size_t i = 0; i < size; ++i)
      s += absl::StrFormat("%s%s", i == 0 ? "" : i + 1 == size ? " or " : ", ", names[i]);
    return s;
  }
  /// The optimiser `o` chooses, over `parameters` values of type T, with o's hyper-parameters.
  template <class T, std::size_t I = 0> static variant<T> make(const options& o, std::size_t parameters) {
    if constexpr (I + 1 < size)
      if (o.index() != I) return make<T, I + 1>(o, parameters);
    return variant<T>(std::in_place_index<I>, parameters, std::get<I>(o));
  }

 private:
  template <std::size_t... I> static void find(std::string_view name, absl::StatusOr<options>& out,
                                               std::index_sequence<I...>) {
    ((names[I] == name ? (void)(out = options(std::in_place_index<I>)) : void()), ...);
  }
};

/// Every optimiser ctgrad trains with: the trainer's choices, the checkpoints' tags and
/// ctgrad-train's --optimizer values and help are derived from this list. An optimiser is added by
/// writing its options and class above (the `optimizer` concept says what they need) and naming it
/// here; test/nn/optim_test.cpp checks every entry against the same laws.
using optimizers = optimizer_list<adam, sgd>;

/// The hyper-parameters of any optimiser of the list (train_options::optimizer).
using optimizer_options = optimizers::options;

/// The name of the optimiser `o` chooses ("adam", "sgd").
inline std::string_view name_of(const optimizer_options& o) { return optimizers::names[o.index()]; }

/// The chosen optimiser's validate(): InvalidArgument naming the optimiser and the bad hyper-parameter.
inline absl::Status validate(const optimizer_options& o) {
  return std::visit([](const auto& x) { return validate(x); }, o);
}

}  // namespace ctgrad::nn
