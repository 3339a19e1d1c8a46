// check-output: attribute +known labels +accuracy
// check-output: upper_body .*footwear .*long_sleeves .*covers_legs .*warm
// check-output: class accuracy 0\.[0-9]+
//
// multitask - one network, several tasks: a shared trunk learns features from the images, and two
// heads read them: the clothing class (softmax over 10) and five yes/no attributes (multi-label).
//
// Multi-class: each image is exactly one of 10 classes. Multi-label (the course's multi-task
// learning): each image has several labels at once, each 0 or 1: upper_body, footwear, long_sleeves,
// covers_legs, warm. The attribute head has 5 sigmoid units and the cost sums a logistic loss per
// label:
//
//   J = (1/m) sum_i sum_j M_ji L(y_hat_j(i), y_j(i))       M_ji = 1 if label j of example i is known
//
// The mask M is the course's point about missing labels: when an annotator did not say (here: dresses
// and shirts come with and without long sleeves, coats long and short, ...), the label is left out of
// the sum, so it neither counts in the cost nor pushes the gradient; the example still teaches the
// other labels. On top of those, this program hides 20% of the training labels at random, as a
// careless annotator would.
//
// Multi-task learning pays when the tasks share low-level features and each has data to help the
// others; one network is also cheaper than six.
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/train/evaluate.hpp"
#include "staticgrad/train/fit.hpp"

#include "common/command_line.hpp"
#include "common/data.hpp"

namespace {

struct Options {
  bool short_run = false;
  std::optional<std::filesystem::path> data;
  std::size_t epochs = 8;
  double hide = 0.2;
  std::uint64_t seed = 1;
};

constexpr std::size_t attribute_count = 5;
constexpr std::array<std::string_view, attribute_count> attribute_names{"upper_body", "footwear", "long_sleeves",
                                                                        "covers_legs", "warm"};

// [snippet:attribute_table]
// The attributes of each class: 1 yes, 0 no, -1 unknown (the class has both kinds: a missing label).
//                     T-shirt Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag Ankle boot
constexpr int attribute_table[attribute_count][10] = {
    /* upper_body   */ {1, 0, 1, 1, 1, 0, 1, 0, 0, 0},
    /* footwear     */ {0, 0, 0, 0, 0, 1, 0, 1, 0, 1},
    /* long_sleeves */ {0, 0, 1, -1, 1, 0, -1, 0, 0, 0},
    /* covers_legs  */ {0, 1, 0, 1, -1, 0, 0, 0, 0, 0},
    /* warm         */ {0, -1, 1, 0, 1, 0, 0, -1, 0, 1},
};
// [/snippet]

// [snippet:multitask_network]
// A shared trunk, then two heads, each with its own loss; the cost is their weighted sum.
auto make_network() {
  return sg::network(
      sg::input<"x", 784>(), sg::input<"y", 10>(),  // image, one-hot class
      sg::input<"labels", attribute_count>(), sg::input<"mask", attribute_count>(),
      sg::layer<"fc1", "x">(sg::Dense<784, 256>{}), sg::layer<"act1", "fc1">(sg::ReLU{}),
      sg::layer<"fc2", "act1">(sg::Dense<256, 128>{}), sg::layer<"trunk", "fc2">(sg::ReLU{}),
      sg::layer<"class_logits", "trunk">(sg::Dense<128, 10>{}),
      sg::layer<"attribute_logits", "trunk">(sg::Dense<128, attribute_count>{}),
      sg::loss<"class_cost", "class_logits", "y">(sg::SoftmaxCrossEntropy{}, 1.0),
      sg::loss<"attribute_cost", "attribute_logits", "labels", "mask">(sg::MaskedBinaryCrossEntropy{}, 1.0));
}
// [/snippet]

// [snippet:multitask_feed]
// A feed for the four inputs: fit() calls bind() with the indices of each mini-batch. Labels and mask
// are computed once for the whole set (attribute_count x m); bind() gathers the batch's columns.
class MultiTaskFeed {
 public:
  // hide: the fraction of known labels to hide at random (training only), keyed by seed.
  MultiTaskFeed(const sg::data::Dataset& data, double hide, std::uint64_t seed)
      : data_(&data), labels_(attribute_count, data.size()), mask_(attribute_count, data.size()) {
    for (std::size_t j = 0; j < data.size(); ++j)
      for (std::size_t a = 0; a < attribute_count; ++a) {
        const int value = attribute_table[a][data.labels[j]];
        const bool hidden = sg::random::uniform(seed, a, j) < hide;
        labels_(a, j) = value == 1 ? 1.0f : 0.0f;
        mask_(a, j) = value == -1 || hidden ? 0.0f : 1.0f;
      }
  }
  std::size_t size() const { return data_->size(); }
  const sg::data::Dataset& dataset() const { return *data_; }  // lets sg::evaluate count class accuracy
  const sg::Matrix<float>& labels() const { return labels_; }
  const sg::Matrix<float>& mask() const { return mask_; }

