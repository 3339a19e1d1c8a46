// check-output: cube op, correct VJP: +relative difference +[0-9.e-]+ +passed
// check-output: cube op, broken VJP: +relative difference +[0-9.e-]+ +FAILED, worst at p0\[[0-9]+\]
// check-output: network, correct: +relative difference +[0-9.e-]+ +passed
// check-output: network, broken: +relative difference +[0-9.e-]+ +FAILED, worst at fc[12]\.[Wb]\[[0-9]+\]
//
// gradient_check - is backprop right? Compare it with the slope measured from the cost itself.
//
// For every parameter element theta_i, the course's two-sided difference
//
//   dtheta_approx_i = (J(theta_i + eps) - J(theta_i - eps)) / (2 eps),   eps = 1e-7
//
// is compared with dtheta_i from backprop by
//
//   diff = ||dtheta_approx - dtheta||_2 / (||dtheta_approx||_2 + ||dtheta||_2)
//
// which should be below 1e-7 (near 1e-5 deserves a look, 1e-3 is a bug). It needs double precision:
// in float, J(theta + eps) and J(theta - eps) differ only in their last bits. It is slow (two passes
// per parameter), so it checks a small network on a few examples once, never during training.
//
// staticgrad derives every layer's gradient from its ops, so a bug can only hide in an op's
// vector-Jacobian product (VJP), and most likely in one you wrote yourself. This program writes an op,
// y = x^3, twice: once right (dy/dx = 3x^2) and once with a classic slip (2x^2), and shows the check
// catching the slip in the op alone, then in a whole network, where the per-parameter breakdown points
// at the layers before the broken one.
#include <array>
#include <cmath>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "staticgrad/graph/model_gradient_check.hpp"
#include "staticgrad/staticgrad.hpp"

#include "common/command_line.hpp"

namespace {

// [snippet:cube_op]
// An op is its shape rule, its forward and its VJP, side by side. `slip` scales the derivative: 1 is
// right, 2/3 turns 3x^2 into 2x^2, the bug this program plants.
struct CubeOp {
  double slip = 1;
  template <class X>
  using result = X;  // elementwise: same shape as the input

