// An optimiser named in an optimizer_list that does not model nn::optimizer (it has no state(),
// so a checkpoint could not save it).
// expect: optimizer_list: every entry must model ctgrad::nn::optimizer
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "ctgrad/nn/optim.hpp"
using namespace ctgrad;

struct plain_options {
  static constexpr std::string_view name = "plain";
  static constexpr std::string_view summary = "SGD without momentum";
  double learning_rate = 0.1;
};
absl::Status validate(const plain_options&) { return absl::OkStatus(); }

template <class T> class plain {
 public:
  using value_type = T;
  using options_type = plain_options;
  plain(std::size_t, plain_options o) : o_(o) {}
  void begin_step() noexcept { ++t_; }
  void update(std::span<T> p, std::span<const T> g, std::size_t) noexcept {
    for (std::size_t i = 0; i < p.size(); ++i) p[i] -= T(o_.learning_rate) * g[i];
  }
  std::int64_t steps() const noexcept { return t_; }
  void set_steps(std::int64_t t) noexcept { t_ = t; }
#ifndef CTGRAD_COMPILE_FAIL_FIXED
  // no state(): error when the list is used
#else
  std::array<nn::state_slot<T>, 0> state() noexcept { return {}; }  // no state besides the step count
  std::array<nn::state_slot<const T>, 0> state() const noexcept { return {}; }
#endif

 private:
  plain_options o_;
  std::int64_t t_ = 0;
};

int main() {
  using list = nn::optimizer_list<nn::adam, plain>;
  return static_cast<int>(list::names.size());
}