  template <class Model>
  void bind(Model& model, std::span<const std::size_t> indices, bool /*training*/, std::uint64_t /*step*/ = 0) {
    const std::size_t m = indices.size();
    x_.resize(784, m);
    y_.resize(10, m);
    batch_labels_.resize(attribute_count, m);
    batch_mask_.resize(attribute_count, m);
    y_.fill(0);
    for (std::size_t j = 0; j < m; ++j) {
      const std::size_t i = indices[j];
      for (std::size_t r = 0; r < 784; ++r) x_(r, j) = data_->x(r, i);
      y_(static_cast<std::size_t>(data_->labels[i]), j) = 1;
      for (std::size_t a = 0; a < attribute_count; ++a) {
        batch_labels_(a, j) = labels_(a, i);
        batch_mask_(a, j) = mask_(a, i);
      }
    }
    model.template bind<"x">(x_);
    model.template bind<"y">(y_);
    model.template bind<"labels">(batch_labels_);
    model.template bind<"mask">(batch_mask_);
  }

 private:
  const sg::data::Dataset* data_;
  sg::Matrix<float> labels_, mask_;
  sg::Matrix<float> x_, y_, batch_labels_, batch_mask_;
};
// [/snippet]

int run(const Options& o) {
  const example::Splits split =
      example::load_fashion_mnist_splits(o.data, {.dev = 5000,
                                                  .train_limit = o.short_run ? 4000u : 0u,
                                                  .dev_limit = o.short_run ? 1000u : 0u,
                                                  .test_limit = o.short_run ? 2000u : 0u,
                                                  .seed = o.seed});
  const sg::data::Dataset& test = split.test;

  // Training labels lose `hide` of their known values; dev and test keep every known label.
  MultiTaskFeed train_feed(split.train, o.hide, o.seed), dev_feed(split.dev, 0, 0), test_feed(test, 0, 0);
  std::size_t known = 0;
  for (std::size_t k = 0; k < train_feed.mask().size(); ++k) known += train_feed.mask()[k] != 0;
  fmt::print("training examples {}: {} of {} attribute labels known ({:.1f}% missing)\n\n", split.train.size(),
             known, train_feed.mask().size(),
             100.0 * (1 - static_cast<double>(known) / static_cast<double>(train_feed.mask().size())));

  auto model = sg::make_model<float>(make_network(), o.seed);
  fmt::print("{}\n", model.summary());
  sg::Adam<float> adam;
  sg::fit(model, train_feed, dev_feed, adam,
          {.epochs = o.epochs, .batch_size = 128, .learning_rate = 1e-3, .shuffle_seed = o.seed});

  // [snippet:multitask_evaluate]
  // Each attribute's accuracy on the test labels that are known: predict yes when the logit is >= 0.
  std::array<std::size_t, attribute_count> right{}, counted{};
  {
    sg::ModeGuard eval(model, sg::Mode::eval);
    std::vector<std::size_t> batch;
    for (std::size_t first = 0; first < test.size(); first += 1000) {
      batch.clear();
      for (std::size_t j = first; j < std::min(first + 1000, test.size()); ++j) batch.push_back(j);
      test_feed.bind(model, batch, false);
      model.forward();
      const sg::ConstView<float> logits = model.output<"attribute_logits">();
      for (std::size_t j = 0; j < batch.size(); ++j)
        for (std::size_t a = 0; a < attribute_count; ++a) {
          if (test_feed.mask()(a, batch[j]) == 0) continue;
          const bool predicted = logits(a, j) >= 0, truth = test_feed.labels()(a, batch[j]) == 1;
          right[a] += predicted == truth;
          ++counted[a];
        }
    }
  }
  // [/snippet]
  fmt::print("\n{:<14} {:>12} {:>9}\n", "attribute", "known labels", "accuracy");
  for (std::size_t a = 0; a < attribute_count; ++a)
    fmt::print("{:<14} {:>12} {:>9.4f}\n", attribute_names[a], counted[a],
               static_cast<double>(right[a]) / static_cast<double>(counted[a]));
  // The class head's accuracy, by sg::evaluate: the model predicts with its first loss's logits.
  fmt::print("\nclass accuracy {:.4f} (test set, {} images)\n", sg::evaluate(model, test_feed).accuracy, test.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  example::CommandLine cli(
      "multitask",
      "Trains a shared trunk with two heads on Fashion-MNIST: the class (softmax) and five attributes "
      "derived\n"
      "from the class (multi-label, some labels missing), and prints each attribute's test accuracy.");
  cli.flag("--short", o.short_run, "a quick run for CI: 4000 training and 2000 test examples, 3 epochs")
      .option("--data", o.data, "DIR", example::fashion_mnist_folder_help)
      .count("--epochs", o.epochs, "N", "epochs (default 8)")
      .option("--hide", o.hide, "P", "the fraction of training labels hidden at random (default 0.2)")
      .option("--seed", o.seed, "S", "seed (default 1)");
  return cli.run(argc, argv, [&] {
    if (o.short_run && !cli.given("--epochs")) o.epochs = 3;
    if (!(o.hide >= 0 && o.hide < 1)) throw std::invalid_argument("--hide must be in [0, 1)");
    return run(o);
  });
}