  template <class T>
  void forward(sg::View<T> y, sg::ConstView<T> x) const {
    for (std::size_t k = 0; k < y.size(); ++k) y.data[k] = x.data[k] * x.data[k] * x.data[k];
  }
  // dx += dy * dy/dx. dx.data is null when the input needs no gradient.
  template <class T>
  void backward(sg::ConstView<T> dy, sg::ConstView<T>, sg::ConstView<T> x, sg::View<T> dx) const {
    if (!dx.data) return;
    const T derivative_factor = static_cast<T>(3 * slip);
    for (std::size_t k = 0; k < dx.size(); ++k) dx.data[k] += dy.data[k] * derivative_factor * x.data[k] * x.data[k];
  }
};

template <sg::Expression X>
auto cube(X x, double slip = 1) {
  return sg::make_node(CubeOp{slip}, x);
}

// A layer around the op, so that a network can use it: no parameters, one input of any width.
struct Cube {
  static constexpr sg::fixed_string kind{"Cube"};
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<sg::ParamDecl, 0> params{};
  double slip = 1;
  template <class B, class Z>
  auto build(const B&, Z z) const {
    return cube(z, slip);
  }
};
// [/snippet]

// [snippet:gradient_check_network]
// A small network in double precision: tanh, the user's cube layer, dropout, softmax, and L2.
auto make_network(double slip) {
  return sg::network(sg::input<"x", 6>(), sg::input<"y", 3>(),
                     sg::layer<"fc1", "x">(sg::Dense<6, 5>{.weight_init = sg::Init::xavier}),
                     sg::layer<"tanh1", "fc1">(sg::Tanh{}),
                     sg::layer<"fc2", "tanh1">(sg::Dense<5, 4>{.weight_init = sg::Init::xavier}),
                     sg::layer<"cube", "fc2">(Cube{.slip = slip}),
                     sg::layer<"drop", "cube">(sg::Dropout{.keep_prob = 0.8}),
                     sg::layer<"logits", "drop">(sg::Dense<4, 3>{.weight_init = sg::Init::xavier}),
                     sg::loss<"cost", "logits", "y">(sg::SoftmaxCrossEntropy{}));
}
// [/snippet]

std::string verdict(const sg::GradientCheckResult& r) {
  if (r.passed()) return fmt::format("passed");
  return fmt::format("FAILED, worst at {}[{}]: numeric {:.6f}, backprop {:.6f}", r.worst_parameter, r.worst_index,
                     r.worst_numeric, r.worst_analytic);
}

// The check parameter by parameter: where a whole-model check fails, this says which parameters'
// gradients are wrong, so which part of the network to read.
template <class Model>
void per_parameter(Model& model) {
  model.forward();
  model.backward();
  const std::vector<double> analytic(model.gradients().begin(), model.gradients().end());
  for (const sg::ParamSlice& s : model.slices()) {
    const sg::NamedParameter p{std::string(s.name), model.parameters().subspan(s.offset, s.size),
                               std::span<const double>(analytic).subspan(s.offset, s.size)};
    const sg::GradientCheckResult r = sg::gradient_check(std::span(&p, 1), [&] { return model.forward(); });
    fmt::print("    {:<10} relative difference {:9.2e}  {}\n", s.name, r.relative_difference,
               r.passed() ? "ok" : "wrong");
  }
}

// Builds the network, binds a fixed batch of m = 8 random examples and checks it.
bool check_network(std::string_view label, double slip, bool expect_pass) {
  // [snippet:gradient_check_model]
  auto model = sg::make_model<double>(make_network(slip), /*seed=*/7);
  model.set_l2(0.3);  // the L2 term is part of J, so its gradient is checked too
  sg::Matrix<double> X(6, 8), Y(3, 8);
  for (std::size_t k = 0; k < X.size(); ++k) X[k] = sg::random::normal(11, 1, k);
  for (std::size_t j = 0; j < 8; ++j) Y(sg::random::below(3, 11, 2, j), j) = 1;
  model.bind<"x">(X);
  model.bind<"y">(Y);
  // The check keeps the mode and the step fixed, so dropout draws the same mask for every J(theta +- eps):
  // the course turns dropout off instead, which would leave its gradient unchecked.
  const sg::GradientCheckResult r = sg::check_model_gradient(model);
  fmt::print("{:<24} relative difference {:9.2e}  {}\n", label, r.relative_difference, verdict(r));
  // [/snippet]
  fmt::print("  checked {} parameter elements; by parameter:\n", r.checked);
  per_parameter(model);
  return r.passed() == expect_pass;
}

// GCC 12 reports a false -Wrestrict in check_expression_gradient's `"p" + std::to_string(s)`, inlined here
// (GCC bug 105651, fixed in GCC 13); the library itself is fine.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wrestrict"
#endif
int run() {
  fmt::print("two-sided differences, eps = 1e-7, pass below 1e-7\n\n");
  // [snippet:gradient_check_op]
  // The op alone: check_expression_gradient draws x (3 x m, m = 3) at random, reduces cube(x) to a
  // scalar with fixed random weights, and compares the gradient of that scalar with respect to x ("p0").
  const sg::GradientCheckResult right =
      sg::check_expression_gradient<sg::Shape<3, sg::batch>>([](auto x) { return cube(x); });
  const sg::GradientCheckResult wrong =
      sg::check_expression_gradient<sg::Shape<3, sg::batch>>([](auto x) { return cube(x, 2.0 / 3.0); });
  fmt::print("{:<24} relative difference {:9.2e}  {}\n", "cube op, correct VJP:", right.relative_difference,
             verdict(right));
  fmt::print("{:<24} relative difference {:9.2e}  {}\n", "cube op, broken VJP:", wrong.relative_difference,
             verdict(wrong));
  // [/snippet]
  fmt::print("\n");
  // The network under check; the summary names the user's layer by its kind, "Cube".
  fmt::print("{}\n", sg::make_model<double>(make_network(1.0)).summary());
  bool as_expected = right.passed() && !wrong.passed();
  as_expected = check_network("network, correct:", 1.0, true) && as_expected;
  fmt::print("\n");
  as_expected = check_network("network, broken:", 2.0 / 3.0, false) && as_expected;
  fmt::print("\nThe wrong gradients are those of fc1 and fc2, before the cube layer; logits, after it, is\n"
             "right: backprop goes wrong where it passes through the cube layer's VJP.\n");
  if (!as_expected) {
    fmt::print(stderr, "gradient_check: error: a check did not give the expected verdict\n");
    return 1;
  }
  return 0;
}
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic pop
#endif

}  // namespace

int main(int argc, char** argv) {
  bool short_run = false;  // accepted for CI: the program is already quick
  example::CommandLine cli(
      "gradient_check",
      "Checks backprop against two-sided differences: a user-written op y = x^3 with a right and a wrong\n"
      "gradient, then a small double-precision network built with it. Needs no data set.");
  cli.flag("--short", short_run, "accepted for CI (the program is already quick)");
  return cli.run(argc, argv, run);
}
