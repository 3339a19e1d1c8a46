// sg::repeat<N>(block...): the chain it stands for, node for node, and its gradients.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <string>

#include "../layers/test_data.hpp"
#include "staticgrad/graph/model_gradient_check.hpp"
#include "staticgrad/staticgrad.hpp"

using namespace sg;

namespace {
template <class A, class B>
bool same_bits(const A& a, const B& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(repeated_blocks)  // not "repeat": the suite is a namespace, sg::repeat would be ambiguous

BOOST_AUTO_TEST_CASE(is_the_chain_written_out) {
  // The block's layer settings are copied into every repetition (here Xavier instead of He).
  const Dense<6, 6> xavier{.weight_init = Init::xavier};
  auto repeated = make_model<double>(
      sequential<5>(Dense<5, 6>{}, repeat<3>(xavier, Tanh{}), Dense<6, 3>{}, SoftmaxCrossEntropy{}), 4);
  auto written = make_model<double>(sequential<5>(Dense<5, 6>{}, xavier, Tanh{}, xavier, Tanh{}, xavier,
                                                  Tanh{}, Dense<6, 3>{}, SoftmaxCrossEntropy{}),
                                    4);
  BOOST_TEST(repeated.summary() == written.summary());  // names, kinds, shapes, parameter counts
  BOOST_TEST(repeated.slices().size() == 10u);
  BOOST_TEST(same_bits(repeated.parameters(), written.parameters()));

  const auto x = test::normal_matrix(5, 7, 1);
  const auto y = test::one_hot_matrix(3, 7, 2);
  repeated.bind<"x">(x);
  repeated.bind<"y">(y);
  written.bind<"x">(x);
  written.bind<"y">(y);
  BOOST_TEST(repeated.forward() == written.forward());
  repeated.backward();
  written.backward();
  BOOST_TEST(same_bits(repeated.gradients(), written.gradients()));
  // Each repetition has its own parameters: a later layer's weights differ from an earlier one's.
  const auto w2 = repeated.param_view(repeated.find_parameter("layer2.W"));
  const auto w6 = repeated.param_view(repeated.find_parameter("layer6.W"));
  BOOST_TEST(std::memcmp(w2.data, w6.data, w2.size() * sizeof(double)) != 0);
}

BOOST_AUTO_TEST_CASE(several_repeats_and_a_deduced_width) {
  auto model =
      make_model<float>(sequential<Image<1, 6, 6>>(repeat<2>(Conv2D<2, 3, ConvOptions{.pad = 1}>{}, ReLU{}),
                                                   Flatten{}, repeat<2>(Dense<deduced, 8>{}, ReLU{}),
                                                   Dense<8, 2>{}, SoftmaxCrossEntropy{}),
                        1);
  const std::string summary = model.summary();
  // Conv, ReLU, Conv, ReLU (layers 1-4), Flatten (5), Dense, ReLU, Dense, ReLU (6-9), Dense, loss (10, 11).
  BOOST_TEST(summary.find("layer11 ") != std::string::npos);
  BOOST_TEST(summary.find("layer12") == std::string::npos);
  BOOST_TEST(model.find_parameter("layer3.W") < model.slices().size());
  BOOST_TEST(model.find_parameter("layer6.W") < model.slices().size());
  // Each repetition's deduced width is that of its own input: 2 x 6 x 6 = 72 after Flatten, then 8.
  BOOST_TEST(model.param_view(model.find_parameter("layer6.W")).cols == 72u);
  BOOST_TEST(model.param_view(model.find_parameter("layer8.W")).cols == 8u);
}

BOOST_AUTO_TEST_CASE(gradient_check_through_a_repeated_block) {
  auto model = make_model<double>(sequential<4>(repeat<3>(Dense<4, 4>{.weight_init = Init::xavier}, Tanh{}),
                                                Dense<4, 2>{}, SoftmaxCrossEntropy{}),
                                  8);
  const auto x = test::normal_matrix(4, 5, 3);
  const auto y = test::one_hot_matrix(2, 5, 4);
  model.bind<"x">(x);
  model.bind<"y">(y);
  const GradientCheckResult r = check_model_gradient(model);
  BOOST_TEST(r.checked == model.parameters().size());
  BOOST_TEST(r.relative_difference < 1e-7);
}

BOOST_AUTO_TEST_SUITE_END()
