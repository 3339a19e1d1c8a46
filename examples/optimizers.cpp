// check-output: gradient descent .*momentum .*RMSprop .*Adam .*wrote .*optimizers\.svg
//
// optimizers - gradient descent, momentum, RMSprop and Adam on the same network, from the same initial
// weights, over the same mini-batches; one SVG with the four cost curves.
//
// Each update uses dW from backprop; they differ in what they do with it (t counts the steps):
//   gradient descent  W := W - alpha dW
//   momentum          V := beta V + (1 - beta) dW;            W := W - alpha V
//   RMSprop           S := beta2 S + (1 - beta2) dW^2;         W := W - alpha dW / (sqrt(S) + eps)
//   Adam              both, bias-corrected: V_c = V / (1 - beta1^t), S_c = S / (1 - beta2^t);
//                     W := W - alpha V_c / (sqrt(S_c) + eps)
// Momentum averages the gradients of the last ~1/(1 - beta) = 10 mini-batches, so the zig-zag across a
// narrow valley cancels out; RMSprop divides each weight's step by the size of its recent gradients, so
// steep directions slow down and flat ones speed up; Adam does both. Each gets its customary learning
// rate (the course's defaults beta = 0.9, beta1 = 0.9, beta2 = 0.999, eps = 1e-8). The curves show the
// mini-batch cost, averaged over every `window` mini-batches so the noise of mini-batch training does
// not hide the trend.
//
// What to look for: momentum in this form averages the gradients without enlarging them, so at the same
// alpha its curve lies on top of gradient descent's; its gain is a smoother path, which allows a larger
// alpha. RMSprop's first steps jump: S starts at 0 and has no bias correction, so sqrt(S) is ~30 times
// too small at step 1 (sqrt(1 - 0.999)); Adam corrects both moments and starts smoothly.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/optim/gradient_descent.hpp"
#include "staticgrad/optim/momentum.hpp"
#include "staticgrad/optim/rmsprop.hpp"
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/train/evaluate.hpp"
#include "staticgrad/train/feed.hpp"
#include "staticgrad/train/fit.hpp"

#include "common/command_line.hpp"
#include "common/data.hpp"

