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
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/data/split.hpp"
#include "staticgrad/io/atomic_file.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/optim/gradient_descent.hpp"
#include "staticgrad/optim/momentum.hpp"
#include "staticgrad/optim/rmsprop.hpp"
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/train/evaluate.hpp"
#include "staticgrad/train/feed.hpp"
#include "staticgrad/train/fit.hpp"

namespace {

constexpr std::string_view usage = R"(usage: optimizers [options]

Trains the same network with gradient descent, momentum, RMSprop and Adam and writes their cost
curves to one SVG, OUT/optimizers.svg.

  --short         a quick run for CI: 4000 training and 1000 dev examples, 2 epochs
  --data DIR      the Fashion-MNIST folder (default: $STATICGRAD_FASHION_MNIST, then
                  /usr/share/datasets/fashion-mnist; install with apt-get install dataset-fashion-mnist)
  --epochs N      epochs for each optimiser (default 5)
  --out DIR       where to write optimizers.svg (default: the current folder; created if missing)
  --seed S        initialisation and shuffling seed (default 1)
  --help          this text
)";

struct Options {
  bool short_run = false;
  std::optional<std::filesystem::path> data;
  std::size_t epochs = 5;
  std::filesystem::path out = ".";
  std::uint64_t seed = 1;
};

std::size_t to_count(std::string_view flag, const std::string& text) {
  std::size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;  // not a number, or out of range
  }
  if (used != text.size() || v == 0 || text[0] == '-')
    throw std::invalid_argument(fmt::format("{} needs a positive integer, not \"{}\"", flag, text));
  return static_cast<std::size_t>(v);
}

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  bool epochs_given = false;
  for (int k = 1; k < argc; ++k) {
    const std::string_view arg = argv[k];
    auto value = [&]() -> std::string {
      if (k + 1 >= argc) throw std::invalid_argument(fmt::format("{} needs a value", arg));
      return argv[++k];
    };
    if (arg == "--help") {
      fmt::print("{}", usage);
      return std::nullopt;
    } else if (arg == "--short") {
      o.short_run = true;
    } else if (arg == "--data") {
      o.data = value();
    } else if (arg == "--epochs") {
      o.epochs = to_count(arg, value());
      epochs_given = true;
    } else if (arg == "--out") {
      o.out = value();
    } else if (arg == "--seed") {
      o.seed = std::stoull(value());
    } else {
      throw std::invalid_argument(fmt::format("unknown option {} (see --help)", arg));
    }
  }
  if (o.short_run && !epochs_given) o.epochs = 2;
  return o;
}

// One optimiser's run: the averaged mini-batch costs (x in epochs, y the cost) and the final numbers.
struct Curve {
  std::string name, color;
  double learning_rate = 0;
  std::vector<std::array<double, 2>> points;
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
      curve->points.push_back({x, sum / static_cast<double>(count)});
      sum = 0;
      count = 0;
    }
  }
};
// [/snippet]

// Several curves on one chart, as an SVG document: axes with ticks, one polyline per curve, a legend.
std::string cost_curves_svg(const std::vector<Curve>& curves, std::string_view title) {
  constexpr double width = 800, height = 440, left = 70, right = 250, top = 40, bottom = 60;
  double x_max = 0, y_max = 0;
  for (const Curve& c : curves)
    for (const auto& [x, y] : c.points)
      if (std::isfinite(y)) {
        x_max = std::max(x_max, x);
        y_max = std::max(y_max, y);
      }
  x_max = std::max(x_max, 1.0);
  // A round tick step giving at most 8 ticks, and the top of the axis rounded up to a whole step.
  double step = 0.1;
  for (double s : {0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0})
    if (y_max / s <= 8) {
      step = s;
      break;
    }
  const int ticks = std::max(1, static_cast<int>(std::ceil(y_max / step - 1e-9)));
  y_max = step * ticks;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  auto px = [&](double x) { return left + plot_w * x / x_max; };
  auto py = [&](double y) { return top + plot_h * (1 - y / y_max); };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"24\" font-size=\"15\" text-anchor=\"middle\">{3}</text>\n",
      width, height, left + plot_w / 2, title);
  // Axes, ticks and grid lines: cost ticks every `step`, one tick per epoch (or every few epochs).
  for (int k = 0; k <= ticks; ++k) {
    const double y = step * k;
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>"
        "<text x=\"{3:.1f}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:g}</text>\n",
        left, py(y), left + plot_w, left - 6, py(y) + 4, y);
  }
  const int epochs = static_cast<int>(std::ceil(x_max));
  const int every = std::max(1, epochs / 10);
  for (int e = 0; e <= epochs; e += every)
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#333\"/>"
        "<text x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
        px(e), top + plot_h, top + plot_h + 5, top + plot_h + 20, e);
  svg += fmt::format(
      "<path d=\"M{0:.1f},{1:.1f} V{2:.1f} H{3:.1f}\" fill=\"none\" stroke=\"#333\"/>\n"
      "<text x=\"{4:.1f}\" y=\"{5:.1f}\" text-anchor=\"middle\">epoch</text>\n"
      "<text transform=\"translate(18,{6:.1f}) rotate(-90)\" text-anchor=\"middle\">mini-batch cost J</text>\n",
      left, top, top + plot_h, left + plot_w, left + plot_w / 2, height - 18, top + plot_h / 2);
  for (std::size_t c = 0; c < curves.size(); ++c) {
    std::string points;
    for (const auto& [x, y] : curves[c].points)
      if (std::isfinite(y)) points += fmt::format("{:.1f},{:.1f} ", px(x), py(std::min(y, y_max)));
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", curves[c].color,
                       points);
    const double ly = top + 10 + 22 * static_cast<double>(c);
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"{3}\" stroke-width=\"3\"/>"
        "<text x=\"{4:.1f}\" y=\"{5:.1f}\">{6} (alpha {7:g})</text>\n",
        width - right + 15, ly, width - right + 40, curves[c].color, width - right + 46, ly + 4, curves[c].name,
        curves[c].learning_rate);
  }
  svg += "</svg>\n";
  return svg;
}

