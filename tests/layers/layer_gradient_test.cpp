// Every layer and loss, inside a model, passes the two-sided gradient check in double (< 1e-7).
#include <boost/test/unit_test.hpp>

#include "staticgrad/graph/model_gradient_check.hpp"
#include "staticgrad/staticgrad.hpp"
#include "test_data.hpp"

using namespace sg;

namespace {
template <class Net>
void require_gradient_ok(Model<double, Net>& model, const char* what) {
  const GradientCheckResult r = check_model_gradient(model);
  BOOST_TEST_INFO(what << ": relative difference " << r.relative_difference << ", worst at " << r.worst_parameter
                       << "[" << r.worst_index << "] numeric " << r.worst_numeric << " analytic " << r.worst_analytic);
  BOOST_TEST(r.checked > 0u);
  BOOST_TEST(r.relative_difference < 1e-7);
}
constexpr std::size_t m = 6;
}  // namespace

BOOST_AUTO_TEST_SUITE(layer_gradients)

BOOST_AUTO_TEST_CASE(dense_with_each_activation_and_softmax_cross_entropy) {
  const auto x = test::normal_matrix(5, m, 1);
  const auto y = test::one_hot_matrix(3, m, 2);
  auto check = [&](auto activation, const char* name) {
    auto model = make_model<double>(
        sequential<5>(Dense<5, 4>{}, activation, Dense<4, 3>{}, SoftmaxCrossEntropy{}), 3);
    model.template bind<"x">(x);  // `template`: model's type depends on the lambda's parameter
    model.template bind<"y">(y);
    require_gradient_ok(model, name);
  };
  check(Sigmoid{}, "sigmoid");
  check(Tanh{}, "tanh");
  check(ReLU{}, "relu");
  check(LeakyReLU{}, "leaky relu");
  check(LeakyReLU{.slope = 0.2}, "leaky relu 0.2");
}

BOOST_AUTO_TEST_CASE(softmax_layer_with_mean_squared_error) {
  const auto x = test::normal_matrix(5, m, 4);
  const auto y = test::normal_matrix(3, m, 5);
  auto model = make_model<double>(sequential<5>(Dense<5, 3>{}, Softmax{}, MeanSquaredError{}), 6);
  model.bind<"x">(x);
  model.bind<"y">(y);
  require_gradient_ok(model, "softmax + mse");
}

BOOST_AUTO_TEST_CASE(binary_cross_entropy_logistic_regression) {
  const auto x = test::normal_matrix(4, m, 7);
  const auto y = test::binary_matrix(1, m, 8);
  auto model = make_model<double>(sequential<4>(Dense<4, 1>{}, BinaryCrossEntropy{}), 9);
  model.bind<"x">(x);
  model.bind<"y">(y);
  require_gradient_ok(model, "logistic regression");
}

BOOST_AUTO_TEST_CASE(masked_multi_label_loss) {
  auto net = network(input<"x", 5>(), input<"y", 3>(), input<"mask", 3>(),
                     layer<"fc", "x">(Dense<5, 3>{}),
                     loss<"cost", "fc", "y", "mask">(MaskedBinaryCrossEntropy{}));
  auto model = make_model<double>(net, 10);
  const auto x = test::normal_matrix(5, m, 11);
  const auto y = test::binary_matrix(3, m, 12);
  const auto mask = test::binary_matrix(3, m, 13);
  model.bind<"x">(x);
  model.bind<"y">(y);
  model.bind<"mask">(mask);
  require_gradient_ok(model, "masked binary cross-entropy");
}

BOOST_AUTO_TEST_CASE(dropout_in_training_mode) {
  const auto x = test::normal_matrix(5, m, 14);
  const auto y = test::one_hot_matrix(3, m, 15);
  auto model = make_model<double>(
      sequential<5>(Dense<5, 8>{}, Tanh{}, Dropout{.keep_prob = 0.6}, Dense<8, 3>{}, SoftmaxCrossEntropy{}), 16);
  model.bind<"x">(x);
  model.bind<"y">(y);
  model.set_step(5);  // the mask is a function of the step: fixed during the check
  require_gradient_ok(model, "dropout");
}