namespace {

struct Options {
  bool short_run = false;
  std::optional<std::filesystem::path> data;
  std::size_t epochs = 5;
  std::filesystem::path out = ".";
  std::uint64_t seed = 1;
};

// One optimiser's run: the averaged mini-batch costs (the curve's name is the legend's label) and the
// final numbers.
struct Curve {
  std::string name;
  double learning_rate = 0;
  sg::CostCurve costs;
  double dev_accuracy = 0, seconds = 0;
};

// [snippet:record_cost]
// A callback: fit() calls on_batch_end after every optimiser step, and the model still holds that
// mini-batch's cost. Averages `window` of them into one point of the curve.
struct RecordCost {
  Curve* curve;
  std::size_t window;
  double sum = 0;
  std::size_t count = 0;
  template <class State>
  void on_batch_end(State& s) {
    sum += static_cast<double>(s.model.cost());
    if (++count == window || s.batch == s.batches) {
      const double x = static_cast<double>(s.epoch - 1) + static_cast<double>(s.batch) / static_cast<double>(s.batches);
      curve->costs.points.push_back({x, sum / static_cast<double>(count)});
      sum = 0;
      count = 0;
    }
  }
};
// [/snippet]

template <class Net, class Optimizer>
Curve train_with(std::string name, Optimizer optimizer, double learning_rate, const Net& net,
                 const sg::data::Dataset& train, const sg::data::Dataset& dev, const Options& o) {
  Curve curve{name, learning_rate, {fmt::format("{} (alpha {:g})", name, learning_rate), {}}, 0, 0};
  // The same seed: every optimiser starts from the same weights and sees the same mini-batches.
  auto model = sg::make_model<float>(net, o.seed);
  sg::ClassificationFeed<float> train_feed(train), dev_feed(dev);
  fmt::print("-- {} (alpha {:g})\n", curve.name, learning_rate);
  const std::size_t batches = (train.size() + 127) / 128;
  const sg::History h =
      sg::fit(model, train_feed, dev_feed, optimizer,
              {.epochs = o.epochs, .batch_size = 128, .learning_rate = learning_rate, .shuffle_seed = o.seed},
              RecordCost{&curve, std::max<std::size_t>(1, batches / 20)});
  curve.dev_accuracy = h.records().back().metrics.at("dev_accuracy");
  for (const sg::EpochRecord& r : h.records()) curve.seconds += r.seconds;
  return curve;
}

int run(const Options& o) {
  const example::Splits split =
      example::load_fashion_mnist_splits(o.data, {.dev = 10000,
                                                  .train_limit = o.short_run ? 4000u : 0u,
                                                  .dev_limit = o.short_run ? 1000u : 0u,
                                                  .seed = o.seed});
  fmt::print("training examples {}, dev examples {}, {} epochs of mini-batches of 128\n\n", split.train.size(),
             split.dev.size(), o.epochs);

  auto net = sg::sequential<784>(sg::Dense<784, 128>{}, sg::ReLU{}, sg::Dense<128, 64>{}, sg::ReLU{},
                                 sg::Dense<64, 10>{}, sg::SoftmaxCrossEntropy{});
  // [snippet:four_optimizers]
  std::vector<Curve> curves;
  curves.push_back(
      train_with("gradient descent", sg::GradientDescent<float>{}, 0.01, net, split.train, split.dev, o));
  curves.push_back(
      train_with("momentum", sg::Momentum<float>({.beta = 0.9}), 0.01, net, split.train, split.dev, o));
  curves.push_back(train_with("RMSprop", sg::RMSprop<float>({.beta = 0.999, .epsilon = 1e-8}), 0.001, net,
                              split.train, split.dev, o));
  curves.push_back(train_with("Adam", sg::Adam<float>({.beta1 = 0.9, .beta2 = 0.999, .epsilon = 1e-8}), 0.001,
                              net, split.train, split.dev, o));
  // [/snippet]

  fmt::print("\n{:<17} {:>7} {:>16} {:>13} {:>8}\n", "optimizer", "alpha", "final train cost", "dev accuracy",
             "seconds");
  for (const Curve& c : curves)
    fmt::print("{:<17} {:>7g} {:>16.4f} {:>13.4f} {:>8.1f}\n", c.name, c.learning_rate,
               c.costs.points.back().cost, c.dev_accuracy, c.seconds);

  std::filesystem::create_directories(o.out);
  const std::filesystem::path svg = o.out / "optimizers.svg";
  std::vector<sg::CostCurve> costs;
  for (const Curve& c : curves) costs.push_back(c.costs);
  sg::write_cost_curves_svg(svg, "Fashion-MNIST, 784-128-64-10: mini-batch cost of four optimisers", costs);
  fmt::print("\nwrote {}\n", svg.string());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  example::CommandLine cli(
      "optimizers",
      "Trains the same network with gradient descent, momentum, RMSprop and Adam and writes their cost\n"
      "curves to one SVG, OUT/optimizers.svg.");
  cli.flag("--short", o.short_run, "a quick run for CI: 4000 training and 1000 dev examples, 2 epochs")
      .option("--data", o.data, "DIR", example::fashion_mnist_folder_help)
      .count("--epochs", o.epochs, "N", "epochs for each optimiser (default 5)")
      .option("--out", o.out, "DIR",
              "where to write optimizers.svg (default: the current folder; created if missing)")
      .option("--seed", o.seed, "S", "initialisation and shuffling seed (default 1)");
  return cli.run(argc, argv, [&] {
    if (o.short_run && !cli.given("--epochs")) o.epochs = 2;
    return run(o);
  });
}
