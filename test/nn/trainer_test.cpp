// Tests for ctgrad/nn/mlp.hpp, nn/optim.hpp and nn/trainer.hpp: the MLP graph's gradients against
// finite differences, Keras's Adam step by hand, Glorot-uniform initialisation, an end-to-end run on
// 2,000 Fashion-MNIST images (needs the Debian package dataset-fashion-mnist, which CI installs),
// reproducibility, checkpoint round trip and exact resume, checkpoints of earlier versions resuming,
// and bad-input errors.
#define BOOST_TEST_MODULE trainer
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "ctgrad/ctgrad.hpp"
#include "ctgrad/io/idx.hpp"
#include "ctgrad/nn/trainer.hpp"

namespace tt = boost::test_tools;
using namespace ctgrad;

namespace {

using small_model = nn::mlp<fn::tanh, double, 6, 5, 3>;
using fmnist_relu = nn::mlp<fn::relu, float, 784, 128, 10>;
using fmnist_sigmoid = nn::mlp<fn::sigmoid, float, 784, 128, 10>;

const io::mnist_split& fashion_train() {
  static const io::mnist_split data = [] {
    auto d = io::load_mnist(io::default_data_dir(), "train", 2000);
    BOOST_TEST_REQUIRE(d.ok(), "Fashion-MNIST is needed (apt-get install dataset-fashion-mnist): " << d.status());
    return *std::move(d);
  }();
  return data;
}
const io::mnist_split& fashion_test() {
  static const io::mnist_split data = [] {
    auto d = io::load_mnist(io::default_data_dir(), "t10k", 2000);
    BOOST_TEST_REQUIRE(d.ok(), "Fashion-MNIST is needed (apt-get install dataset-fashion-mnist): " << d.status());
    return *std::move(d);
  }();
  return data;
}
nn::dataset_view view(const io::mnist_split& s) {
  return {.images = {}, .labels = s.labels, .count = s.count, .features = io::mnist_split::pixels, .bytes = s.bytes};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(trainer)

BOOST_AUTO_TEST_CASE(mlp_names_its_parameters_and_shapes) {
  using M = nn::mlp<fn::relu, float, 784, 128, 64, 10>;
  static_assert(M::depth == 3 && M::parameter_count == 6);
  static_assert(std::is_same_v<std::tuple_element_t<4, decltype(M::parameters())>, var<"W3", float, shape<64, 10>>>);
  static_assert(std::is_same_v<std::tuple_element_t<1, decltype(M::parameters())>, var<"b1", float, shape<128>>>);
  static_assert(std::is_same_v<shape_t<decltype(M::logits())>, shape<dyn, 10>>);
  BOOST_TEST(M::parameter_name(5) == "b3");
  BOOST_TEST((M::parameter_shape(2) == std::array<int, 2>{128, 64}));
  using deep = nn::mlp<fn::relu, float, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 2>;
  BOOST_TEST(deep::parameter_name(22) == "W12");
}

BOOST_AUTO_TEST_CASE(mlp_gradients_match_central_differences) {
  nn::parameter_store<small_model> p;
  p.initialize(3);
  for (int i = 1; i < small_model::parameter_count; i += 2)  // non-zero biases exercise more paths
    for (auto& b : p[i]) b = 0.1 * double(&b - p[i].data() + 1);
  std::vector<double> x{0.5, -1, 2, 0.25, -0.75, 1.5, -0.5, 0.1, 0.2, -0.3, 0.4, 1.0};
  std::vector<int> y{2, 0};
  auto gs = small_model::gradients();
  auto prog = compile(gs);
  auto run = [&] {
    return std::apply([&](const auto&... b) { return prog.run(small_model::input{} = x, small_model::labels{} = y, b...); },
                      p.bindings());
  };
  BOOST_TEST_REQUIRE(run().ok());
  std::vector<std::vector<double>> analytic;
  for (int i = 0; i < small_model::parameter_count; ++i) analytic.emplace_back();
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((analytic[I] = std::vector<double>(prog.template get<I + 1>().begin(), prog.template get<I + 1>().end())), ...);
  }(std::make_index_sequence<small_model::parameter_count>{});
  for (int i = 0; i < small_model::parameter_count; ++i) {
    for (std::size_t k = 0; k < p.size(i); ++k) {
      double& w = p[i][k];
      const double old = w, h = 1e-6;
      w = old + h;
      BOOST_TEST_REQUIRE(run().ok());
      const double fp = prog.get<0>().item();
      w = old - h;
      BOOST_TEST_REQUIRE(run().ok());
      const double fm = prog.get<0>().item();
      w = old;
      BOOST_TEST(analytic[i][k] == (fp - fm) / (2 * h), tt::tolerance(1e-6));
    }
  }
}

BOOST_AUTO_TEST_CASE(glorot_uniform_weights_zero_biases_and_seeded) {
  nn::parameter_store<fmnist_relu> a, b, c;
  a.initialize(1);
  b.initialize(1);
  c.initialize(2);
  BOOST_TEST((std::equal(a.flat().begin(), a.flat().end(), b.flat().begin())));
  BOOST_TEST(!(std::equal(a.flat().begin(), a.flat().end(), c.flat().begin())));
  const double limit = std::sqrt(6.0 / (784 + 128));
  double sum = 0, sq = 0, hi = 0;
  for (float w : a[0]) {
    sum += w;
    sq += double(w) * w;
    hi = std::max(hi, double(std::fabs(w)));
  }
  const double n = double(a.size(0));
  BOOST_TEST(hi <= limit);
  BOOST_TEST(hi > 0.99 * limit);
  BOOST_TEST(std::fabs(sum / n) < 0.01 * limit);
  BOOST_TEST(sq / n == limit * limit / 3, tt::tolerance(0.02));  // variance of U(-l, l)
  for (float v : a[1]) BOOST_TEST(v == 0.0f);
}

BOOST_AUTO_TEST_CASE(adam_matches_the_keras_update_by_hand) {
  nn::adam<double> opt(2);
  std::vector<double> p{1.0, -2.0};
  const std::vector<double> g1{0.5, -0.25}, g2{0.1, 0.3};
  opt.begin_step();
  opt.update(p, g1, 0);
  // step 1: m = 0.1 g, v = 0.001 g^2, alpha = 1e-3 sqrt(0.001) / 0.1 -> p -= alpha m / (sqrt v + eps)
  double m0 = 0.1 * 0.5, v0 = 0.001 * 0.25, a1 = 1e-3 * std::sqrt(1 - 0.999) / (1 - 0.9);
  double p0 = 1.0 - a1 * m0 / (std::sqrt(v0) + 1e-7);
  BOOST_TEST(p[0] == p0, tt::tolerance(1e-14));
  opt.begin_step();
  opt.update(p, g2, 0);
  m0 = 0.9 * m0 + 0.1 * 0.1;
  v0 = 0.999 * v0 + 0.001 * 0.01;
  const double a2 = 1e-3 * std::sqrt(1 - 0.999 * 0.999) / (1 - 0.81);
  p0 -= a2 * m0 / (std::sqrt(v0) + 1e-7);
  BOOST_TEST(p[0] == p0, tt::tolerance(1e-14));
  BOOST_TEST(opt.steps() == 2);
  BOOST_TEST(!nn::validate(nn::adam_options{.learning_rate = -1}).ok());
  BOOST_TEST(!nn::validate(nn::sgd_options{.momentum = 1.5}).ok());
}

BOOST_AUTO_TEST_CASE(sgd_momentum_matches_keras) {
  nn::sgd<double> opt(1, {.learning_rate = 0.1, .momentum = 0.9});
  std::vector<double> p{1.0};
  const std::vector<double> g{2.0};
  opt.update(p, g, 0);  // v = -0.2, p = 0.8
  opt.update(p, g, 0);  // v = -0.18 - 0.2 = -0.38, p = 0.42
  BOOST_TEST(p[0] == 0.42, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(one_epoch_on_2000_images_beats_chance_by_far_and_loss_decreases) {
  nn::trainer<fmnist_relu> t({});
  const auto before = t.evaluate(view(fashion_test()));
  BOOST_TEST_REQUIRE(before.ok());
  BOOST_TEST(before->accuracy < 0.3);  // an untrained model is near chance (0.1)
  auto e1 = t.train_epoch(view(fashion_train()), 1);
  BOOST_TEST_REQUIRE(e1.ok());
  auto after1 = t.evaluate(view(fashion_test()));
  auto e2 = t.train_epoch(view(fashion_train()), 2);
  BOOST_TEST_REQUIRE(e2.ok());
  auto after2 = t.evaluate(view(fashion_test()));
  BOOST_TEST_MESSAGE("2000 images: test accuracy " << after1->accuracy << " after 1 epoch, " << after2->accuracy
                                                   << " after 2");
  BOOST_TEST(after1->accuracy >= 0.6);
  BOOST_TEST(after1->loss < before->loss);
  BOOST_TEST(e2->loss < e1->loss);
  BOOST_TEST(after2->loss < after1->loss);
  BOOST_TEST(t.steps() == 2 * 63);  // ceil(2000 / 32) batches per epoch, the last one partial
}

BOOST_AUTO_TEST_CASE(sigmoid_and_sgd_also_learn) {
  nn::trainer<fmnist_sigmoid> t({.optimizer = nn::sgd_options{.learning_rate = 0.05}});
  BOOST_TEST_REQUIRE(t.train_epoch(view(fashion_train()), 1).ok());
  auto m = t.evaluate(view(fashion_test()));
  BOOST_TEST_REQUIRE(m.ok());
  BOOST_TEST(m->accuracy >= 0.6);
}

BOOST_AUTO_TEST_CASE(a_run_is_reproducible_for_a_seed) {
  nn::trainer<fmnist_relu> a({.seed = 9}), b({.seed = 9}), c({.seed = 10});
  auto ma = a.train_epoch(view(fashion_train()), 1);
  auto mb = b.train_epoch(view(fashion_train()), 1);
  auto mc = c.train_epoch(view(fashion_train()), 1);
  BOOST_TEST_REQUIRE((ma.ok() && mb.ok() && mc.ok()));
  BOOST_TEST(ma->loss == mb->loss);
  BOOST_TEST((std::equal(a.parameters().flat().begin(), a.parameters().flat().end(), b.parameters().flat().begin())));
  BOOST_TEST(ma->loss != mc->loss);
}

BOOST_AUTO_TEST_CASE(checkpoint_round_trip_and_resume_continue_a_run_exactly) {
  const auto dir = std::filesystem::temp_directory_path() / ("ctgrad_trainer_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "relu.ckpt").string();
  // The reference: two epochs in one go.
  nn::trainer<fmnist_relu> straight({});
  BOOST_TEST_REQUIRE(straight.train_epoch(view(fashion_train()), 1).ok());
  BOOST_TEST_REQUIRE(straight.train_epoch(view(fashion_train()), 2).ok());
  // Epoch 1, checkpoint, a fresh trainer restores it and runs epoch 2.
  {
    nn::trainer<fmnist_relu> first({});
    BOOST_TEST_REQUIRE(first.train_epoch(view(fashion_train()), 1).ok());
    auto ck = first.save(1, {{"note", "epoch one"}});
    BOOST_TEST_REQUIRE(ck.ok());
    BOOST_TEST_REQUIRE(io::write_checkpoint(path, *ck).ok());
  }
  nn::trainer<fmnist_relu> resumed({});
  auto ck = io::read_checkpoint(path);
  BOOST_TEST_REQUIRE(ck.ok());
  auto done = resumed.restore(*ck);
  BOOST_TEST_REQUIRE(done.ok());
  BOOST_TEST(*done == 1);
  BOOST_TEST(*io::get_metadata(*ck, "note") == "epoch one");
  BOOST_TEST_REQUIRE(resumed.train_epoch(view(fashion_train()), 2).ok());
  BOOST_TEST(resumed.steps() == straight.steps());
  BOOST_TEST((std::equal(resumed.parameters().flat().begin(), resumed.parameters().flat().end(),
                         straight.parameters().flat().begin())));

  // A checkpoint of another model or optimiser is refused and changes nothing.
  nn::trainer<fmnist_sigmoid> other({});
  const auto snapshot = std::vector<float>(other.parameters().flat().begin(), other.parameters().flat().end());
  auto bad = other.restore(*ck);
  BOOST_TEST(bad.status().code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(std::string(bad.status().message()).find("mlp 784-128-10 relu float") != std::string::npos);
  BOOST_TEST((std::equal(snapshot.begin(), snapshot.end(), other.parameters().flat().begin())));
  nn::trainer<fmnist_relu> sgd_run({.optimizer = nn::sgd_options{}});
  BOOST_TEST(sgd_run.restore(*ck).status().code() == absl::StatusCode::kFailedPrecondition);
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(checkpoints_written_before_the_optimizer_list_still_resume) {
  // test/nn/reference/checkpoint_975ade6_{adam,sgd}.ckpt were written by the trainer of commit
  // 975ade6 (which named adam and sgd in its save and restore) after one epoch of this model on
  // this data. Today's trainer restores them, and saves the same tensors (names, shapes, values)
  // and metadata back: the format is unchanged.
  using tiny = nn::mlp<fn::tanh, float, 6, 5, 3>;
  std::vector<float> x;
  std::vector<std::int32_t> y;
  for (int r = 0; r < 64; ++r) {
    for (int j = 0; j < 6; ++j) x.push_back(float((r * 7 + j * 13) % 17) / 8.0f - 1.0f);
    y.push_back((r * 5) % 3);
  }
  const nn::dataset_view data{x, y, 64, 6};
  const auto dir = std::filesystem::path(__FILE__).parent_path() / "reference";
  const std::vector<std::pair<std::string, nn::train_options>> runs{
      {"adam", {.batch = 8, .optimizer = nn::adam_options{.learning_rate = 0.01}, .seed = 3}},
      {"sgd", {.batch = 8, .optimizer = nn::sgd_options{.learning_rate = 0.05, .momentum = 0.8}, .seed = 3}}};
  for (const auto& [name, options] : runs) {
    BOOST_TEST_CONTEXT(name) {
      auto old = io::read_checkpoint((dir / ("checkpoint_975ade6_" + name + ".ckpt")).string());
      BOOST_TEST_REQUIRE(old.ok(), old.status());
      nn::trainer<tiny> t(options);
      auto done = t.restore(*old);
      BOOST_TEST_REQUIRE(done.ok(), done.status());
      BOOST_TEST(*done == 1);
      BOOST_TEST(t.steps() == 8);
      auto again = t.save(1, {{"history", *io::get_metadata(*old, "history")}});
      BOOST_TEST_REQUIRE(again.ok());
      BOOST_TEST((again->metadata == old->metadata));
      BOOST_TEST(again->tensors.size() == old->tensors.size());
      for (const auto& tensor : old->tensors) {
        BOOST_TEST_CONTEXT(tensor.name) {
          auto same = io::get_tensor(*again, tensor.name, tensor.shape);
          BOOST_TEST_REQUIRE(same.ok(), same.status());
          BOOST_TEST(std::equal(same->begin(), same->end(), tensor.data.begin(), tensor.data.end()));
        }
      }
      BOOST_TEST(t.train_epoch(data, 2).ok());  // and the run continues
    }
  }
}

BOOST_AUTO_TEST_CASE(bytes_train_exactly_like_the_floats_they_stand_for) {
  // The tool trains on the pixels as bytes (each read as byte / 255 while a batch is gathered); the
  // same data given as floats trains to the same parameters, bit for bit, on 1 and 2 threads.
  const auto& d = fashion_train();
  const std::vector<float> floats = d.images();
  const nn::dataset_view as_floats{floats, d.labels, d.count, io::mnist_split::pixels};
  for (int threads : {1, 2}) {
    nn::trainer<fmnist_relu> a({.seed = 3, .threads = threads}), b({.seed = 3, .threads = threads});
    auto ma = a.train_epoch(view(d), 1);
    auto mb = b.train_epoch(as_floats, 1);
    BOOST_TEST_REQUIRE((ma.ok() && mb.ok()));
    BOOST_TEST(ma->loss == mb->loss);
    BOOST_TEST((std::equal(a.parameters().flat().begin(), a.parameters().flat().end(), b.parameters().flat().begin())));
    auto ea = a.evaluate(view(fashion_test()));
    auto eb = b.evaluate({fashion_test().images(), fashion_test().labels, fashion_test().count, io::mnist_split::pixels});
    BOOST_TEST_REQUIRE((ea.ok() && eb.ok()));
    BOOST_TEST(ea->loss == eb->loss);
  }
  // A view is floats or bytes, not both; and the bytes' divisor must be usable.
  nn::trainer<fmnist_relu> t({});
  nn::dataset_view both = view(d);
  both.images = floats;
  auto e = t.train_epoch(both, 1);
  BOOST_TEST(e.status().code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(std::string(e.status().message()).find("both float images and bytes") != std::string::npos, e.status());
  nn::dataset_view zero = view(d);
  zero.byte_divisor = 0;
  auto z = t.train_epoch(zero, 1);
  BOOST_TEST(std::string(z.status().message()).find("byte_divisor must be finite and > 0, got 0") != std::string::npos,
             z.status());
}

BOOST_AUTO_TEST_CASE(bad_data_and_options_are_status_errors) {
  nn::trainer<fmnist_relu> t({});
  std::vector<float> img(2 * 784, 0.5f);
  std::vector<std::int32_t> lab{1, 10};
  auto r = t.train_epoch({img, lab, 2, 784}, 1);
  BOOST_TEST(r.status().code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(std::string(r.status().message()).find("label 10") != std::string::npos);
  auto f = t.evaluate({img, lab, 2, 28});
  BOOST_TEST(std::string(f.status().message()).find("28 features") != std::string::npos);
  BOOST_TEST(t.train_epoch({{}, {}, 0, 784}, 1).status().code() == absl::StatusCode::kInvalidArgument);
  BOOST_TEST(!nn::validate(nn::train_options{.batch = 0}).ok());
  // A trainer given options validate() refuses trains nothing and says why (a batch of 0 used to
  // loop for ever in a release build).
  for (const nn::train_options bad : {nn::train_options{.batch = 0}, nn::train_options{.threads = -3},
                                      nn::train_options{.optimizer = nn::sgd_options{.momentum = 1.5}}}) {
    nn::trainer<fmnist_relu> refused(bad);
    const std::vector<std::int32_t> good_labels{1, 2};
    auto e = refused.train_epoch({img, good_labels, 2, 784}, 1);
    BOOST_TEST(e.status().code() == absl::StatusCode::kInvalidArgument);
    BOOST_TEST(e.status().message() == nn::validate(bad).message());
  }
  // A non-finite loss stops training with an error rather than producing NaN parameters silently.
  std::vector<float> poisoned(fashion_train().images());
  poisoned[5 * 784 + 300] = std::numeric_limits<float>::quiet_NaN();
  nn::trainer<fmnist_relu> victim({});
  auto d = victim.train_epoch({poisoned, fashion_train().labels, fashion_train().count, 784}, 1);
  BOOST_TEST(d.status().code() == absl::StatusCode::kFailedPrecondition);
  BOOST_TEST(std::string(d.status().message()).find("NaN or infinite") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
