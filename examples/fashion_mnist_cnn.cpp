// check-output: layer4 +MaxPool2D +32x14x14xm
// check-output: test_accuracy=0\.[0-9][0-9][0-9][0-9]
//
// A convolutional network on Fashion-MNIST: two convolution blocks (3 x 3 kernels, batch norm over the
// channels, ReLU, 2 x 2 max pooling), then dropout, a dense layer whose input width the compiler works
// out from the last block's 64 x 7 x 7 maps, and the softmax output. Adam with a decaying learning rate,
// a moving average of the weights, left-right flips of the training images, early stopping on a dev set
// carved from the training set, the official test set for the final score, and the bias/variance
// diagnosis. It prints the summary with every layer's image shape, writes the learning curve (SVG), the
// history (CSV) and the best checkpoint.
//
//   build/examples/fashion_mnist_cnn [--epochs N] [--minutes M] [--batch B] [--seed S] [--threads T] ...
//   build/examples/fashion_mnist_cnn --export-onnx cnn.onnx    also writes the trained network as ONNX
//
// Its last line is `test_accuracy=0.XXXX`. Any error (a missing or corrupt data file, a bad checkpoint)
// ends it with exit code 1 and one line naming the file and the problem.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "staticgrad/data/augment.hpp"
#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/data/split.hpp"
#include "staticgrad/distributed/fit.hpp"
#include "staticgrad/eval/diagnosis.hpp"
#include "staticgrad/io/onnx.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/optim/schedule.hpp"
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/train/average_weights.hpp"
#include "staticgrad/train/callbacks.hpp"
#include "staticgrad/train/feed.hpp"
#include "staticgrad/train/fit.hpp"

#include "common/command_line.hpp"
#include "common/report.hpp"

