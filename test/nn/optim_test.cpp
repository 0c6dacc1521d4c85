// Tests for ctgrad/nn/optim.hpp that need no model: the laws every optimiser of nn::optimizers
// obeys (checked for each entry of the list, so a new optimiser is tested by naming it there), the
// list's name lookups, the optimisers' state never staying subnormal (subnormal arithmetic is a
// microcode assist on many x86 cores: the main job's ReLU epoch ran 2.5x slower), and flushing it
// changing no parameter. (The Keras update formulas are checked in trainer_test.cpp.)
#define BOOST_TEST_MODULE optim
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <set>
#include <string_view>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "ctgrad/nn/optim.hpp"

using namespace ctgrad;

namespace {
bool subnormal(float x) { return std::fpclassify(x) == FP_SUBNORMAL; }

// Every optimiser of the list, over float, as a tuple of types for BOOST_AUTO_TEST_CASE_TEMPLATE.
template <class V> struct tuple_of;
template <class... O> struct tuple_of<std::variant<O...>> {
  using type = std::tuple<O...>;
};
using every_optimizer = tuple_of<nn::optimizers::variant<float>>::type;
}  // namespace

BOOST_AUTO_TEST_SUITE(optim_suite)

BOOST_AUTO_TEST_CASE(flush_subnormal_zeroes_exactly_the_subnormals) {
  using nn::detail::flush_subnormal;
  const float fmin = std::numeric_limits<float>::min();
  BOOST_TEST(flush_subnormal(fmin) == fmin);
  BOOST_TEST(flush_subnormal(-fmin) == -fmin);
  BOOST_TEST(flush_subnormal(fmin / 2) == 0.0f);
  BOOST_TEST(flush_subnormal(-std::numeric_limits<float>::denorm_min()) == 0.0f);
  BOOST_TEST(flush_subnormal(1.5f) == 1.5f);
  BOOST_TEST(std::isinf(flush_subnormal(std::numeric_limits<float>::infinity())));
  BOOST_TEST(std::isnan(flush_subnormal(std::numeric_limits<float>::quiet_NaN())));
  const double dmin = std::numeric_limits<double>::min();
  BOOST_TEST(flush_subnormal(dmin) == dmin);
  BOOST_TEST(flush_subnormal(dmin / 4) == 0.0);
  BOOST_TEST(flush_subnormal(-1e-300) == -1e-300);
}

