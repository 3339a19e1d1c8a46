// check-output: training error +[0-9.]+%.*train-dev error +[0-9.]+%.*dev error +[0-9.]+%.*test error +[0-9.]+%
// check-output: data mismatch .*work on: 
// check-output: error analysis: [0-9]+ of [0-9]+ misclassified examples examined
//
// bias_variance - where does the error come from? Four sets, the course's diagnosis, then a look at
// the mistakes themselves.
//
// The story: a model is trained on clean catalogue images (Fashion-MNIST's training set), but it will
// be used on photos taken by customers, noisier and not centred. We have only 10000 of those (here:
// the test images, shifted by up to 3 pixels and with noise added). The course's advice for such data:
//   - dev and test come from the distribution the model will meet: 2500 customer photos each;
//   - training gets everything else: the catalogue plus the remaining 5000 customer photos;
//   - a train-dev set, carved from training and never trained on, separates variance (train-dev vs
//     training, same distribution) from data mismatch (dev vs train-dev, different distributions).
//
//   human-level -> training:  avoidable bias      training -> train-dev:  variance
//   train-dev -> dev:         data mismatch       dev -> test:            overfitting of the dev set
//
// The largest gap is what to work on. Then error analysis: list the misclassified dev examples, tag
// why each went wrong, count the tags; a tag's share of the errors bounds what fixing it can gain. A
// person tags by looking at the images (write them with --out); this program tags by simple rules so
// that it runs unattended.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "staticgrad/data/augment.hpp"
#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/data/split.hpp"
#include "staticgrad/eval/contact_sheet.hpp"
#include "staticgrad/eval/diagnosis.hpp"
#include "staticgrad/eval/error_analysis.hpp"
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
  std::optional<std::filesystem::path> data, out;
  std::size_t epochs = 6;
  double human = 0.05;
  std::uint64_t seed = 1;
};

bool is_top(std::int32_t c) { return c == 0 || c == 2 || c == 4 || c == 6; }  // T-shirt, pullover, coat, shirt
bool is_shoe(std::int32_t c) { return c == 5 || c == 7 || c == 9; }            // sandal, sneaker, ankle boot

