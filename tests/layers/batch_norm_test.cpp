// Batch norm: normalised batch statistics in training, running averages in evaluation.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "staticgrad/staticgrad.hpp"
#include "test_data.hpp"

using namespace sg;

BOOST_AUTO_TEST_SUITE(batch_norm)

BOOST_AUTO_TEST_CASE(training_normalises_and_updates_running_statistics) {
  constexpr std::size_t n = 4, m = 64;
  auto model = make_model<double>(sequential<3>(Dense<3, n>{}, BatchNorm<n>{.epsilon = 1e-5, .momentum = 0.9}), 1);
  const auto x = test::normal_matrix(3, m, 2, 3.0);
  model.bind<"x">(x);
  model.forward();
  auto z = model.output<"layer1">();
  auto out = model.output<"layer2">();
  auto rm = model.param_view(model.find_parameter("layer2.running_mean"));
  auto rv = model.param_view(model.find_parameter("layer2.running_var"));
  for (std::size_t i = 0; i < n; ++i) {
    double mean = 0, var = 0, zmean = 0, zvar = 0;
    for (std::size_t j = 0; j < m; ++j) { mean += out(i, j) / m; zmean += z(i, j) / m; }
    for (std::size_t j = 0; j < m; ++j) {
      var += (out(i, j) - mean) * (out(i, j) - mean) / m;
      zvar += (z(i, j) - zmean) * (z(i, j) - zmean) / m;
    }
    BOOST_TEST(std::abs(mean) < 1e-12);                                           // gamma 1, beta 0
    BOOST_TEST(var == zvar / (zvar + 1e-5), boost::test_tools::tolerance(1e-10));  // unit variance up to eps
    BOOST_TEST(rm(i, 0) == 0.1 * zmean, boost::test_tools::tolerance(1e-12));     // 0.9 * 0 + 0.1 * mean
    BOOST_TEST(rv(i, 0) == 0.9 + 0.1 * zvar, boost::test_tools::tolerance(1e-12));
  }
}

BOOST_AUTO_TEST_CASE(evaluation_uses_running_statistics_per_sample) {
  constexpr std::size_t n = 2;
  auto model = make_model<double>(sequential<2>(BatchNorm<n>{}), 1);
  auto rm = model.param_view(model.find_parameter("layer1.running_mean"));
  auto rv = model.param_view(model.find_parameter("layer1.running_var"));
  rm(0, 0) = 1; rm(1, 0) = -2; rv(0, 0) = 4; rv(1, 0) = 0.25;
  Matrix<double> x(2, 1);
  x(0, 0) = 3; x(1, 0) = -1;
  model.set_mode(Mode::eval);
  model.bind<"x">(x);
  model.forward();
  auto out = model.output<"layer1">();
  BOOST_TEST(out(0, 0) == (3 - 1) / std::sqrt(4 + 1e-5), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(out(1, 0) == (-1 + 2) / std::sqrt(0.25 + 1e-5), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(rm(0, 0) == 1.0);  // evaluation leaves the running statistics alone
}

BOOST_AUTO_TEST_SUITE_END()