BOOST_AUTO_TEST_CASE(flushing_the_moments_moves_no_parameter) {
  // The same run by the plain Keras formulas (no flush), in float: the parameters agree bit for
  // bit, though the reference's first moments end subnormal.
  const std::size_t n = 3;
  std::vector<float> p{0.5f, -0.03f, 0.002f}, g{1e-3f, -2e-3f, 4e-4f}, zero(n, 0.0f);
  std::vector<float> rp = p, rm(n, 0.0f), rv(n, 0.0f);
  nn::adam<float> adam(n);
  const nn::adam_options o{};
  for (int s = 1; s <= 1500; ++s) {
    const std::vector<float>& gs = s <= 3 ? g : zero;
    adam.begin_step();
    adam.update(p, gs, 0);
    const float alpha = static_cast<float>(o.learning_rate * std::sqrt(1 - std::pow(o.beta2, double(s))) /
                                           (1 - std::pow(o.beta1, double(s))));
    for (std::size_t i = 0; i < n; ++i) {
      rm[i] = float(o.beta1) * rm[i] + float(1 - o.beta1) * gs[i];
      rv[i] = float(o.beta2) * rv[i] + float(1 - o.beta2) * gs[i] * gs[i];
      rp[i] -= alpha * rm[i] / (std::sqrt(rv[i]) + float(o.epsilon));
    }
  }
  BOOST_TEST_REQUIRE(subnormal(rm[0]));  // the reference did reach the subnormal range
  for (std::size_t i = 0; i < n; ++i) BOOST_TEST(p[i] == rp[i]);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(every_optimizer_obeys_the_laws_of_the_interface, O, every_optimizer) {
  using options = typename O::options_type;
  const std::string name(options::name);
  // Its defaults are valid, and a bad learning rate is an error naming the optimiser.
  BOOST_TEST(validate(options{}).ok());
  for (double lr : {0.0, -1.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    options bad{};
    bad.learning_rate = lr;
    const auto st = validate(bad);
    BOOST_TEST(st.code() == absl::StatusCode::kInvalidArgument);
    BOOST_TEST(std::string(st.message()).starts_with(name + ": learning rate"), st.message());
  }
  // Its state: named slots, distinct names, each as long as the parameters, zero at the start.
  const std::size_t n = 5;
  O opt(n, options{});
  std::set<std::string> slots;
  for (const auto& slot : std::as_const(opt).state()) {
    BOOST_TEST(!slot.name.empty());
    BOOST_TEST(slots.insert(std::string(slot.name)).second, name << ": slot " << slot.name << " twice");
    BOOST_TEST(slot.values.size() == n);
    for (float v : slot.values) BOOST_TEST(v == 0.0f);
  }
  BOOST_TEST(!slots.empty());
  // The update moves parameters against the gradient, counts steps, and set_steps restores the count.
  std::vector<float> p{1, 1, 1, 1, 1}, g{1, -1, 0.5f, 0, 2};
  opt.begin_step();
  opt.update(std::span<float>(p).subspan(0, 2), std::span<const float>(g).subspan(0, 2), 0);
  opt.update(std::span<float>(p).subspan(2), std::span<const float>(g).subspan(2), 2);  // another range
  BOOST_TEST(opt.steps() == 1);
  BOOST_TEST(p[0] < 1.0f);
  BOOST_TEST(p[1] > 1.0f);
  BOOST_TEST(p[3] == 1.0f);
  BOOST_TEST(p[4] < 1.0f);
  opt.set_steps(41);
  BOOST_TEST(opt.steps() == 41);
  // Its state is writable through state() (how a checkpoint is restored).
  for (auto& slot : opt.state()) slot.values[0] = 0.25f;
  for (const auto& slot : std::as_const(opt).state()) BOOST_TEST(slot.values[0] == 0.25f);
  // Its state never stays subnormal: one step with a gradient, then 2000 with none (0.9^k m passes
  // below the smallest normal after about 800 steps, where 0.9 m rounds back to m without the flush).
  O decaying(n, options{});
  std::vector<float> q(n, 0.5f), tiny{1e-3f, -2e-3f, 3e-4f, 0, 1e-3f}, zero(n, 0.0f);
  decaying.begin_step();
  decaying.update(q, tiny, 0);
  for (int s = 0; s < 2000; ++s) {
    decaying.begin_step();
    decaying.update(q, zero, 0);
  }
  for (const auto& slot : std::as_const(decaying).state())
    for (float v : slot.values) BOOST_TEST(!subnormal(v), name << "." << slot.name << " stayed subnormal: " << v);
}

BOOST_AUTO_TEST_CASE(the_list_gives_names_lookups_and_the_optimiser_an_option_chooses) {
  // Laws over the whole list (no name list kept here: an entry added to nn::optimizers is covered).
  using list = nn::optimizers;
  BOOST_TEST(std::set<std::string_view>(list::names.begin(), list::names.end()).size() == list::size);
  const std::string text = list::names_text();  // "adam or sgd", "a, b or c"
  std::string want(list::names[0]);
  for (std::size_t i = 1; i < list::size; ++i) want += (i + 1 == list::size ? " or " : ", ") + std::string(list::names[i]);
  BOOST_TEST(text == want);
  for (std::size_t i = 0; i < list::size; ++i) {
    auto o = list::from_name(list::names[i]);
    BOOST_TEST_REQUIRE(o.ok());
    BOOST_TEST(o->index() == i);
    BOOST_TEST(nn::name_of(*o) == list::names[i]);
    BOOST_TEST(nn::validate(*o).ok());
    BOOST_TEST(list::make<float>(*o, 3).index() == i);
  }
  const auto none = list::from_name("no-such-optimizer");
  BOOST_TEST(none.status().code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(std::string(none.status().message()) == "no optimizer 'no-such-optimizer': use " + text);
  BOOST_TEST(nn::name_of(nn::optimizer_options{}) == list::names[0]);
  // make() passes the chosen hyper-parameters on.
  const auto opt = list::make<double>(nn::sgd_options{.learning_rate = 0.5, .momentum = 0.25}, 2);
  BOOST_TEST(std::get<nn::sgd<double>>(opt).options().momentum == 0.25);
  BOOST_TEST(std::get<nn::sgd<double>>(opt).options().learning_rate == 0.5);
  // validate() of the variant is the chosen optimiser's.
  BOOST_TEST(std::string(nn::validate(nn::optimizer_options{nn::sgd_options{.momentum = 1.5}}).message()) ==
             "sgd: momentum must be in [0, 1), got 1.5");
  BOOST_TEST(std::string(nn::validate(nn::optimizer_options{nn::adam_options{.beta1 = 1}}).message()) ==
             "adam: beta1 and beta2 must be in [0, 1), got 1 and 0.999");
}

BOOST_AUTO_TEST_SUITE_END()
