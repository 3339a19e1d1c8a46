// check-output: shallow +1 hidden layer .*deep +4 hidden layers .*dev accuracy: shallow 0\.[0-9]+, deep 0\.[0-9]+
//
// shallow_vs_deep - what depth buys: one wide hidden layer against four narrower ones, with the same
// number of parameters and the same training.
//
// The course's argument for depth: a deep network composes simple features into complex ones (edges,
// then parts, then objects), and some functions that a small deep network computes need exponentially
// many units in one hidden layer. Here both networks get ~100k parameters, He initialisation, ReLU,
// Adam and the same epochs; only the shape differs:
//
//   shallow: 784 -> 128 -> 10                 (L = 2)
//   deep:    784 -> 96 -> 96 -> 96 -> 96 -> 10 (L = 5)
//
// Measure before believing: on Fashion-MNIST, at this budget, the two end within a few tenths of a point
// of each other (docs/examples.md has a run). Clothing images are told apart by fairly simple pixel
// features, so the composition that depth offers has little to add, while depth costs time (more,
// smaller matrix products per step) and more choices to tune. Depth pays where the data has layers of
// structure to compose (natural images, speech, text), usually with layers made for it (convolutions).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
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
  std::size_t epochs = 10;
  std::uint64_t seed = 1;
};

struct Result {
  double train_accuracy, dev_accuracy, seconds;
};

// Trains `model` with Adam and returns its accuracies. The same call for both networks: only the
// architecture differs between the two runs.
template <class Model>
Result train(Model& model, const sg::data::Dataset& train_set, const sg::data::Dataset& dev_set,
             const Options& o) {
  sg::ClassificationFeed<float> train_feed(train_set), dev_feed(dev_set);
  sg::Adam<float> adam;
  const sg::History history = sg::fit(
      model, train_feed, dev_feed, adam,
      {.epochs = o.epochs, .batch_size = 128, .learning_rate = 1e-3, .shuffle_seed = o.seed});
  double seconds = 0;
  for (const sg::EpochRecord& r : history.records()) seconds += r.seconds;
  return {sg::evaluate(model, train_feed).accuracy, sg::evaluate(model, dev_feed).accuracy, seconds};
}

int run(const Options& o) {
  // Dev is carved from the official training set; the test set stays untouched (model selection
  // would otherwise overfit it).
  const example::Splits split =
      example::load_fashion_mnist_splits(o.data, {.dev = 10000,
                                                  .train_limit = o.short_run ? 4000u : 0u,
                                                  .dev_limit = o.short_run ? 1000u : 0u,
                                                  .seed = o.seed});
  fmt::print("training examples {}, dev examples {}, {} epochs each\n\n", split.train.size(), split.dev.size(),
             o.epochs);

  // [snippet:shallow_vs_deep_networks]
  // One hidden layer of 128 units: 784*128 + 128 + 128*10 + 10 = 101,770 parameters.
  auto shallow = sg::sequential<784>(sg::Dense<784, 128>{}, sg::ReLU{},  //
                                     sg::Dense<128, 10>{}, sg::SoftmaxCrossEntropy{});
  // Four hidden layers of 96 units: 784*96 + 96 + 3*(96*96 + 96) + 96*10 + 10 = 104,266 parameters.
  auto deep = sg::sequential<784>(sg::Dense<784, 96>{}, sg::ReLU{},  //
                                  sg::Dense<96, 96>{}, sg::ReLU{},   //
                                  sg::Dense<96, 96>{}, sg::ReLU{},   //
                                  sg::Dense<96, 96>{}, sg::ReLU{},   //
                                  sg::Dense<96, 10>{}, sg::SoftmaxCrossEntropy{});
  // [/snippet]

  auto shallow_model = sg::make_model<float>(shallow, o.seed);
  auto deep_model = sg::make_model<float>(deep, o.seed);
  fmt::print("shallow  1 hidden layer   {:>7} parameters\n", shallow_model.parameter_count);
  fmt::print("deep     4 hidden layers  {:>7} parameters\n\n", deep_model.parameter_count);

  fmt::print("-- training the shallow network\n");
  const Result s = train(shallow_model, split.train, split.dev, o);
  fmt::print("-- training the deep network\n");
  const Result d = train(deep_model, split.train, split.dev, o);

  fmt::print("\n{:<8} {:>14} {:>12} {:>10}\n", "network", "train accuracy", "dev accuracy", "seconds");
  fmt::print("{:<8} {:>14.4f} {:>12.4f} {:>10.1f}\n", "shallow", s.train_accuracy, s.dev_accuracy, s.seconds);
  fmt::print("{:<8} {:>14.4f} {:>12.4f} {:>10.1f}\n", "deep", d.train_accuracy, d.dev_accuracy, d.seconds);
  fmt::print("\ndev accuracy: shallow {:.4f}, deep {:.4f} ({:+.2f} points for depth)\n", s.dev_accuracy,
             d.dev_accuracy, 100 * (d.dev_accuracy - s.dev_accuracy));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  example::CommandLine cli(
      "shallow_vs_deep",
      "Trains a 1-hidden-layer and a 4-hidden-layer network with the same number of parameters on\n"
      "Fashion-MNIST and prints the training and dev accuracy of each.");
  cli.flag("--short", o.short_run, "a quick run for CI: 4000 training and 1000 dev examples, 2 epochs")
      .option("--data", o.data, "DIR", example::fashion_mnist_folder_help)
      .count("--epochs", o.epochs, "N", "epochs for each network (default 10)")
      .option("--seed", o.seed, "S", "initialisation and shuffling seed (default 1)");
  return cli.run(argc, argv, [&] {
    if (o.short_run && !cli.given("--epochs")) o.epochs = 2;
    return run(o);
  });
}
