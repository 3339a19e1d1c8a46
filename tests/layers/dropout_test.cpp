// Inverted dropout: kept fraction, preserved expectation, gradient = mask / keep_prob, identity in eval.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "staticgrad/staticgrad.hpp"
#include "test_data.hpp"

using namespace sg;

BOOST_AUTO_TEST_SUITE(dropout)

BOOST_AUTO_TEST_CASE(statistics_gradient_and_modes) {
  constexpr std::size_t n = 200, m = 500;  // 100,000 mask elements
  const double keep = 0.8;
  auto net = sequential<n>(Dense<n, n>{}, Dropout{.keep_prob = keep}, MeanSquaredError{});
  auto model = make_model<double>(net, 1);
  const auto x = test::normal_matrix(n, m, 2);
  const auto y = test::normal_matrix(n, m, 3);
  model.bind<"x">(x);
  model.bind<"y">(y);
  model.forward();
  model.backward();
  auto z = model.output<"layer1">();
  auto a = model.output<"layer2">();
  auto mask = model.state_of<"layer2">(0);
  std::size_t kept = 0;
  double sum_z = 0, sum_a = 0;
  for (std::size_t k = 0; k < mask.size(); ++k) {
    BOOST_REQUIRE(((mask.data[k] == 0) || std::abs(mask.data[k] - 1 / keep) < 1e-12));
    kept += mask.data[k] != 0;
    sum_z += std::abs(z.data[k]);
    sum_a += std::abs(a.data[k]);
  }
  const double fraction = double(kept) / double(mask.size());
  const double sigma = std::sqrt(keep * (1 - keep) / double(mask.size()));
  BOOST_TEST(std::abs(fraction - keep) < 5 * sigma);  // about 0.0063
  BOOST_TEST(sum_a / sum_z == 1.0, boost::test_tools::tolerance(0.01));  // E[a] = z
  // The derived gradient: dZ = dA * D / keep_prob.
  auto dz = model.gradient_of<"layer1">();
  auto da = model.gradient_of<"layer2">();
  for (std::size_t k = 0; k < mask.size(); ++k) BOOST_REQUIRE(dz.data[k] == da.data[k] * mask.data[k]);

  // A new step draws a new mask; the same step draws the same one.
  std::vector<double> first(mask.data, mask.data + mask.size());
  model.forward();
  BOOST_TEST(std::equal(first.begin(), first.end(), model.state_of<"layer2">(0).data));
  model.set_step(1);
  model.forward();
  BOOST_TEST(!std::equal(first.begin(), first.end(), model.state_of<"layer2">(0).data));

  // Evaluation mode: the identity.
  ModeGuard guard(model, Mode::eval);
  model.forward();
  auto ze = model.output<"layer1">();
  auto ae = model.output<"layer2">();
  for (std::size_t k = 0; k < ze.size(); ++k) BOOST_REQUIRE(ze.data[k] == ae.data[k]);
}

BOOST_AUTO_TEST_CASE(mode_guard_restores_the_previous_mode) {
  auto model = make_model<float>(sequential<3>(Dense<3, 2>{}, Dropout{}), 1);
  BOOST_TEST((model.mode() == Mode::train));
  {
    ModeGuard guard(model, Mode::eval);
    BOOST_TEST((model.mode() == Mode::eval));
  }
  BOOST_TEST((model.mode() == Mode::train));
}

BOOST_AUTO_TEST_SUITE_END()
