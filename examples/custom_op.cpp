// check-output: custom_op: gradient checks passed, training cost [0-9.]+ -> [0-9.]+, accuracy [0-9.]+
//
// examples/custom_op.cpp - adding an op in user code, the two ways docs/extending.md walks through:
//
//   1. a COMPOSITE op, SiLU (swish): silu(z) = z * sigmoid(z), written as a function of existing ops.
//      Its gradient is derived by the autodiff; there is no gradient code to write.
//   2. a PRIMITIVE op, elementwise sine: one struct holding its shape rule, forward and VJP side by side.
//
// Each is gradient-checked with sg::check_expression_gradient (two-sided differences in double, the
// course's relative difference, which must be < 1e-7), then wrapped in a layer, used in a small network
// whose whole gradient is checked with sg::check_model_gradient, and trained for a few hundred steps of
// Adam on a two-class toy problem (points inside or outside a circle).
//
// Usage: custom_op [--short] [--export-onnx PATH]   (--short: fewer training steps, for CI; --help lists the
// options; --export-onnx: write the trained network as ONNX, each custom layer through its hook). Exit
// code 1 if a check fails.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <span>

#include <fmt/core.h>

#include "staticgrad/graph/model_gradient_check.hpp"
#include "staticgrad/io/onnx.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/staticgrad.hpp"

#include "common/command_line.hpp"

// ---------------------------------------------------------------------------------------------------
// 1. A composite op: a function that builds nodes from existing ops.

// [snippet:composite_op]
// SiLU (swish): silu(z) = z * sigmoid(z). The autodiff derives
// silu'(z) = sigmoid(z) + z * sigmoid(z) * (1 - sigmoid(z)) from the ops it is made of.
template <sg::Expression Z>
auto silu(Z z) {
  return z * sg::sigmoid(z);
}
// [end:composite_op]

// ---------------------------------------------------------------------------------------------------
// 2. A primitive op: shape rule, forward and vector-Jacobian product in one struct.

// [snippet:primitive_op]
namespace my {
struct Sin {
  // Shape rule: the output has the input's shape (A is an sg::Shape<Rows, Cols>; Cols may be sg::batch).
  template <class A>
  using result = A;

  // Forward: out = sin(a), elementwise. Views are column-major; out is already sized.
  template <class T>
  void forward(sg::View<T> out, sg::ConstView<T> a) const {
    for (std::size_t k = 0; k < out.size(); ++k) out.data[k] = std::sin(a.data[k]);
  }

  // VJP: da += dout * cos(a). ADD into da (other consumers of `a` add theirs too); da.data is null when
  // the input needs no gradient (a constant, or a frozen parameter).
  template <class T>
  void backward(sg::ConstView<T> dout, sg::ConstView<T> /*out*/, sg::ConstView<T> a, sg::View<T> da) const {
    if (!da.data) return;
    for (std::size_t k = 0; k < da.size(); ++k) da.data[k] += dout.data[k] * std::cos(a.data[k]);
  }
};

// The function users call: one node of op Sin reading expression a.
template <sg::Expression A>
auto sin(A a) {
  return sg::make_node(Sin{}, a);
}
}  // namespace my
// [end:primitive_op]

// ---------------------------------------------------------------------------------------------------
// 3. Layers around the ops, so that networks can use them (see graph/layer.hpp for the protocol).

// [snippet:custom_layers]
struct SiLU {
  static constexpr sg::fixed_string kind{"SiLU"};               // its name in summaries and errors
  static constexpr std::array<std::size_t, 1> input_rows{0};    // one input, of any width
  static constexpr std::array<sg::ParamDecl, 0> params{};       // no parameters
  template <class B, class Z>
  auto build(const B&, Z z) const { return silu(z); }
  // Optional: how sg::io::save_onnx writes it (docs/onnx.md), here as ONNX's x * Sigmoid(x).
  void export_onnx(sg::io::OnnxLayerBuilder& b) const {
    b.set_output(b.node("Mul", {b.input(0), b.node("Sigmoid", {b.input(0)})}));
  }
};

struct Sine {
  static constexpr sg::fixed_string kind{"Sine"};
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<sg::ParamDecl, 0> params{};
  template <class B, class Z>
  auto build(const B&, Z z) const { return my::sin(z); }
  void export_onnx(sg::io::OnnxLayerBuilder& b) const { b.set_output(b.node("Sin", {b.input(0)})); }
};

auto make_network() {
  return sg::sequential<2>(sg::Dense<2, 16>{}, SiLU{}, sg::Dense<16, 16>{.weight_init = sg::Init::xavier}, Sine{},
                           sg::Dense<16, 2>{}, sg::SoftmaxCrossEntropy{});
}
// [end:custom_layers]

