// check-output: dev accuracy 0\.[0-9]+
//
// quickstart - the README's example: define a network, train it on Fashion-MNIST, score it.
// `--short` trains on a subset for CI.
#include <cstdio>

#include <fmt/format.h>

#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/data/split.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/train/feed.hpp"
#include "staticgrad/train/fit.hpp"

#include "common/command_line.hpp"

int run(bool short_run) {
  auto [train, test] = sg::data::load_fashion_mnist();
  if (short_run) train = sg::data::carve_train_dev(train, 10000, 1).train_dev;  // a 10,000-sample subset
  // [snippet:quickstart]
  auto net = sg::sequential<784>(sg::Dense<784, 128>{}, sg::ReLU{},   // widths are checked at compile time
                                 sg::Dense<128, 10>{}, sg::SoftmaxCrossEntropy{});
  auto model = sg::make_model<float>(net, /*seed=*/1);
  fmt::print("{}", model.summary());

  auto [training, dev] = sg::data::carve_train_dev(train, 5000, /*seed=*/1);
  const auto normalizer = sg::data::Normalizer::fit(training);  // statistics of the training set only
  normalizer.apply(training);
  normalizer.apply(dev);

  sg::ClassificationFeed<float> train_feed(training), dev_feed(dev);
  sg::Adam<float> adam;
  sg::fit(model, train_feed, dev_feed, adam, {.epochs = 3, .batch_size = 64, .learning_rate = 1e-3});
  fmt::print("dev accuracy {:.4f}\n", sg::evaluate(model, dev_feed).accuracy);
  // [end:quickstart]
  (void)test;
  return 0;
}

int main(int argc, char** argv) {
  bool short_run = false;
  example::CommandLine cli("quickstart",
                           "The README's example: trains a 784-128-10 network on Fashion-MNIST.");
  cli.flag("--short", short_run, "train on a 10,000-image subset, for CI");
  return cli.run(argc, argv, [&] { return run(short_run); });
}