int run(const Options& o) {
  const sg::data::FashionMnist fashion = sg::data::load_fashion_mnist(o.data);
  sg::data::Dataset source = fashion.train;
  if (o.short_run) source = sg::data::subset(source, sg::data::shuffled_indices(6000, o.seed));

  // [snippet:bias_variance_data]
  // The target distribution: test images moved by up to 3 pixels and with noise added (on raw pixels,
  // before normalising). The augmentation is keyed by (seed, step): one fixed draw per image.
  sg::data::Dataset target = fashion.test;
  const sg::data::Augmentation customer_photo{.max_shift = 3, .noise_stddev = 0.15f};
  sg::data::augment_batch(target.x.view(), target.image_rows, target.image_cols, customer_photo, o.seed, 0);
  // Dev and test only from the target; training gets the source and the rest of the target.
  sg::data::Split split = sg::data::split_mismatched(source, target, 2500, 2500, o.seed);
  // A train-dev set: training distribution, never trained on.
  sg::data::TrainDevSplit carved = sg::data::carve_train_dev(split.train, 2500, o.seed);
  // [/snippet]
  sg::data::Dataset& train = carved.train;
  sg::data::Dataset& train_dev = carved.train_dev;
  const sg::data::Dataset dev_raw = split.dev;  // raw pixels, for the tagging rules and the contact sheet
  const sg::data::Normalizer normalizer = sg::data::Normalizer::fit(train);
  for (sg::data::Dataset* d : {&train, &train_dev, &split.dev, &split.test}) normalizer.apply(*d);
  fmt::print("training {} (clean + {} shifted/noisy), train-dev {}, dev {}, test {}\n\n", train.size(),
             target.size() - 5000, train_dev.size(), split.dev.size(), split.test.size());

  auto model = sg::make_model<float>(
      sg::sequential<784>(sg::Dense<784, 256>{}, sg::ReLU{}, sg::Dense<256, 128>{}, sg::ReLU{},
                          sg::Dense<128, 10>{}, sg::SoftmaxCrossEntropy{}),
      o.seed);
  sg::ClassificationFeed<float> train_feed(train), train_dev_feed(train_dev), dev_feed(split.dev),
      test_feed(split.test);
  sg::Adam<float> adam;
  sg::fit(model, train_feed, dev_feed, adam,
          {.epochs = o.epochs, .batch_size = 128, .learning_rate = 1e-3, .shuffle_seed = o.seed});

  // [snippet:bias_variance_diagnose]
  const sg::Evaluation dev = sg::evaluate(model, dev_feed);
  const sg::eval::ErrorRates errors{.human = o.human,
                                    .train = 1 - sg::evaluate(model, train_feed).accuracy,
                                    .train_dev = 1 - sg::evaluate(model, train_dev_feed).accuracy,
                                    .dev = 1 - dev.accuracy,
                                    .test = 1 - sg::evaluate(model, test_feed).accuracy};
  fmt::print("\n{}", sg::eval::format_diagnosis(errors, sg::eval::diagnose(errors)));
  // [/snippet]

  // [snippet:bias_variance_error_analysis]
  // The misclassified dev examples, most confident first: a confident mistake is worth a look at the
  // label itself.
  const auto& names = sg::data::fashion_mnist_class_names();
  std::vector<sg::eval::Misclassified> wrong = sg::eval::misclassified(split.dev.labels, dev.predicted);
  for (auto& w : wrong) w.confidence = dev.confidence[w.index];
  std::ranges::sort(wrong, std::ranges::greater{}, &sg::eval::Misclassified::confidence);
  fmt::print("\nthe most confident of {} dev mistakes:\n{:>6}  {:<12} {:<12} {}\n", wrong.size(), "index", "truth",
             "predicted", "confidence");
  for (std::size_t k = 0; k < std::min<std::size_t>(8, wrong.size()); ++k)
    fmt::print("{:>6}  {:<12} {:<12} {:.3f}\n", wrong[k].index, names[static_cast<std::size_t>(wrong[k].truth)],
               names[static_cast<std::size_t>(wrong[k].predicted)], wrong[k].confidence);

  // Tags for the first 200 mistakes, by rules a person would otherwise apply by eye.
  std::vector<sg::eval::TaggedError> tagged;
  for (std::size_t k = 0; k < std::min<std::size_t>(200, wrong.size()); ++k) {
    const sg::eval::Misclassified& w = wrong[k];
    sg::eval::TaggedError e{w.index, {}};
    if (is_top(w.truth) && is_top(w.predicted)) e.tags.emplace_back("top vs top");
    if (is_shoe(w.truth) && is_shoe(w.predicted)) e.tags.emplace_back("shoe vs shoe");
    float ink = 0;  // mean raw brightness: a faint, low-contrast picture
    for (std::size_t r = 0; r < dev_raw.features(); ++r) ink += dev_raw.x(r, w.index);
    if (ink / static_cast<float>(dev_raw.features()) < 0.2f) e.tags.emplace_back("faint");
    if (w.confidence > 0.95f) e.tags.emplace_back("very confident");
    tagged.push_back(std::move(e));
  }
  const sg::eval::ErrorAnalysis analysis = sg::eval::tally_tags(tagged, wrong.size(), split.dev.size());
  fmt::print("\n{}", sg::eval::format_error_analysis(analysis));
  // [/snippet]

  if (o.out) {
    std::filesystem::create_directories(*o.out);
    std::vector<std::size_t> look;
    for (std::size_t k = 0; k < std::min<std::size_t>(100, wrong.size()); ++k) look.push_back(wrong[k].index);
    sg::eval::write_contact_sheet_png(*o.out / "mistakes.png", dev_raw, look);
    fmt::print("\nwrote {}\n", (*o.out / "mistakes.png").string());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  example::CommandLine cli(
      "bias_variance",
      "Trains on clean Fashion-MNIST images plus a few shifted, noisy ones; measures training, train-dev, "
      "dev\n"
      "and test error (dev and test: shifted, noisy images), prints the course's diagnosis and an error\n"
      "analysis of the dev set.");
  cli.flag("--short", o.short_run, "a quick run for CI: 6000 clean training images, 2 epochs")
      .option("--data", o.data, "DIR", example::fashion_mnist_folder_help)
      .count("--epochs", o.epochs, "N", "epochs (default 6)")
      .option("--human", o.human, "E",
              "human-level error, the proxy for Bayes error, as a fraction (default 0.05, an assumption)")
      .option("--out", o.out, "DIR",
              "also write the 100 most confident dev mistakes as a contact sheet, DIR/mistakes.png")
      .option("--seed", o.seed, "S", "seed (default 1)");
  return cli.run(argc, argv, [&] {
    if (o.short_run && !cli.given("--epochs")) o.epochs = 2;
    return run(o);
  });
}
