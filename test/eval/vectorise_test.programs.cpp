// Programs whose fused loops must auto-vectorise without -ffast-math. Not linked and not a Boost.Test
// suite: vectorise_test.sh compiles this file once per program (-DCTGRAD_VEC_PROGRAM=<k>) at -O3
// -march=x86-64-v3 and reads the compiler's vectorisation report for the kernel loops of
// ctgrad/eval/compile.hpp (run_kernel, run_reduce). One program per translation unit, because the report
// names the loop's line in compile.hpp, not the program that instantiated it.
//
// Programs (vectorise_test.sh lists them with `--list`):
//   0 chain_float:   sum(sigmoid(x) * tanh(x) + relu(x)) and its gradient, float
//   1 chain_double:  the same in double
//   2 + 2i:          activation i of activation_list, its value:           compile(activate<F>(x))
//   3 + 2i:          activation i of activation_list, its derivative:      compile(grad(sum(activate<F>(x)), x))
//  2 + 2n, 3 + 2n:  (n activations) a user's elementwise function of three arguments (ops/function.hpp),
//                   its value and its gradient in all three arguments: user_fn, user_fn'
//  -1 gemv_float:    kernel::gemm with a vector result (N == 1), the matrix as stored and transposed,
//  -2 gemv_double:   float and double: the matrix-vector loops of ctgrad/eval/gemm.hpp
#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "ctgrad/ctgrad.hpp"

#ifdef CTGRAD_VEC_ACTIVATIONS  // vectorise_test.sh's count of CTGRAD_ACTIVATIONS (its programs' names)
static_assert(CTGRAD_VEC_ACTIVATIONS == int(ctgrad::type_list_size_v<ctgrad::activation_list>),
              "vectorise_test.sh names a different number of activations than activation_list has");
#endif

namespace {

// A user's function of three arguments written as docs/extending.md shows (a smooth clamp of x to
// [a, b]): its loops must vectorise as the built-in activations' do.
struct softclip_fn {
  static constexpr std::string_view name = "softclip";
  static constexpr std::size_t arity = 3;
  template <class T, class M = ctgrad::math::loop_math> static constexpr T softplus(T z) noexcept {
    return ctgrad::math::max(z, T(0)) + M::log1p(M::exp(-ctgrad::math::abs(z)));
  }
  template <class T, class M = ctgrad::math::loop_math> static constexpr T sigmoid(T z) noexcept {
    const T e = M::exp(-ctgrad::math::abs(z));
    return ctgrad::math::select(z >= T(0), T(1) / (T(1) + e), e / (T(1) + e));
  }
  template <class T, class M = ctgrad::math::loop_math> static constexpr T value(T x, T a, T b) noexcept {
    return x - softplus<T, M>(x - b) + softplus<T, M>(a - x);
  }
  template <std::size_t I, class T, class M = ctgrad::math::loop_math>
  static constexpr T d1(T x, T a, T b, T) noexcept {
    if constexpr (I == 0) return sigmoid<T, M>(b - x) - sigmoid<T, M>(a - x);
    else if constexpr (I == 1) return sigmoid<T, M>(a - x);
    else return sigmoid<T, M>(x - b);
  }
};

template <class Prog, class B> float first_of_output(Prog& prog, std::size_t output, const B& binding) {
  if (!prog.run(binding).ok()) return 0;
  return output == 0 ? static_cast<float>(prog.template get<0>()[0]) : static_cast<float>(prog.template get<1>()[0]);
}

template <int K> float program(const float* data_f, const double* data_d, std::size_t n) {
  using namespace ctgrad;
  if constexpr (K < 0) {
    using T = std::conditional_t<K == -1, float, double>;
    const T* data = nullptr;
    if constexpr (K == -1) data = data_f; else data = data_d;
    std::vector<T> y(n), z(n);  // data as an n x n matrix and as a vector of n: y = A x, z = A^T y
    kernel::gemm<T>(kernel::trans::no, kernel::trans::no, n, 1, n, T(1), data, n, data, 1, T(0), y.data(), 1);
    kernel::gemm<T>(kernel::trans::yes, kernel::trans::no, n, 1, n, T(1), data, n, y.data(), 1, T(0), z.data(), 1);
    return static_cast<float>(z[0]);
  } else if constexpr (K == 0 || K == 1) {
    using T = std::conditional_t<K == 0, float, double>;
    var<"x", T, shape<dyn>> x;
    const auto loss = sum(sigmoid(x) * tanh(x) + relu(x));
    auto prog = compile(loss, grad(loss, x));
    const T* data = nullptr;
    if constexpr (K == 0) data = data_f; else data = data_d;
    if (!prog.run(x = std::span<const T>(data, n)).ok()) return 0;
    return static_cast<float>(prog.template get<1>()[0]);
  } else if constexpr (K >= 2 + 2 * int(type_list_size_v<activation_list>)) {
    var<"x", float, shape<dyn>> x;
    var<"a", float, shape<dyn>> a;
    var<"b", float, shape<dyn>> b;
    const std::span<const float> xs(data_f, n);
    const auto f = elementwise<softclip_fn>(x, a, b);
    if constexpr (K % 2 == 0) {
      auto prog = compile(f);
      if (!prog.run(x = xs, a = xs, b = xs).ok()) return 0;
      return prog.template get<0>()[0];
    } else {
      auto prog = compile(grad(sum(f), x, a, b));
      if (!prog.run(x = xs, a = xs, b = xs).ok()) return 0;
      return prog.template get<0>()[0];
    }
  } else {
    using F = meta::at_t<std::size_t(K - 2) / 2, activation_list>;
    var<"x", float, shape<dyn>> x;
    const std::span<const float> xs(data_f, n);
    if constexpr (K % 2 == 0) {
      auto prog = compile(activate<F>(x));
      if (!prog.run(x = xs).ok()) return 0;
      return prog.template get<0>()[0];
    } else {
      auto prog = compile(grad(sum(activate<F>(x)), x));
      if (!prog.run(x = xs).ok()) return 0;
      return prog.template get<0>()[0];
    }
  }
}

}  // namespace

// Out of line and visible, so that the optimiser keeps the program.
float vectorise_program(const float* data_f, const double* data_d, std::size_t n) {
  return program<CTGRAD_VEC_PROGRAM>(data_f, data_d, n);
}
