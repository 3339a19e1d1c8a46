// check-output: copied: fc1\.W fc1\.b fc2\.W fc2\.b
// check-output: transferred, head only +645 +0\.[0-9]+.*fine-tuned +[0-9]+ +0\.[0-9]+.*from scratch +[0-9]+ +0\.[0-9]+
//
// transfer_learning - learn task A where data is plentiful, then reuse what the network learnt for
// task B, which has only a few hundred examples.
//
// Task A: T-shirt/top, Trouser, Pullover, Dress, Coat (classes 0-4), 30000 training images.
// Task B: Sandal, Shirt, Sneaker, Bag, Ankle boot (classes 5-9), but only 300 labelled images.
//
// The course's recipe: train a network on A; replace its last layer (the "head") with a new one for B,
// initialised at random; keep the earlier layers (the "body") and freeze them when B's data is small,
// training only the head; with more data for B, unfreeze more layers, or all of them, and fine-tune.
// It pays when A and B share the input (here, 28 x 28 clothing images), when A has much more data
// than B, and when low-level features of A (edges, shapes, textures) help with B.
//
// In staticgrad a network's parameters are found by name: the B network names its body's nodes like
// A's ("fc1", "fc2") and its head differently ("head_b"), so copy_parameters copies the body and leaves
// the head at its fresh initialisation.
//
// Measure it, as always: here the head alone, on frozen features, trails a network trained from
// scratch, and fine-tuning every layer only ties with it (docs/examples.md has the numbers; other
// splits of the ten classes behave alike). Task A holds no footwear and no bags, so the features it
// taught are not the ones B needs, and 300 examples are already enough for a small network on
// 28 x 28 images. The recipe pays when the conditions above hold: a large related task A (ImageNet
// for photographs) and a task B with too little data to learn low-level features itself.
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/data/split.hpp"
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
  std::size_t examples = 300, epochs = 5, pretrain_limit = 0;
  std::uint64_t seed = 1;
};

// The examples of the five `classes`, relabelled 0-4 in that order, at most `limit` of them (0: all).
sg::data::Dataset five_classes(const sg::data::Dataset& all, const std::array<int, 5>& classes, std::size_t limit) {
  std::vector<std::size_t> keep;
  std::vector<std::int32_t> relabel;
  for (std::size_t j = 0; j < all.size() && (limit == 0 || keep.size() < limit); ++j)
    for (std::size_t c = 0; c < classes.size(); ++c)
      if (all.labels[j] == classes[c]) {
        keep.push_back(j);
        relabel.push_back(static_cast<std::int32_t>(c));
      }
  sg::data::Dataset d = sg::data::subset(all, keep);
  d.labels = relabel;
  d.num_classes = 5;
  return d;
}

// [snippet:transfer_networks]
// Task A's network: a body (fc1, fc2) and a head for A's five classes.
auto network_a() {
  return sg::network(sg::input<"x", 784>(), sg::input<"y", 5>(),                 //
                     sg::layer<"fc1", "x">(sg::Dense<784, 256>{}), sg::layer<"act1", "fc1">(sg::ReLU{}),
                     sg::layer<"fc2", "act1">(sg::Dense<256, 128>{}), sg::layer<"act2", "fc2">(sg::ReLU{}),
                     sg::layer<"head_a", "act2">(sg::Dense<128, 5>{}),
                     sg::loss<"cost", "head_a", "y">(sg::SoftmaxCrossEntropy{}));
}
// Task B's network: the same body, node for node and name for name; a new head with a new name.
auto network_b() {
  return sg::network(sg::input<"x", 784>(), sg::input<"y", 5>(),                 //
                     sg::layer<"fc1", "x">(sg::Dense<784, 256>{}), sg::layer<"act1", "fc1">(sg::ReLU{}),
                     sg::layer<"fc2", "act1">(sg::Dense<256, 128>{}), sg::layer<"act2", "fc2">(sg::ReLU{}),
                     sg::layer<"head_b", "act2">(sg::Dense<128, 5>{}),
                     sg::loss<"cost", "head_b", "y">(sg::SoftmaxCrossEntropy{}));
}
// [/snippet]

template <class Model>
double train_on_b(Model& model, const sg::data::Dataset& train, const sg::data::Dataset& test, const Options& o,
                  double learning_rate = 1e-3) {
  sg::ClassificationFeed<float> train_feed(train), test_feed(test);
  sg::Adam<float> adam;
  // A few hundred examples: 40 short epochs of mini-batches of 32. No dev set is held out of so few
  // examples here (the empty feed); the comparison is made once, on the test set, below.
  sg::data::Dataset none;
  sg::ClassificationFeed<float> no_dev(none);
  sg::fit(model, train_feed, no_dev, adam,
          {.epochs = 40, .batch_size = 32, .learning_rate = learning_rate, .shuffle_seed = o.seed,
           .progress = {.mode = sg::ProgressMode::quiet}});
  return sg::evaluate(model, test_feed).accuracy;
}