template <class Net, class Optimizer>
Curve train_with(std::string name, std::string color, Optimizer optimizer, double learning_rate, const Net& net,
                 const sg::data::Dataset& train, const sg::data::Dataset& dev, const Options& o) {
  Curve curve{std::move(name), std::move(color), learning_rate, {}, 0, 0};
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
  const sg::data::FashionMnist fashion = sg::data::load_fashion_mnist(o.data);
  sg::data::Split split = sg::data::split_by_count(fashion.train, 10000, 0, o.seed);
  if (o.short_run) {
    split.train = sg::data::subset(split.train, sg::data::shuffled_indices(4000, o.seed));
    split.dev = sg::data::subset(split.dev, sg::data::shuffled_indices(1000, o.seed));
  }
  const sg::data::Normalizer normalizer = sg::data::Normalizer::fit(split.train);
  normalizer.apply(split.train);
  normalizer.apply(split.dev);
  fmt::print("training examples {}, dev examples {}, {} epochs of mini-batches of 128\n\n", split.train.size(),
             split.dev.size(), o.epochs);

  auto net = sg::sequential<784>(sg::Dense<784, 128>{}, sg::ReLU{}, sg::Dense<128, 64>{}, sg::ReLU{},
                                 sg::Dense<64, 10>{}, sg::SoftmaxCrossEntropy{});
  // [snippet:four_optimizers]
  std::vector<Curve> curves;
  curves.push_back(train_with("gradient descent", "#7f7f7f", sg::GradientDescent<float>{}, 0.01, net, split.train,
                              split.dev, o));
  curves.push_back(train_with("momentum", "#1f77b4", sg::Momentum<float>({.beta = 0.9}), 0.01, net, split.train,
                              split.dev, o));
  curves.push_back(train_with("RMSprop", "#2ca02c", sg::RMSprop<float>({.beta = 0.999, .epsilon = 1e-8}), 0.001,
                              net, split.train, split.dev, o));
  curves.push_back(train_with("Adam", "#d62728", sg::Adam<float>({.beta1 = 0.9, .beta2 = 0.999, .epsilon = 1e-8}),
                              0.001, net, split.train, split.dev, o));
  // [/snippet]

  fmt::print("\n{:<17} {:>7} {:>16} {:>13} {:>8}\n", "optimizer", "alpha", "final train cost", "dev accuracy",
             "seconds");
  for (const Curve& c : curves)
    fmt::print("{:<17} {:>7g} {:>16.4f} {:>13.4f} {:>8.1f}\n", c.name, c.learning_rate, c.points.back()[1],
               c.dev_accuracy, c.seconds);

  std::filesystem::create_directories(o.out);
  const std::filesystem::path svg = o.out / "optimizers.svg";
  sg::write_file_atomically(svg, cost_curves_svg(curves, "Fashion-MNIST, 784-128-64-10: four optimisers"));
  fmt::print("\nwrote {}\n", svg.string());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::optional<Options> options = parse(argc, argv);
    return options ? run(*options) : 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "optimizers: error: {}\n", e.what());
    return 1;
  }
}