namespace {

// m points uniform in [-1.5, 1.5]^2; class 1 inside the unit circle. X is 2 x m, Y one-hot 2 x m.
template <class T>
void make_data(std::size_t m, std::uint64_t seed, sg::Matrix<T>& x, sg::Matrix<T>& y) {
  x.resize(2, m);
  y.resize(2, m);
  y.fill(T(0));
  for (std::size_t j = 0; j < m; ++j) {
    const double a = 3 * sg::random::uniform(seed, 0, 2 * j) - 1.5, b = 3 * sg::random::uniform(seed, 0, 2 * j + 1) - 1.5;
    x(0, j) = static_cast<T>(a);
    x(1, j) = static_cast<T>(b);
    y(a * a + b * b < 1 ? 1 : 0, j) = T(1);
  }
}

bool report(const char* what, const sg::GradientCheckResult& r) {
  fmt::print("{:<28} relative difference {:.3e} over {} elements {}\n", what, r.relative_difference, r.checked,
             r.passed() ? "(ok, < 1e-7)" : "(FAILED)");
  if (!r.passed())
    fmt::print("  worst at {}[{}]: numeric {} analytic {}\n", r.worst_parameter, r.worst_index, r.worst_numeric,
               r.worst_analytic);
  return r.passed();
}

int run(bool short_run, const std::optional<std::filesystem::path>& export_onnx) {
  bool ok = true;

  // [snippet:check_ops]
  // Gradient-check each op on a 4 x m input (m = 3) with random values in [-2, 2), in double.
  const sg::GradientCheckResult silu_check =
      sg::check_expression_gradient<sg::Shape<4, sg::batch>>([](auto z) { return silu(z); });
  const sg::GradientCheckResult sin_check =
      sg::check_expression_gradient<sg::Shape<4, sg::batch>>([](auto z) { return my::sin(z); });
  // Inside a bigger expression too: both ops, a matrix product and a broadcast bias.
  const sg::GradientCheckResult both_check =
      sg::check_expression_gradient<sg::Shape<3, 4>, sg::Shape<4, sg::batch>, sg::Shape<3, 1>>(
          [](auto w, auto x, auto b) { return my::sin(silu(sg::matmul(w, x) + b)); });
  // [end:check_ops]
  ok = report("silu (composite)", silu_check) && ok;
  ok = report("sin (primitive)", sin_check) && ok;
  ok = report("sin(silu(W x + b))", both_check) && ok;

  // [snippet:check_model]
  // The whole network in double precision: every parameter's gradient against two-sided differences.
  auto checked = sg::make_model<double>(make_network(), /*seed=*/5);
  sg::Matrix<double> xc, yc;
  make_data(8, /*seed=*/6, xc, yc);
  checked.bind<"x">(xc);
  checked.bind<"y">(yc);
  const sg::GradientCheckResult model_check = sg::check_model_gradient(checked);
  // [end:check_model]
  ok = report("network with SiLU and Sine", model_check) && ok;

  // [snippet:train_custom]
  // Train in float with Adam: bind, forward, backward, one optimiser step, as fit() does.
  auto model = sg::make_model<float>(make_network(), /*seed=*/1);
  fmt::print("{}", model.summary());
  sg::Matrix<float> x, y;
  make_data(256, /*seed=*/2, x, y);
  model.bind<"x">(x);
  model.bind<"y">(y);
  sg::Adam<float> adam;
  const std::size_t steps = short_run ? 150 : 1000;
  const float first_cost = model.forward();
  float cost = first_cost;
  for (std::size_t step = 0; step < steps; ++step) {
    cost = model.forward();
    model.backward();
    adam.step(model.parameters(), std::span<const float>(model.gradients()), model.slices(), 0.01f);
  }
  // [end:train_custom]

  // Accuracy on fresh points, in evaluation mode, from the logits (the prediction node).
  sg::Matrix<float> xt, yt;
  make_data(1000, /*seed=*/3, xt, yt);
  model.set_mode(sg::Mode::eval);
  model.unbind_all();
  model.bind<"x">(xt);
  model.forward();
  const sg::ConstView<float> logits = model.prediction();
  std::size_t correct = 0;
  for (std::size_t j = 0; j < xt.cols(); ++j)
    correct += (logits(1, j) > logits(0, j)) == (yt(1, j) == 1.0f) ? 1 : 0;
  const double accuracy = static_cast<double>(correct) / static_cast<double>(xt.cols());

  ok = ok && std::isfinite(cost) && cost < first_cost;
  if (!ok) {
    fmt::print("custom_op: FAILED (a gradient check failed or training did not lower the cost)\n");
    return 1;
  }
  if (export_onnx) {
    // [snippet:custom_export]
    // Both custom layers map through their export_onnx hooks; Dense and the loss are built in.
    sg::io::save_onnx(model, *export_onnx);  // output "probabilities": the softmax of the logits
    // [end:custom_export]
    fmt::print("wrote {}\n", export_onnx->string());
  }
  fmt::print("custom_op: gradient checks passed, training cost {:.4f} -> {:.4f}, accuracy {:.3f}\n", first_cost, cost,
             accuracy);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool short_run = false;
  example::CommandLine cli(
      "custom_op",
      "Adds a composite op (SiLU) and a primitive op (sine) in user code, gradient-checks both, and trains\n"
      "a small network that uses them. Exit code 1 if a check fails.");
  std::optional<std::filesystem::path> export_onnx;
  cli.flag("--short", short_run, "fewer training steps, for CI");
  cli.option("--export-onnx", export_onnx, "PATH", "also write the trained network as ONNX (docs/onnx.md)");
  return cli.run(argc, argv, [&] { return run(short_run, export_onnx); });
}
