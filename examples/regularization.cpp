// check-output: none +[0-9.]+% +[0-9.]+% .*L2 .*[0-9.]+% +[0-9.]+% .*dropout .*[0-9.]+% +[0-9.]+%
//
// regularization - a network that overfits, then the same network with L2 and with dropout: training
// and dev error of each.
//
// Overfitting (high variance) shows as a training error far below the dev error. To provoke it, a large
// network (784-256-256-10) learns from few examples for many epochs. Then the course's two cures:
//
//   L2:      J = (1/m) sum_i L(y_hat(i), y(i)) + lambda/(2m) sum_l ||W[l]||_F^2
//            so dW[l] gains + (lambda/m) W[l]: every step shrinks the weights ("weight decay"), which
//            keeps each unit's z small and the function the network computes simpler.
//   dropout: during training, each hidden unit is kept with probability keep_prob and the kept ones
//            are divided by keep_prob (inverted dropout), a fresh mask per mini-batch; at test time
//            nothing is dropped. No unit can rely on any one input, so weights spread out, much as
//            with L2.
//
// Both raise the training error and shrink the gap between training and dev error (the variance),
// which is what they are for; whether the dev error itself falls depends on lambda and keep_prob,
// hyperparameters to tune on dev (--lambda, --keep-prob). In the runs in docs/examples.md the gap
// closes by a third to a half and the dev cost (cross-entropy) falls a lot, because the unregularised
// network becomes overconfident on the examples it gets wrong, but the dev error improves little:
// on 10000 images, this network's dev error is bounded by more than variance.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/optim/adam.hpp"
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
  std::size_t train = 10000, dev = 10000, epochs = 20;
  double lambda = 0.5, keep_prob = 0.7;
  std::uint64_t seed = 1;
};

// [snippet:regularization_network]
// One architecture for all three runs. keep_prob = 1 keeps every unit: the dropout layers then change
// nothing, and the run is the unregularised (or L2-only) network.
auto make_network(double keep_prob) {
  return sg::sequential<784>(sg::Dense<784, 256>{}, sg::ReLU{}, sg::Dropout{.keep_prob = keep_prob},
                             sg::Dense<256, 256>{}, sg::ReLU{}, sg::Dropout{.keep_prob = keep_prob},
                             sg::Dense<256, 10>{}, sg::SoftmaxCrossEntropy{});
}
// [/snippet]

struct Errors {
  std::string name;
  double train, dev, dev_cost;
};

Errors train_one(std::string name, double lambda, double keep_prob, const sg::data::Dataset& train,
                 const sg::data::Dataset& dev, const Options& o) {
  fmt::print("-- {}\n", name);
  // [snippet:regularization_train]
  auto model = sg::make_model<float>(make_network(keep_prob), o.seed);
  model.set_l2(lambda);  // 0: no L2 term
  sg::ClassificationFeed<float> train_feed(train), dev_feed(dev);
  sg::Adam<float> adam;
  sg::fit(model, train_feed, dev_feed, adam,
          {.epochs = o.epochs, .batch_size = 128, .learning_rate = 1e-3, .shuffle_seed = o.seed});
  // Errors of the final weights, both measured in evaluation mode (no dropout, no L2 term).
  const double train_error = 1 - sg::evaluate(model, train_feed).accuracy;
  const sg::Evaluation on_dev = sg::evaluate(model, dev_feed);
  const double dev_error = 1 - on_dev.accuracy;
  // [/snippet]
  return {std::move(name), train_error, dev_error, on_dev.cost};
}

int run(const Options& o) {
  const example::Splits split =
      example::load_fashion_mnist_splits(o.data, {.dev = o.dev, .train_limit = o.train, .seed = o.seed});
  fmt::print("training examples {}, dev examples {}, {} epochs, network 784-256-256-10\n\n", split.train.size(),
             split.dev.size(), o.epochs);

  std::vector<Errors> rows;
  rows.push_back(train_one("none", 0, 1, split.train, split.dev, o));
  rows.push_back(train_one(fmt::format("L2 (lambda {:g})", o.lambda), o.lambda, 1, split.train, split.dev, o));
  rows.push_back(train_one(fmt::format("dropout (keep_prob {:g})", o.keep_prob), 0, o.keep_prob, split.train,
                           split.dev, o));

  fmt::print("\n{:<24} {:>11} {:>9} {:>22} {:>8}\n", "regularisation", "train error", "dev error",
             "dev - train (variance)", "dev cost");
  for (const Errors& e : rows)
    fmt::print("{:<24} {:>10.2f}% {:>8.2f}% {:>15.2f} points {:>8.4f}\n", e.name, 100 * e.train, 100 * e.dev,
               100 * (e.dev - e.train), e.dev_cost);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  example::CommandLine cli(
      "regularization",
      "Trains a 784-256-256-10 network on a small training set three times (no regularisation, L2, dropout)\n"
      "and prints the training and dev error of each.");
  cli.flag("--short", o.short_run, "a quick run for CI: 2000 training and 1000 dev examples, 12 epochs")
      .option("--data", o.data, "DIR", example::fashion_mnist_folder_help)
      .count("--train", o.train, "N", "training examples (default 10000)")
      .count("--epochs", o.epochs, "N", "epochs (default 20)")
      .option("--lambda", o.lambda, "L", "the L2 strength lambda (default 0.5)")
      .option("--keep-prob", o.keep_prob, "P", "dropout's keep_prob (default 0.7)")
      .option("--seed", o.seed, "S", "seed (default 1)");
  return cli.run(argc, argv, [&] {
    if (o.short_run) {
      o.dev = 1000;
      if (!cli.given("--train")) o.train = 2000;
      if (!cli.given("--epochs")) o.epochs = 12;
    }
    if (!(o.keep_prob > 0 && o.keep_prob <= 1)) throw std::invalid_argument("--keep-prob must be in (0, 1]");
    if (!(o.lambda >= 0)) throw std::invalid_argument("--lambda must be >= 0");
    return run(o);
  });
}
