// The fused channel batch norm (ops/channel_norm.hpp): the course's gradient check, and its value and
// all three gradients equal to the composite the autodiff derives from the same formula; for images
// (BatchNorm2D: C channels of G pixels) and for plain features (BatchNorm: N channels of one pixel,
// against the graph BatchNorm was built from before it used the fused op).
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>

#include "staticgrad/core/random.hpp"
#include "staticgrad/graph/gradient_check.hpp"
#include "staticgrad/ops/all.hpp"

using namespace sg;

namespace {
constexpr std::size_t m = 5;
constexpr double eps = 1e-5;

// gamma * ((z - mu) / sqrt(var + eps)) + beta with mu, var per channel over samples and pixels.
template <std::size_t G, class Z, class Gamma, class Beta>
auto composite(Z z, Gamma gamma, Beta beta) {
  auto channel_mean = [](auto x) { return sum_row_groups<G>(mean_cols(x)) * (1.0 / static_cast<double>(G)); };
  auto centred = z - repeat_rows<G>(channel_mean(z));
  auto variance = channel_mean(square(centred));
  return repeat_rows<G>(gamma) * (centred / repeat_rows<G>(sqrt(variance + eps))) + repeat_rows<G>(beta);
}
// The same for plain features, as BatchNorm's training graph was: mean_cols over the samples.
template <class Z, class Gamma, class Beta>
auto composite_features(Z z, Gamma gamma, Beta beta) {
  auto centred = z - mean_cols(z);
  auto variance = mean_cols(square(centred));
  return gamma * (centred / sqrt(variance + eps)) + beta;
}

// Value and gradients of sum(weights * f(z, gamma, beta)) at fixed inputs.
template <std::size_t C, std::size_t G, class F>
std::vector<double> value_and_gradients(F f) {
  ParameterContext<double> ctx;
  const std::size_t rows[3] = {C * G, C, C}, cols[3] = {m, 1, 1};
  for (std::size_t s = 0; s < 3; ++s) {
    Matrix<double> v(rows[s], cols[s]);
    for (std::size_t k = 0; k < v.size(); ++k) v[k] = (s == 1 ? 1.0 : 0.0) + random::normal(11, s, k);
    ctx.values.push_back(std::move(v));
    ctx.gradients.emplace_back(rows[s], cols[s]);
    ctx.gradients.back().fill(0.0);
  }
  auto out = f(ParamLeaf<double, C * G, batch>{0}, ParamLeaf<double, C, 1>{1}, ParamLeaf<double, C, 1>{2});
  ConstLeaf<double, C * G, batch> weights;
  weights.values.resize(C * G, m);
  for (std::size_t k = 0; k < weights.values.size(); ++k) weights.values[k] = random::normal(12, 0, k);
  auto cost = sum_all(multiply(out, weights));
  cost.forward(ctx, m);
  cost.zeroed_adjoint(m).data[0] = 1.0;
  cost.backward(ctx, m);
  std::vector<double> all{cost.value()(0, 0)};
  for (const auto& g : ctx.gradients) all.insert(all.end(), g.data(), g.data() + g.size());
  return all;
}


template <std::size_t C, std::size_t G>
void check_gradient() {
  const auto r = check_expression_gradient<Shape<C * G, batch>, Shape<C, 1>, Shape<C, 1>>(
      [](auto z, auto gamma, auto beta) { return channel_batch_norm<C, G>(z, gamma, beta, eps); }, {.seed = 3}, m);
  BOOST_TEST_INFO("relative difference " << r.relative_difference);
  BOOST_TEST(r.checked > 0u);
  BOOST_TEST(r.relative_difference < 1e-7);
}

template <std::size_t C, std::size_t G, class Composite>
void check_equals_composite(Composite composite_graph) {
  const auto fused = value_and_gradients<C, G>(
      [](auto z, auto gamma, auto beta) { return channel_batch_norm<C, G>(z, gamma, beta, eps); });
  const auto derived = value_and_gradients<C, G>(composite_graph);
  BOOST_REQUIRE(fused.size() == derived.size());
  double worst = 0, scale = 0;
  for (std::size_t k = 0; k < fused.size(); ++k) {
    worst = std::max(worst, std::abs(fused[k] - derived[k]));
    scale = std::max(scale, std::abs(derived[k]));
  }
  BOOST_TEST_MESSAGE("fused vs derived (C " << C << ", G " << G << "): max difference " << worst
                                            << " of values up to " << scale);
  BOOST_TEST(scale > 0.1);
  BOOST_TEST(worst < 1e-12 * (1 + scale));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(channel_norm_op)

BOOST_AUTO_TEST_CASE(passes_the_gradient_check) {
  check_gradient<3, 6>();  // channels of an image
  check_gradient<4, 1>();  // plain features
}

BOOST_AUTO_TEST_CASE(equals_the_derived_composite) {
  check_equals_composite<3, 6>([](auto z, auto gamma, auto beta) { return composite<6>(z, gamma, beta); });
  check_equals_composite<4, 1>(
      [](auto z, auto gamma, auto beta) { return composite_features(z, gamma, beta); });
}

BOOST_AUTO_TEST_SUITE_END()
