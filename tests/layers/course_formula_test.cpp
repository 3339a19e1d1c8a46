// The gradients the autodiff derives are the course's hand-derived formulas.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "staticgrad/graph/gradient_check.hpp"
#include "staticgrad/staticgrad.hpp"
#include "test_data.hpp"

using namespace sg;

namespace {
// Evaluate g(z) on z's values, backpropagate an adjoint of ones: da/dz lands in z's gradient.
template <class F>
void derivative(F g, const Matrix<double>& z, Matrix<double>& a, Matrix<double>& dz) {
  ParameterContext<double> ctx;
  ctx.values.push_back(z);
  ctx.gradients.emplace_back(z.rows(), z.cols());
  auto e = g(ParamLeaf<double, 3, batch>{0});
  e.forward(ctx, z.cols());
  a = Matrix<double>(z.rows(), z.cols());
  for (std::size_t k = 0; k < a.size(); ++k) a[k] = e.value().data[k];
  e.zeroed_adjoint(z.cols()).data[0] = 0;
  auto adj = e.adjoint();
  for (std::size_t k = 0; k < adj.size(); ++k) adj.data[k] = 1;
  e.backward(ctx, z.cols());
  dz = ctx.gradients[0];
}
Matrix<double> points() {  // includes exact zeros and negatives: the step functions are tested at z = 0
  Matrix<double> z(3, 4);
  const double v[] = {-3, -0.5, 0, 0.25, 2, -1e-3, 0, 7, -7, 1, -2, 0.5};
  for (std::size_t k = 0; k < 12; ++k) z[k] = v[k];
  return z;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(course_formulas)

BOOST_AUTO_TEST_CASE(activation_derivatives) {
  const Matrix<double> z = points();
  Matrix<double> a, dz;
  derivative([](auto x) { return sigmoid(x); }, z, a, dz);
  for (std::size_t k = 0; k < z.size(); ++k) {
    BOOST_TEST(a[k] == 1 / (1 + std::exp(-z[k])), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(dz[k] == a[k] * (1 - a[k]), boost::test_tools::tolerance(1e-13));  // g'(z) = a(1-a)
  }
  derivative([](auto x) { return tanh(x); }, z, a, dz);
  for (std::size_t k = 0; k < z.size(); ++k) BOOST_TEST(dz[k] == 1 - a[k] * a[k], boost::test_tools::tolerance(1e-14));
  derivative([](auto x) { return relu(x); }, z, a, dz);
  for (std::size_t k = 0; k < z.size(); ++k) BOOST_TEST(dz[k] == (z[k] >= 0 ? 1.0 : 0.0));  // step, 1 at z = 0
  derivative([](auto x) { return leaky_relu(x); }, z, a, dz);
  for (std::size_t k = 0; k < z.size(); ++k) BOOST_TEST(dz[k] == (z[k] >= 0 ? 1.0 : 0.01));
}

// For sigmoid + binary CE and softmax + softmax CE: dZ[L] = A[L] - Y, dW[L] = (1/m) dZ A[L-1]^T,
// db[L] = (1/m) sum(dZ, axis=1). The model's cost is the mean over samples, so the adjoint of the
// logits is dZ / m.
template <class Loss, class Output>
void check_output_layer(Matrix<double> y, bool zero_weights) {
  constexpr std::size_t n = 3, m = 5;
  const auto x = test::normal_matrix(4, m, 31);
  auto net = network(input<"x", 4>(), input<"y", Loss::classes>(), layer<"hidden", "x">(Dense<4, n>{}),
                     layer<"act", "hidden">(Tanh{}), layer<"logits", "act">(Dense<n, Loss::classes>{}),
                     layer<"probs", "logits">(Output{}), loss<"cost", "logits", "y">(typename Loss::type{}));
  auto model = make_model<double>(net, 32);
  if (zero_weights)  // logits exactly 0: the kink-free formula must still hold (logistic regression from zeros)
    for (std::size_t s : {model.find_parameter("logits.W"), model.find_parameter("logits.b")}) {
      auto v = model.param_view(s);
      for (std::size_t k = 0; k < v.size(); ++k) v.data[k] = 0;
    }
  model.template bind<"x">(x);
  model.template bind<"y">(y);
  model.forward();
  model.backward();
  auto a = model.template output<"probs">();
  auto a_prev = model.template output<"act">();
  auto dz_adjoint = model.template gradient_of<"logits">();
  auto dw = model.gradients().subspan(model.slices()[model.find_parameter("logits.W")].offset);
  auto db = model.gradients().subspan(model.slices()[model.find_parameter("logits.b")].offset);
  const auto tol = boost::test_tools::tolerance(1e-12);
  for (std::size_t i = 0; i < Loss::classes; ++i) {
    double db_expected = 0;
    for (std::size_t j = 0; j < m; ++j) {
      const double dz = a(i, j) - y(i, j);
      BOOST_TEST(dz_adjoint(i, j) * m == dz, tol);
      db_expected += dz / m;
    }
    BOOST_TEST(db[i] == db_expected, tol);
    for (std::size_t k = 0; k < n; ++k) {
      double dw_expected = 0;
      for (std::size_t j = 0; j < m; ++j) dw_expected += (a(i, j) - y(i, j)) * a_prev(k, j) / m;
      BOOST_TEST(dw[i + k * Loss::classes] == dw_expected, tol);
    }
  }
}
struct BinaryCase {
  static constexpr std::size_t classes = 1;
  using type = BinaryCrossEntropy;
};
struct SoftmaxCase {
  static constexpr std::size_t classes = 4;
  using type = SoftmaxCrossEntropy;
};

BOOST_AUTO_TEST_CASE(sigmoid_binary_cross_entropy_gives_a_minus_y) {
  check_output_layer<BinaryCase, Sigmoid>(test::binary_matrix(1, 5, 33), false);
  check_output_layer<BinaryCase, Sigmoid>(test::binary_matrix(1, 5, 34), true);
}
BOOST_AUTO_TEST_CASE(softmax_cross_entropy_gives_a_minus_y) {
  check_output_layer<SoftmaxCase, Softmax>(test::one_hot_matrix(4, 5, 35), false);
  check_output_layer<SoftmaxCase, Softmax>(test::one_hot_matrix(4, 5, 36), true);
}

BOOST_AUTO_TEST_CASE(l2_gives_weight_decay_form) {
  constexpr std::size_t m = 6;
  const double lambda = 0.4;
  const auto x = test::normal_matrix(5, m, 37);
  const auto y = test::one_hot_matrix(3, m, 38);
  auto net = sequential<5>(Dense<5, 4>{}, ReLU{}, Dense<4, 3>{}, SoftmaxCrossEntropy{});
  auto plain = make_model<double>(net, 39);
  auto regularised = make_model<double>(net, 39);
  regularised.set_l2(lambda);
  for (auto* model : {&plain, &regularised}) {
    model->bind<"x">(x);
    model->bind<"y">(y);
  }
  const double j0 = plain.forward(), j1 = regularised.forward();
  double frobenius = 0;
  for (std::size_t s : {plain.find_parameter("layer1.W"), plain.find_parameter("layer3.W")}) {
    auto w = plain.param_view(s);
    for (std::size_t k = 0; k < w.size(); ++k) frobenius += w.data[k] * w.data[k];
  }
  BOOST_TEST(j1 == j0 + lambda / (2 * m) * frobenius, boost::test_tools::tolerance(1e-13));
  plain.backward();
  regularised.backward();
  for (std::size_t s = 0; s < plain.slot_count; ++s) {
    const auto& slice = plain.slices()[s];
    const bool weight = plain.role(s) == ParamRole::weight;
    for (std::size_t k = slice.offset; k < slice.offset + slice.size; ++k) {
      const double expected = plain.gradients()[k] + (weight ? lambda / m * plain.parameters()[k] : 0.0);
      BOOST_TEST(regularised.gradients()[k] == expected, boost::test_tools::tolerance(1e-12));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