namespace {

struct Options {
  std::optional<std::filesystem::path> data;
  std::size_t epochs = 20;
  double minutes = 9.5;  // no epoch starts that would end after this much training time
  std::size_t batch = 64;
  std::uint64_t seed = 1;
  int threads = 0;
  std::optional<std::filesystem::path> save;
  std::optional<std::filesystem::path> resume;
  std::optional<std::filesystem::path> export_onnx;
  std::filesystem::path out = "fashion_mnist_cnn_out";
  bool quiet = false;
  bool short_run = false;
  bool distributed = false;
  std::size_t shards = 1;  // each mini-batch in S shards; the result depends on S, not on the ranks
  double human_error = 0.0;
  std::size_t dev_size = 5000;
  double decay = 0.9;        // learning rate of epoch e: 1e-3 * decay^e
  std::size_t patience = 5;  // early stopping
  double average = 0.999;    // decay of the weights' moving average (0: the last weights)
  bool no_flip = false;      // training images are mirrored left-right at random unless set
};

bool parse(int argc, char** argv, Options& o) {
  example::CommandLine cli("fashion_mnist_cnn",
                           "Train a convolutional network on Fashion-MNIST and score it on the official test set.");
  cli.option("--data", o.data, "DIR",
             "folder with the four IDX .gz files (default: found automatically,\n"
             "/usr/share/datasets/fashion-mnist from Debian's dataset-fashion-mnist)")
      .count("--epochs", o.epochs, "N", "at most N epochs (default 20)")
      .option("--minutes", o.minutes, "M",
              "start no epoch that would end after M minutes of training (default 9.5)")
      .count("--batch", o.batch, "B", "mini-batch size (default 64)")
      .option("--seed", o.seed, "S", "seed of initialisation, shuffling, dropout and flips (default 1)")
      .option("--threads", o.threads, "T", "OpenMP threads (default: all cores); results do not depend on it")
      .option("--save", o.save, "PATH", "the best checkpoint (default OUT/best.sgck)")
      .option("--resume", o.resume, "PATH", "continue training from a checkpoint written by --save")
      .option("--out", o.out, "DIR", "where the learning curve, history and checkpoint go")
      .option("--export-onnx", o.export_onnx, "PATH",
              "also write the trained network as ONNX: input x [N, 1, 28, 28] of pixels in [0, 1]\n"
              "(the normalisation is in the file), output probabilities [N, 10] (docs/onnx.md)")
      .option("--human-error", o.human_error, "E", "human-level error for the diagnosis (default 0)")
      .option("--decay", o.decay, "D", "learning rate of epoch e is 1e-3 * D^e (default 0.9)")
      .option("--patience", o.patience, "N", "early stopping: epochs without dev-cost improvement (default 5)")
      .option("--average", o.average, "D", "moving average of the weights with decay D (default 0.999; 0: off)")
      .flag("--no-flip", o.no_flip, "do not mirror training images left-right at random")
      .flag("--quiet", o.quiet, "no progress output")
      .flag("--short", o.short_run, "a quick run on a subset (for CI)")
      .flag("--distributed", o.distributed, "data-parallel training over the ranks of `mpirun -np N`")
      .count("--shards", o.shards, "S",
             "cut each mini-batch into S shards, summed in a fixed order (default 1); the\n"
             "result depends on S only: one process and mpirun -np P (P <= S) write the same bits");
  if (!cli.parse(argc, argv)) return false;
  if (o.threads < 0) throw std::invalid_argument("--threads must be positive");
  if (!(o.average >= 0 && o.average < 1)) throw std::invalid_argument("--average must be in [0, 1)");
  if (!(o.minutes > 0)) throw std::invalid_argument("--minutes must be positive");
  return true;
}

// [snippet:cnn_network]
// 1x28x28 -> conv 3x3 (32) -> 32x28x28 -> pool -> 32x14x14 -> conv 3x3 (64) -> 64x14x14 -> pool -> 64x7x7
// -> 3136 features -> 256 -> 10. Every size after the input is computed by the compiler; the
// convolutions need no bias (batch norm's beta takes its place).
auto cnn_network() {
  using namespace sg;
  constexpr ConvOptions same{.pad = 1, .bias = false};  // 3x3, padding 1: the output keeps H and W
  return sequential<Image<1, 28, 28>>(Conv2D<32, 3, same>{}, BatchNorm2D{}, ReLU{}, MaxPool2D<2>{},
                                      Conv2D<64, 3, same>{}, BatchNorm2D{}, ReLU{}, MaxPool2D<2>{},
                                      Flatten{}, Dropout{.keep_prob = 0.75},
                                      Dense<deduced, 256>{}, BatchNorm<256>{}, ReLU{}, Dropout{.keep_prob = 0.5},
                                      Dense<256, 10>{}, SoftmaxCrossEntropy{});
}
// [end:cnn_network]

int run(const Options& o, sg::distributed::Context& ctx) {
  namespace data = sg::data;
  if (o.threads > 0) omp_set_num_threads(o.threads);
  const bool root = ctx.is_root();
  if (root) std::filesystem::create_directories(o.out);
  const std::filesystem::path checkpoint = o.save.value_or(o.out / "best.sgck");

  data::FashionMnist fm = data::load_fashion_mnist(o.data);
  if (o.short_run) {  // CI: 3,000 training and 2,000 test images
    auto order = data::shuffled_indices(fm.train.size(), 7);
    order.resize(3000);
    fm.train = data::subset(fm.train, order);
    auto test_order = data::shuffled_indices(fm.test.size(), 8);
    test_order.resize(2000);
    fm.test = data::subset(fm.test, test_order);
  }
  data::TrainDevSplit split = data::carve_train_dev(fm.train, o.short_run ? 500 : o.dev_size, o.seed);
  data::Dataset& train = split.train;
  data::Dataset& dev = split.train_dev;
  data::Dataset& test = fm.test;
  // One mean and deviation for every pixel (fit_global): flips act on the normalised images, and a
  // mirrored image is then normalised exactly like the original.
  const data::Normalizer normalizer = data::Normalizer::fit_global(train);
  normalizer.apply(train);
  normalizer.apply(dev);
  normalizer.apply(test);

  auto model = sg::make_model<float>(cnn_network(), o.seed);
  if (root && !o.quiet) fmt::print("{}\n", model.summary());

  sg::Adam<float> adam;
  sg::FitOptions fit_options;
  fit_options.epochs = o.short_run ? std::min<std::size_t>(o.epochs, 1) : o.epochs;
  fit_options.batch_size = o.batch;
  fit_options.learning_rate = 1e-3;
  fit_options.shuffle_seed = o.seed;
  fit_options.shards = o.shards;
  if (o.quiet || !root) fit_options.progress.mode = sg::ProgressMode::quiet;
  if (o.resume) {
    const sg::CheckpointMeta meta = sg::load_checkpoint(*o.resume, model, &adam);
    fit_options.initial_epoch = meta.epoch;
    fit_options.initial_history = meta.history;  // history.csv and the learning curve cover every epoch
    if (root && !o.quiet) fmt::print("resumed from {} after epoch {}\n", o.resume->string(), meta.epoch);
  }

  std::optional<data::Augmentation> augmentation;
  if (!o.no_flip) augmentation = data::Augmentation{.horizontal_flip = true};
  sg::ClassificationFeed<float> train_feed(train, augmentation, o.seed), dev_feed(dev), test_feed(test);

  // The time budget: stop before an epoch that would end past it (the last epoch's time as the guide).
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  double epoch_start = 0;
  sg::OnEpochEnd budget{[&](auto& state) {
    const double now = elapsed(), last = now - epoch_start;
    epoch_start = now;
    if (now + last > o.minutes * 60 && !state.stop) {
      state.stop = true;
      state.stop_reason = fmt::format("time budget: {:.1f} of {:.1f} minutes used", now / 60, o.minutes);
    }
  }};
  sg::AverageWeights<float> averaging(o.average);
  sg::EarlyStop<float> early_stop{.options = {.patience = o.patience, .min_delta = 1e-4}};
  const sg::History history =
      sg::distributed::fit(ctx, model, train_feed, dev_feed, adam, fit_options, averaging, early_stop,
                           sg::ScheduleLearningRate{sg::exponential_decay<float>{1e-3f, static_cast<float>(o.decay)}},
                           sg::SaveCheckpoint{.last = {}, .best = checkpoint}, budget);
  const double seconds = elapsed();

  if (!root) return 0;
  history.write_csv(o.out / "history.csv");
  history.write_learning_curve_svg(o.out / "learning_curve.svg", "Fashion-MNIST, convolutional network");

  const example::SplitScores scores = example::evaluate_splits(model, train_feed, dev_feed, test_feed);
  // `seconds` timed only the epochs of this process, not those restored from a checkpoint.
  const std::size_t epochs_here = history.size() - fit_options.initial_history.size();
  example::print_training_summary(epochs_here, seconds, scores, o.out, checkpoint);
  if (o.export_onnx) {
    // Raw pixels in [0, 1] as [N, 1, 28, 28]: the normalisation is the file's first nodes.
    sg::io::save_onnx(model, *o.export_onnx, {.normalizer = normalizer});
    fmt::print("wrote {} (ONNX: input x [N, 1, 28, 28] pixels in [0, 1], output probabilities [N, 10])\n",
               o.export_onnx->string());
  }

  example::print_diagnosis_and_score(scores, o.human_error);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    if (!parse(argc, argv, options)) return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "fashion_mnist_cnn: {}\n", e.what());
    return 1;
  }
  std::optional<sg::distributed::Context> ctx;
  try {
    ctx.emplace(argc, argv, options.distributed);
    return run(options, *ctx);
  } catch (const std::exception& e) {
    if (ctx && ctx->size() > 1) ctx->abort(e.what());
    fmt::print(stderr, "fashion_mnist_cnn: {}\n", e.what());
    return 1;
  }
}