BOOST_AUTO_TEST_CASE(batch_norm_in_training_and_evaluation_modes) {
  const auto x = test::normal_matrix(5, m, 17);
  const auto y = test::one_hot_matrix(3, m, 18);
  auto model = make_model<double>(
      sequential<5>(Dense<5, 4>{}, BatchNorm<4>{}, Tanh{}, Dense<4, 3>{}, SoftmaxCrossEntropy{}), 19);
  model.bind<"x">(x);
  model.bind<"y">(y);
  // Non-trivial gamma and beta, so their gradients are not at a special point.
  auto gamma = model.param_view(model.find_parameter("layer2.gamma"));
  auto beta = model.param_view(model.find_parameter("layer2.beta"));
  for (std::size_t i = 0; i < 4; ++i) {
    gamma(i, 0) = 0.5 + 0.3 * static_cast<double>(i);
    beta(i, 0) = 0.1 * static_cast<double>(i) - 0.2;
  }
  require_gradient_ok(model, "batch norm, training mode");
  model.set_mode(Mode::eval);
  require_gradient_ok(model, "batch norm, evaluation mode");
}

BOOST_AUTO_TEST_CASE(l2_regularisation) {
  const auto x = test::normal_matrix(5, m, 20);
  const auto y = test::one_hot_matrix(3, m, 21);
  auto model = make_model<double>(sequential<5>(Dense<5, 4>{}, ReLU{}, Dense<4, 3>{}, SoftmaxCrossEntropy{}), 22);
  model.bind<"x">(x);
  model.bind<"y">(y);
  model.set_l2(0.7);
  require_gradient_ok(model, "l2");
}

BOOST_AUTO_TEST_CASE(dag_with_shared_trunk_and_weighted_losses) {
  auto net = network(input<"x", 5>(), input<"y_class", 3>(), input<"y_attr", 2>(),
                     layer<"trunk", "x">(Dense<5, 6>{}), layer<"act", "trunk">(Tanh{}),
                     layer<"class_logits", "act">(Dense<6, 3>{}), layer<"attr_logits", "act">(Dense<6, 2>{}),
                     loss<"class_cost", "class_logits", "y_class">(SoftmaxCrossEntropy{}, 1.0),
                     loss<"attr_cost", "attr_logits", "y_attr">(BinaryCrossEntropy{}, 0.3));
  auto model = make_model<double>(net, 23);
  const auto x = test::normal_matrix(5, m, 24);
  const auto yc = test::one_hot_matrix(3, m, 25);
  const auto ya = test::binary_matrix(2, m, 26);
  model.bind<"x">(x);
  model.bind<"y_class">(yc);
  model.bind<"y_attr">(ya);
  require_gradient_ok(model, "two heads");
}

BOOST_AUTO_TEST_CASE(a_node_read_twice_accumulates_both_adjoints) {
  // z = fc(x); the loss reads tanh(z) and, through a second path, z itself via a skip Dense.
  auto net = network(input<"x", 4>(), input<"y", 3>(), layer<"z", "x">(Dense<4, 4>{}), layer<"a", "z">(Tanh{}),
                     layer<"p", "a">(Dense<4, 3>{}), layer<"q", "z">(Dense<4, 3>{}),
                     loss<"l1", "p", "y">(SoftmaxCrossEntropy{}), loss<"l2", "q", "y">(SoftmaxCrossEntropy{}, 2.0));
  auto model = make_model<double>(net, 27);
  const auto x = test::normal_matrix(4, m, 28);
  const auto y = test::one_hot_matrix(3, m, 29);
  model.bind<"x">(x);
  model.bind<"y">(y);
  require_gradient_ok(model, "skip connection");
}

BOOST_AUTO_TEST_SUITE_END()
