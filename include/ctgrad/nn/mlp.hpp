// ctgrad/nn/mlp.hpp — a dense layer and a multi-layer perceptron built as one compile-time graph
// (layer sizes and the hidden activation are template arguments), with its flat parameter storage
// and Keras-default initialisation (Glorot-uniform weights, zero biases).
// Not a general layer zoo: the graph API (ctgrad/ctgrad.hpp) composes anything else directly.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/random/uniform_real_distribution.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/types/span.h"
#include "ctgrad/autodiff/grad.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/fn/activate.hpp"
#include "ctgrad/fn/losses.hpp"
#include "ctgrad/ops/linalg.hpp"

namespace ctgrad::nn {

namespace detail {
/// "W1", "b12", ...: the layers' variable names (ctgrad::indexed_name, core/node.hpp).
using ::ctgrad::indexed_name;
}  // namespace detail

/// A dense (fully connected) layer y = x W + b, W of shape [In, Out] and b of shape [Out], with the
/// variables named "W<Index>" and "b<Index>". `apply(x)` takes x of shape [batch, In] (or [In]).
template <int Index, class T, int In, int Out>
struct dense {
  static_assert(In > 0 && Out > 0, "dense: layer sizes must be positive");
  using weight = var<detail::indexed_name<'W', Index>(), T, shape<In, Out>>;
  using bias = var<detail::indexed_name<'b', Index>(), T, shape<Out>>;
  static constexpr int fan_in = In, fan_out = Out;
  template <class X> static constexpr auto apply(const X& x) { return matmul(x, weight{}) + bias{}; }
};

/// An MLP Sizes[0] -> Sizes[1] -> ... -> Sizes[n]: dense layers with activation `Act` (a
/// `ctgrad::fn::` struct, default parameters) after every layer but the last, whose outputs are
/// logits. Input variable "x" of shape [dyn, Sizes[0]], labels "y" (int, [dyn]).
/// Parameters are W1, b1, W2, b2, ... in that order (`parameter_count` of them).
template <class Act, class T, int... Sizes>
struct mlp {
  static_assert(sizeof...(Sizes) >= 2, "mlp: give at least an input and an output size");
  static_assert(((Sizes > 0) && ...), "mlp: layer sizes must be positive");
  using value_type = T;
  using activation = Act;
  static constexpr std::array<int, sizeof...(Sizes)> sizes{Sizes...};
  static constexpr int depth = static_cast<int>(sizeof...(Sizes)) - 1;  ///< number of dense layers
  static constexpr int parameter_count = 2 * depth;
  static constexpr int inputs = sizes.front();
  static constexpr int classes = sizes.back();

  using input = var<"x", T, shape<dyn, inputs>>;
  using labels = var<"y", int, shape<dyn>>;
  template <int L> using layer = dense<L + 1, T, sizes[L], sizes[L + 1]>;  ///< L is 0-based

  /// The logits graph [batch, classes].
  static constexpr auto logits() { return logits_from<0>(input{}); }
  /// Mean sparse categorical cross-entropy of the logits against the labels (a scalar graph).
  static constexpr auto loss() { return cross_entropy(logits(), labels{}); }
  /// The parameters' variables as a tuple (W1, b1, W2, b2, ...).
  static constexpr auto parameters() {
    return [&]<std::size_t... L>(std::index_sequence<L...>) {
      return std::tuple_cat(std::tuple<typename layer<int(L)>::weight, typename layer<int(L)>::bias>{}...);
    }(std::make_index_sequence<depth>{});
  }
  /// grad(loss(), W1, b1, W2, b2, ...): the loss and every parameter gradient, derived at compile time.
  static constexpr auto gradients() {
    return std::apply([](auto... p) { return grad(loss(), p...); }, parameters());
  }
  /// Shape [rows, cols] of parameter i (biases have rows == 1).
  static constexpr std::array<int, 2> parameter_shape(int i) {
    const int l = i / 2;
    return i % 2 == 0 ? std::array<int, 2>{sizes[l], sizes[l + 1]} : std::array<int, 2>{1, sizes[l + 1]};
  }
  static std::string parameter_name(int i) { return absl::StrFormat("%c%d", i % 2 == 0 ? 'W' : 'b', i / 2 + 1); }

 private:
  template <int L, class H> static constexpr auto logits_from(const H& h) {
    if constexpr (L + 1 == depth) {
      return layer<L>::apply(h);
    } else {
      return logits_from<L + 1>(activate<Act>(layer<L>::apply(h)));
    }
  }
};

/// Flat storage of a model's parameters, each starting on a 16-element boundary.
/// `operator[](i)` is parameter i (in Model::parameters() order) as a span.
template <class Model>
class parameter_store {
 public:
  using T = typename Model::value_type;
  static constexpr int count = Model::parameter_count;

  parameter_store() {
    std::size_t off = 0;
    for (int i = 0; i < count; ++i) {
      const auto s = Model::parameter_shape(i);
      offsets_[i] = off;
      sizes_[i] = static_cast<std::size_t>(s[0]) * static_cast<std::size_t>(s[1]);
      off += (sizes_[i] + 15) / 16 * 16;
    }
    data_.assign(off, T(0));
  }
  std::span<T> operator[](int i) noexcept { return {data_.data() + offsets_[i], sizes_[i]}; }
  std::span<const T> operator[](int i) const noexcept { return {data_.data() + offsets_[i], sizes_[i]}; }
  std::size_t size(int i) const noexcept { return sizes_[i]; }
  /// Every parameter value, padding included (padding stays 0).
  std::span<T> flat() noexcept { return data_; }
  std::span<const T> flat() const noexcept { return data_; }
  std::size_t offset(int i) const noexcept { return offsets_[i]; }
  /// The number of trainable values (padding excluded).
  std::size_t value_count() const noexcept {
    std::size_t n = 0;
    for (auto s : sizes_) n += s;
    return n;
  }

  /// Keras defaults: weights Glorot-uniform U(-l, l), l = sqrt(6 / (fan_in + fan_out)); biases 0.
  /// Deterministic for a given seed: the bits come from std::mt19937_64 (absl::BitGen salts its
  /// seeds per process, so it cannot reproduce a run), shaped by absl::Uniform (whose algorithm may
  /// change between Abseil versions).
  void initialize(std::uint64_t seed) {
    std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32), 0x1417u};
    std::mt19937_64 gen(seq);
    for (int i = 0; i < count; ++i) {
      auto p = (*this)[i];
      if (i % 2 == 1) {
        std::fill(p.begin(), p.end(), T(0));
        continue;
      }
      const auto s = Model::parameter_shape(i);
      const double limit = std::sqrt(6.0 / double(s[0] + s[1]));
      for (auto& w : p) w = static_cast<T>(absl::Uniform<double>(absl::IntervalClosed, gen, -limit, limit));
    }
  }

  /// Bindings of every parameter, as a std::tuple, to pass to a compiled program with the input and
  /// labels: `std::apply([&](const auto&... ps) { return prog.run(ps..., X = x, y = labels); },
  /// params.bindings())` (as nn/data_parallel.hpp does).
  auto bindings() const {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::tuple{(std::get<I>(Model::parameters()) = (*this)[int(I)])...};
    }(std::make_index_sequence<count>{});
  }

 private:
  std::array<std::size_t, count> offsets_{}, sizes_{};
  std::vector<T> data_;
};

}  // namespace ctgrad::nn
