// Tests for ctgrad/adapters/eigen.hpp: Eigen storage is bound without copying (the binding points
// into the matrix), in float and double, for matrices, vectors of either orientation, blocks of
// whole rows and transposes; extents and strides that do not fit are absl::Status errors naming the
// variable; results are viewed as Eigen maps. (Misuse caught at compile time: compile_fail/.)
#define BOOST_TEST_MODULE adapters_eigen
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "ctgrad/adapters/eigen.hpp"
#include "ctgrad/ctgrad.hpp"

using namespace ctgrad;
template <class T> using rm = eigen::row_major_matrix<T>;

namespace {
bool contains(const absl::Status& st, const std::string& text) {
  return st.message().find(text) != std::string_view::npos;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(adapters_eigen)

BOOST_AUTO_TEST_CASE(row_major_matrix_is_bound_in_place) {
  var<"W", float, shape<2, 3>> W;
  rm<float> w(2, 3);
  auto b = eigen::bind(W, w);
  BOOST_TEST_REQUIRE(b.ok());
  BOOST_TEST(b->data == w.data());
  BOOST_TEST(b->size == 6u);
}

// loss = sum(x W + c) over a batch: dW = x^T 1, dc = (batch, ...), checked against Eigen's own
// arithmetic on the same matrices, in float and double.
template <class T> void check_linear_layer() {
  var<"x", T, shape<dyn, 3>> x;
  var<"W", T, shape<3, 2>> W;
  var<"c", T, shape<2>> c;
  auto loss = sum(square(matmul(x, W) + c));
  auto gs = grad(loss, W, c);
  auto prog = compile(gs);
  rm<T> xs(4, 3), ws(3, 2);
  xs << 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12;
  ws << 0.5, -1, 0.25, 2, -0.75, 1;
  Eigen::Matrix<T, 2, 1> cs(0.5, -0.5);   // a column vector: either orientation binds to shape<2>
  absl::Status st = eigen::run(prog, eigen::bind(x, xs), eigen::bind(W, ws), eigen::bind(c, cs));
  BOOST_TEST_REQUIRE(st.ok(), st.ToString());

  rm<T> y = (xs * ws).rowwise() + cs.transpose();
  BOOST_TEST(prog[loss].item() == y.squaredNorm(), boost::test_tools::tolerance(T(1e-5)));
  rm<T> dW = xs.transpose() * (2 * y);
  auto got = eigen::map(prog[gs[W]]);
  BOOST_TEST(got.rows() == 3);
  BOOST_TEST(got.cols() == 2);
  BOOST_TEST((got - dW).cwiseAbs().maxCoeff() <= T(1e-4) * dW.cwiseAbs().maxCoeff());
  auto dc = eigen::map(prog[gs[c]]);
  BOOST_TEST((dc.transpose() - (2 * y).colwise().sum().transpose()).cwiseAbs().maxCoeff() <= T(1e-3));
}
BOOST_AUTO_TEST_CASE(linear_layer_gradients_match_eigen_float) { check_linear_layer<float>(); }
BOOST_AUTO_TEST_CASE(linear_layer_gradients_match_eigen_double) { check_linear_layer<double>(); }

BOOST_AUTO_TEST_CASE(vectors_of_either_orientation_and_maps_bind) {
  var<"v", double, shape<dyn>> v;
  Eigen::VectorXd col = Eigen::VectorXd::LinSpaced(5, 1, 5);
  Eigen::RowVectorXd row = col.transpose();
  std::vector<double> buffer{1, 2, 3};
  Eigen::Map<const Eigen::VectorXd> mapped(buffer.data(), 3);
  auto s = sum(v);
  auto prog = compile(s);
  BOOST_TEST_REQUIRE(eigen::run(prog, eigen::bind(v, col)).ok());
  BOOST_TEST(prog[s].item() == 15.0);
  BOOST_TEST_REQUIRE(eigen::run(prog, eigen::bind(v, row)).ok());
  BOOST_TEST(prog[s].item() == 15.0);
  BOOST_TEST_REQUIRE(eigen::run(prog, eigen::bind(v, mapped)).ok());
  BOOST_TEST(prog[s].item() == 6.0);
  BOOST_TEST(eigen::bind(v, mapped)->data == buffer.data());
}

BOOST_AUTO_TEST_CASE(whole_rows_and_transposes_bind_in_place) {
  var<"x", float, shape<dyn, 3>> x;
  rm<float> big(5, 3);
  auto rows = eigen::bind(x, big.middleRows(1, 3));        // rows 1..3: contiguous
  BOOST_TEST_REQUIRE(rows.ok());
  BOOST_TEST(rows->data == big.data() + 3);
  BOOST_TEST(rows->size == 9u);
  // A column-major 3 x 4 matrix is, in memory, the row-major 4 x 3 matrix: its transpose binds.
  Eigen::MatrixXf colmajor(3, 4);
  auto t = eigen::bind(x, colmajor.transpose());
  BOOST_TEST_REQUIRE(t.ok());
  BOOST_TEST(t->data == colmajor.data());
  BOOST_TEST(t->size == 12u);
}

BOOST_AUTO_TEST_CASE(labels_bind_from_integer_vectors) {
  var<"z", float, shape<dyn, 3>> z;
  var<"y", int, shape<dyn>> y;
  auto loss = cross_entropy<reduction::sum>(z, y);
  auto prog = compile(loss);
  rm<float> logits = rm<float>::Zero(2, 3);
  Eigen::VectorXi labels(2);
  labels << 0, 2;
  BOOST_TEST_REQUIRE(eigen::run(prog, eigen::bind(z, logits), eigen::bind(y, labels)).ok());
  BOOST_TEST(prog[loss].item() == 2 * std::log(3.0f), boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(extents_that_differ_are_errors_naming_the_variable) {
  var<"W", float, shape<2, 3>> W;
  var<"x", float, shape<dyn, 3>> x;
  var<"v", float, shape<4>> v;
  rm<float> w32(3, 2), x44(4, 4), m22(2, 2);
  Eigen::VectorXf v3(3);
  auto a = eigen::bind(W, w32);
  BOOST_TEST(absl::IsInvalidArgument(a.status()));
  BOOST_TEST(contains(a.status(), "variable 'W' has shape [2, 3]; the Eigen object is 3 x 2"), a.status().ToString());
  auto b = eigen::bind(x, x44);
  BOOST_TEST(contains(b.status(), "variable 'x' has shape [dyn, 3]; the Eigen object is 4 x 4"), b.status().ToString());
  auto c = eigen::bind(v, v3);
  BOOST_TEST(contains(c.status(), "variable 'v' has shape [4]; the Eigen object is 3 x 1"), c.status().ToString());
  auto d = eigen::bind(v, m22);
  BOOST_TEST(contains(d.status(), "not a vector"), d.status().ToString());
}

BOOST_AUTO_TEST_CASE(non_contiguous_storage_is_an_error_not_a_copy) {
  var<"W", float, shape<2, 2>> W;
  var<"v", float, shape<3>> v;
  rm<float> big(4, 4);
  auto a = eigen::bind(W, big.block(0, 0, 2, 2));          // part of each row
  BOOST_TEST(absl::IsInvalidArgument(a.status()));
  BOOST_TEST(contains(a.status(), "rows are not contiguous (row stride 4, column stride 1; needs 2 and 1)"),
             a.status().ToString());
  auto b = eigen::bind(v, big.col(1).head(3));             // a column of a row-major matrix
  BOOST_TEST(contains(b.status(), "elements are 4 apart"), b.status().ToString());
}

BOOST_AUTO_TEST_CASE(run_returns_the_first_bind_error_and_does_not_run) {
  var<"x", double, shape<dyn, 2>> x;
  var<"w", double, shape<2>> w;
  auto f = sum(matmul(x, w));
  auto prog = compile(f);
  rm<double> xs(3, 3);
  std::vector<double> ws{1, 2};
  absl::Status st = eigen::run(prog, eigen::bind(x, xs), w = ws);
  BOOST_TEST(absl::IsInvalidArgument(st));
  BOOST_TEST(contains(st, "variable 'x'"), st.ToString());
  BOOST_TEST(prog.batch() == 0u);   // never ran
}

BOOST_AUTO_TEST_CASE(a_tensor_is_writable_through_an_eigen_map) {
  // (4 x 4: with fewer elements than one AVX-512 packet, GCC 12 -O3 warns about Eigen's dead packet
  // path, -Warray-bounds, a false positive)
  tensor<double, shape<4, 4>> t;
  eigen::map(t.view()) = rm<double>::Constant(4, 4, 1.5);
  BOOST_TEST(t(1, 2) == 1.5);
  BOOST_TEST(eigen::map(t.view()).data() == t.data());
}

BOOST_AUTO_TEST_SUITE_END()
