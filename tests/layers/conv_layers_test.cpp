// Convolutional layers inside models: image shapes computed by the compiler, gradient checks of whole
// networks in double (< 1e-7) in training and evaluation modes, batch norm over channels, a residual
// block in the functional form, and He initialisation from the fan-in C K K.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <string>
#include <type_traits>

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
constexpr std::size_t m = 4;

// The network, small: conv, batch norm, ReLU, max pool twice, flatten, a deduced dense layer.
auto small_cnn() {
  return sequential<Image<2, 9, 8>>(Conv2D<3, 3, ConvOptions{.pad = 1}>{}, BatchNorm2D{}, ReLU{}, MaxPool2D<2>{},
                                    Conv2D<4, 3, ConvOptions{.stride = 2, .pad = 1, .bias = false}>{}, BatchNorm2D{},
                                    Tanh{}, Flatten{}, Dense<deduced, 5>{}, Tanh{}, Dense<5, 3>{},
                                    SoftmaxCrossEntropy{});
}

template <class M>
void set_batch_norm_affine(M& model, const char* node, std::size_t channels) {
  auto gamma = model.param_view(model.find_parameter(std::string(node) + ".gamma"));
  auto beta = model.param_view(model.find_parameter(std::string(node) + ".beta"));
  for (std::size_t c = 0; c < channels; ++c) {
    gamma(c, 0) = 0.6 + 0.2 * static_cast<double>(c);
    beta(c, 0) = 0.1 * static_cast<double>(c) - 0.15;
  }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(conv_layers)

BOOST_AUTO_TEST_CASE(image_shapes_are_computed_by_the_compiler) {
  using M = decltype(make_model<float>(small_cnn()));
  // Conv 3x3 pad 1: 9x8 -> 9x8; max pool 2: -> 4x4; conv 3x3 stride 2 pad 1: floor((4 + 2 - 3) / 2) + 1 = 2.
  auto model = make_model<float>(small_cnn());
  const std::string s = model.summary();
  BOOST_TEST(s.find("3x9x8xm") != std::string::npos);
  BOOST_TEST(s.find("3x4x4xm") != std::string::npos);
  BOOST_TEST(s.find("4x2x2xm") != std::string::npos);
  BOOST_TEST(s.find("Flatten                    16xm") != std::string::npos);
  // W of the first conv: 3 x (2 * 3 * 3) + b 3; the second: 4 x (3 * 3 * 3), no bias; dense 5 x 16 + 5.
  static_assert(M::parameter_count == (3 * 18 + 3) + 4 * 3 + (4 * 27) + 4 * 4 + (5 * 16 + 5) + (3 * 5 + 3));
  BOOST_TEST(model.parameter_shape(model.find_parameter("layer5.W")).second == 27u);
  BOOST_TEST(model.find_parameter("layer5.b") == M::slot_count);  // .bias = false
  BOOST_TEST(model.architecture().find("layer4 MaxPool2D <- layer3 : 48xm image 3x4x4") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cnn_passes_the_gradient_check_in_both_modes) {
  const auto x = test::normal_matrix(2 * 9 * 8, m, 1);
  const auto y = test::one_hot_matrix(3, m, 2);
  auto model = make_model<double>(small_cnn(), 3);
  set_batch_norm_affine(model, "layer2", 3);
  set_batch_norm_affine(model, "layer6", 4);
  model.bind<"x">(x);
  model.bind<"y">(y);
  require_gradient_ok(model, "training mode");
  // Evaluation mode: running statistics away from 0 and 1.
  for (const char* node : {"layer2", "layer6"}) {
    auto mean = model.param_view(model.find_parameter(std::string(node) + ".running_mean"));
    auto var = model.param_view(model.find_parameter(std::string(node) + ".running_var"));
    for (std::size_t c = 0; c < mean.rows; ++c) {
      mean(c, 0) = 0.05 * static_cast<double>(c);
      var(c, 0) = 0.8 + 0.1 * static_cast<double>(c);
    }
  }
  model.set_mode(Mode::eval);
  require_gradient_ok(model, "evaluation mode");
}

BOOST_AUTO_TEST_CASE(average_and_global_pooling_and_dropout_pass_the_gradient_check) {
  const auto x = test::normal_matrix(3 * 6 * 7, m, 4);
  const auto y = test::one_hot_matrix(2, m, 5);
  auto model = make_model<double>(
      sequential<Image<3, 6, 7>>(Conv2D<4, 3>{}, Sigmoid{}, AvgPool2D<2, PoolOptions{.stride = 1, .pad = 1}>{},
                                 Dropout{0.7}, Conv2D<5, 2, ConvOptions{.stride = 2}>{}, LeakyReLU{},
                                 GlobalAvgPool{}, Dense<5, 2>{}, SoftmaxCrossEntropy{}),
      6);
  model.bind<"x">(x);
  model.bind<"y">(y);
  require_gradient_ok(model, "avg pool, dropout, global average pool");
  BOOST_TEST(model.summary().find("GlobalAvgPool              5xm") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(residual_block_in_the_functional_form) {
  // [snippet:residual_block]
  auto net = network(input<"x", Image<2, 5, 5>>(), input<"y", 3>(),
                     layer<"stem", "x">(Conv2D<3, 3, ConvOptions{.pad = 1}>{}),
                     layer<"stem_act", "stem">(ReLU{}),
                     layer<"conv_a", "stem_act">(Conv2D<3, 3, ConvOptions{.pad = 1}>{}),
                     layer<"act_a", "conv_a">(Tanh{}),
                     layer<"conv_b", "act_a">(Conv2D<3, 3, ConvOptions{.pad = 1}>{}),
                     layer<"sum", "conv_b", "stem_act">(Add{}),  // two image paths summed
                     layer<"pool", "sum">(GlobalAvgPool{}),
                     layer<"logits", "pool">(Dense<deduced, 3>{}),
                     loss<"cost", "logits", "y">(SoftmaxCrossEntropy{}));
  // [end:residual_block]
  const auto x = test::normal_matrix(50, m, 7);
  const auto y = test::one_hot_matrix(3, m, 8);
  auto model = make_model<double>(net, 9);
  model.bind<"x">(x);
  model.bind<"y">(y);
  BOOST_TEST(model.summary().find("sum              Add                        3x5x5xm") != std::string::npos);
  require_gradient_ok(model, "residual block");
}

BOOST_AUTO_TEST_CASE(batch_norm_2d_normalises_each_channel_over_batch_and_pixels) {
  auto model = make_model<double>(sequential<Image<3, 4, 5>>(BatchNorm2D<>{.epsilon = 1e-5, .momentum = 0.9}), 1);
  auto x = test::normal_matrix(60, 6, 11);
  for (std::size_t j = 0; j < 6; ++j)  // channel c has mean c and deviation 1 + c
    for (std::size_t c = 0; c < 3; ++c)
      for (std::size_t p = 0; p < 20; ++p) x(c * 20 + p, j) = static_cast<double>(c) + (1.0 + c) * x(c * 20 + p, j);
  model.bind<"x">(x);
  model.forward();
  const auto out = model.output<"layer1">();
  auto rm = model.param_view(model.find_parameter("layer1.running_mean"));
  auto rv = model.param_view(model.find_parameter("layer1.running_var"));
  for (std::size_t c = 0; c < 3; ++c) {
    double mean = 0, var = 0, in_mean = 0, in_var = 0;
    for (std::size_t j = 0; j < 6; ++j)
      for (std::size_t p = 0; p < 20; ++p) {
        mean += out(c * 20 + p, j);
        in_mean += x(c * 20 + p, j);
      }
    mean /= 120;
    in_mean /= 120;
    for (std::size_t j = 0; j < 6; ++j)
      for (std::size_t p = 0; p < 20; ++p) {
        var += (out(c * 20 + p, j) - mean) * (out(c * 20 + p, j) - mean);
        in_var += (x(c * 20 + p, j) - in_mean) * (x(c * 20 + p, j) - in_mean);
      }
    var /= 120;
    in_var /= 120;
    BOOST_TEST(std::abs(mean) < 1e-12);
    BOOST_TEST(var == in_var / (in_var + 1e-5), boost::test_tools::tolerance(1e-10));
    BOOST_TEST(rm(c, 0) == 0.1 * in_mean, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(rv(c, 0) == 0.9 + 0.1 * in_var, boost::test_tools::tolerance(1e-12));
  }
  // Evaluation mode: (z - running mean) / sqrt(running var + eps), one sample at a time.
  model.set_mode(Mode::eval);
  Matrix<double> one(60, 1);
  for (std::size_t i = 0; i < 60; ++i) one(i, 0) = x(i, 2);
  model.bind<"x">(one);
  model.forward();
  const auto e = model.output<"layer1">();
  for (std::size_t c = 0; c < 3; ++c)
    BOOST_TEST(e(c * 20 + 7, 0) == (one(c * 20 + 7, 0) - rm(c, 0)) / std::sqrt(rv(c, 0) + 1e-5),
               boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(conv_weights_start_from_he_with_fan_in_c_k_k) {
  auto model = make_model<double>(sequential<Image<16, 5, 5>>(Conv2D<64, 3>{}), 4);
  const auto w = model.param_view(model.find_parameter("layer1.W"));
  BOOST_TEST(w.rows == 64u);
  BOOST_TEST(w.cols == 16u * 9u);
  double sum = 0, squares = 0;
  for (std::size_t k = 0; k < w.size(); ++k) {
    sum += w.data[k];
    squares += w.data[k] * w.data[k];
  }
  const double n = static_cast<double>(w.size()), mean = sum / n;
  const double sd = std::sqrt(squares / n - mean * mean);
  BOOST_TEST(sd == std::sqrt(2.0 / 144.0), boost::test_tools::tolerance(0.03));  // 9,216 draws
  const auto b = model.param_view(model.find_parameter("layer1.b"));
  for (std::size_t k = 0; k < b.size(); ++k) BOOST_TEST(b.data[k] == 0.0);
}

BOOST_AUTO_TEST_SUITE_END()