int run(const Options& o) {
  constexpr std::array<int, 5> task_a{0, 1, 2, 3, 4}, task_b{5, 6, 7, 8, 9};
  const sg::data::FashionMnist fashion = sg::data::load_fashion_mnist(o.data);
  sg::data::Dataset a_train = five_classes(fashion.train, task_a, o.pretrain_limit);
  sg::data::Dataset a_test = five_classes(fashion.test, task_a, 0);
  // Task B: a few hundred examples, drawn at random from the training images of classes 5-9.
  const sg::data::Dataset b_all = five_classes(fashion.train, task_b, 0);
  std::vector<std::size_t> pick = sg::data::shuffled_indices(b_all.size(), o.seed);
  pick.resize(std::min(o.examples, pick.size()));
  sg::data::Dataset b_train = sg::data::subset(b_all, pick);
  sg::data::Dataset b_test = five_classes(fashion.test, task_b, 0);
  // One normaliser, fitted on A's training images: the body was trained on inputs scaled that way.
  const sg::data::Normalizer normalizer = sg::data::Normalizer::fit(a_train);
  for (sg::data::Dataset* d : {&a_train, &a_test, &b_train, &b_test}) normalizer.apply(*d);

  fmt::print("task A (classes 0-4): {} training images, {} epochs\n", a_train.size(), o.epochs);
  auto model_a = sg::make_model<float>(network_a(), o.seed);
  {
    sg::ClassificationFeed<float> train_feed(a_train), test_feed(a_test);
    sg::Adam<float> adam;
    // No model choices are made here, so no dev set; the test set is looked at once, after training.
    sg::data::Dataset none;
    sg::ClassificationFeed<float> no_dev(none);
    sg::fit(model_a, train_feed, no_dev, adam,
            {.epochs = o.epochs, .batch_size = 128, .learning_rate = 1e-3, .shuffle_seed = o.seed});
    fmt::print("task A test accuracy {:.4f}\n\n", sg::evaluate(model_a, test_feed).accuracy);
  }

  fmt::print("task B (classes 5-9): {} training images, {} test images\n", b_train.size(), b_test.size());
  // [snippet:transfer_copy_freeze]
  auto transferred = sg::make_model<float>(network_b(), o.seed + 1);
  const std::vector<std::string> copied = sg::copy_parameters(model_a, transferred);
  fmt::print("copied: {}\n", fmt::join(copied, " "));  // the body; head_b keeps its random start
  transferred.freeze("fc1");
  transferred.freeze("fc2");  // only head_b.W and head_b.b are trained now
  // [/snippet]
  std::size_t trainable = 0;
  for (const sg::ParamSlice& s : transferred.slices()) trainable += s.frozen ? 0 : s.size;
  // A fresh head on fixed features is a small convex problem (softmax regression): a larger step is safe.
  const double transferred_accuracy = train_on_b(transferred, b_train, b_test, o, 1e-2);

  // [snippet:transfer_fine_tune]
  // Fine-tuning: the same start (A's body, a fresh head), then every layer trained, at a small rate so
  // the body moves only as far as task B needs.
  auto fine_tuned = sg::make_model<float>(network_b(), o.seed + 1);
  sg::copy_parameters(model_a, fine_tuned);
  const double fine_tuned_accuracy = train_on_b(fine_tuned, b_train, b_test, o, 3e-4);
  // [/snippet]

  // The same network from random weights, every layer trained on task B's few examples.
  auto scratch = sg::make_model<float>(network_b(), o.seed + 1);
  const double scratch_accuracy = train_on_b(scratch, b_train, b_test, o);

  fmt::print("\n{:<26} {:>20} {:>14}\n", "task B model", "trained parameters", "test accuracy");
  fmt::print("{:<26} {:>20} {:>14.4f}\n", "transferred, head only", trainable, transferred_accuracy);
  fmt::print("{:<26} {:>20} {:>14.4f}\n", "transferred, fine-tuned", fine_tuned.trainable_parameter_count,
             fine_tuned_accuracy);
  fmt::print("{:<26} {:>20} {:>14.4f}\n", "from scratch", scratch.trainable_parameter_count, scratch_accuracy);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  example::CommandLine cli(
      "transfer_learning",
      "Pre-trains on Fashion-MNIST classes 0-4, then learns classes 5-9 from a few hundred examples: with "
      "the\n"
      "pre-trained body frozen and a new head, and from scratch. Prints the test accuracy of both on 5-9.");
  cli.flag("--short", o.short_run, "a quick run for CI: pre-train on 5000 examples for 2 epochs")
      .option("--data", o.data, "DIR", example::fashion_mnist_folder_help)
      .count("--examples", o.examples, "N", "labelled examples of task B (default 300)")
      .count("--epochs", o.epochs, "N", "pre-training epochs (default 5)")
      .option("--seed", o.seed, "S", "seed (default 1)");
  return cli.run(argc, argv, [&] {
    if (o.short_run) {
      o.pretrain_limit = 5000;
      if (!cli.given("--epochs")) o.epochs = 2;
    }
    return run(o);
  });
}
