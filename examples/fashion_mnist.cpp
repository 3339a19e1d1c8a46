// check-output: test_accuracy=0\.[0-9][0-9][0-9][0-9]
//
// The flagship: a deep network trained on Fashion-MNIST with everything the course teaches, run by
// `scripts/demo`. He initialisation, batch norm, ReLU, inverted dropout, L2, Adam with a decaying
// learning rate, a moving average of the weights, early stopping on a dev set carved from the training
// set, evaluation on the official test set, and the bias/variance diagnosis. It writes the learning
// curve (SVG), the history (CSV) and the best checkpoint.
//
//   build/examples/fashion_mnist [--epochs N] [--batch B] [--seed S] [--threads T] [--out DIR] ...
//   build/examples/fashion_mnist --export-onnx model.onnx    also writes the trained network as ONNX
//
// Its last line is `test_accuracy=0.XXXX` so scripts can read it. Any error (a missing or corrupt data
// file, a bad checkpoint) ends it with exit code 1 and one line naming the file and the problem.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/distributed/fit.hpp"
#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/data/split.hpp"
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
  std::size_t epochs = 30;
  std::size_t batch = 128;
  std::uint64_t seed = 1;
  int threads = 0;  // 0: OpenMP's default
  std::optional<std::filesystem::path> save;
  std::optional<std::filesystem::path> resume;
  std::optional<std::filesystem::path> export_onnx;
  std::filesystem::path out = "fashion_mnist_out";
  bool quiet = false;
  bool short_run = false;
  double human_error = 0.0;
  std::size_t dev_size = 5000;
  bool distributed = false;
  std::size_t shards = 1;     // each mini-batch in S shards; the result depends on S, not on the ranks
  double keep_prob = 0.6;     // dropout's keep probability in both hidden layers
  bool augment = false;       // flip the training images left-right at random
  int shift = 0;              // and shift them by up to this many pixels
  double decay = 0.95;        // learning rate of epoch e: 1e-3 * decay^e
  std::size_t patience = 5;   // early stopping
  double average = 0.999;     // decay of the weights' moving average (0: no averaging)
};

// Reads the options into `o`; false after --help. Throws std::invalid_argument on a bad command line.
bool parse(int argc, char** argv, Options& o) {
  example::CommandLine cli("fashion_mnist",
                           "Train a deep network on Fashion-MNIST and score it on the official test set.");
  cli.option("--data", o.data, "DIR",
             "folder with the four IDX .gz files (default: found automatically,\n"
             "/usr/share/datasets/fashion-mnist from Debian's dataset-fashion-mnist)")
      .count("--epochs", o.epochs, "N", "at most N epochs; early stopping may end sooner (default 30)")
      .count("--batch", o.batch, "B", "mini-batch size (default 128)")
      .option("--seed", o.seed, "S", "seed of initialisation, shuffling and dropout (default 1)")
      .option("--threads", o.threads, "T", "OpenMP threads (default: all cores); results do not depend on it")
      .option("--save", o.save, "PATH", "the best checkpoint (default OUT/best.sgck)")
      .option("--resume", o.resume, "PATH", "continue training from a checkpoint written by --save")
      .option("--export-onnx", o.export_onnx, "PATH",
              "also write the trained network as ONNX: input x [N, 784] of pixels in [0, 1]\n"
              "(the normalisation is in the file), output probabilities [N, 10] (docs/onnx.md)")
      .option("--out", o.out, "DIR",
              "where the learning curve, history and checkpoint go (default fashion_mnist_out)")
      .option("--human-error", o.human_error, "E",
              "human-level error, the Bayes-error proxy of the diagnosis (default 0)")
      .option("--keep-prob", o.keep_prob, "P", "dropout keep probability of the hidden layers (default 0.6)")
      .option("--decay", o.decay, "D", "learning rate of epoch e is 1e-3 * D^e (default 0.95)")
      .option("--patience", o.patience, "N", "early stopping: epochs without dev-cost improvement (default 5)")
      .option("--average", o.average, "D",
              "evaluate and keep a moving average of the weights with decay D\n"
              "(default 0.999, about the last 1000 steps; 0: the last weights)")
      .flag("--augment", o.augment, "flip training images left-right at random, per mini-batch")
      .option("--shift", o.shift, "N", "with --augment, also shift them by up to N pixels (default 0)")
      .flag("--quiet", o.quiet, "no progress output")
      .flag("--short", o.short_run, "a quick run on a subset (for CI)")
      .flag("--distributed", o.distributed,
            "data-parallel training over the ranks of `mpirun -np N` (one thread per rank\n"
            "is best: --threads 1); each rank reads the data, rank 0 prints and writes")
      .count("--shards", o.shards, "S",
             "cut each mini-batch into S shards, summed in a fixed order (default 1); the\n"
             "result depends on S only: one process and mpirun -np P (P <= S) write the same bits");
  if (!cli.parse(argc, argv)) return false;
  if (!(o.keep_prob > 0 && o.keep_prob <= 1)) throw std::invalid_argument("--keep-prob must be in (0, 1]");
  if (o.threads < 0) throw std::invalid_argument("--threads must be positive");
  if (!(o.average >= 0 && o.average < 1)) throw std::invalid_argument("--average must be in [0, 1)");
  return true;
}

// [snippet:flagship_network]
// 784 -> 512 -> 256 -> 10. Batch norm sits between each Dense and its ReLU (the course's placement);
// dropout keeps `keep_prob` (0.6 by default) of the units of each hidden layer during training.
auto flagship_network(double keep_prob) {
  using namespace sg;
  return sequential<784>(Dense<784, 512>{.weight_init = Init::he}, BatchNorm<512>{}, ReLU{},
                         Dropout{.keep_prob = keep_prob},
                         Dense<512, 256>{.weight_init = Init::he}, BatchNorm<256>{}, ReLU{},
                         Dropout{.keep_prob = keep_prob},
                         Dense<256, 10>{.weight_init = Init::he}, SoftmaxCrossEntropy{});
}
// [end:flagship_network]

int run(const Options& o, sg::distributed::Context& ctx) {
  namespace data = sg::data;
  if (o.threads > 0) omp_set_num_threads(o.threads);
  const bool root = ctx.is_root();  // only rank 0 prints and writes files
  if (root) std::filesystem::create_directories(o.out);
  const std::filesystem::path checkpoint = o.save.value_or(o.out / "best.sgck");

  // Data: the official training set split into train and dev (the dev set drives early stopping), the
  // official test set kept for the final score. Normalisation statistics come from train alone.
  data::FashionMnist fm = data::load_fashion_mnist(o.data);
  if (o.short_run) {  // CI: 8,000 training samples
    auto order = data::shuffled_indices(fm.train.size(), 7);
    order.resize(std::min<std::size_t>(order.size(), 8000));
    fm.train = data::subset(fm.train, order);
  }
  const std::size_t dev_size = o.short_run ? 1000 : o.dev_size;
  data::TrainDevSplit split = data::carve_train_dev(fm.train, dev_size, o.seed);
  data::Dataset& train = split.train;
  data::Dataset& dev = split.train_dev;
  data::Dataset& test = fm.test;
  const data::Normalizer normalizer = data::Normalizer::fit(train);
  normalizer.apply(train);
  normalizer.apply(dev);
  normalizer.apply(test);

  auto model = sg::make_model<float>(flagship_network(o.keep_prob), o.seed);
  model.set_l2(0.05);
  if (root && !o.quiet) fmt::print("{}\n", model.summary());

  sg::Adam<float> adam;
  sg::FitOptions fit_options;
  fit_options.epochs = o.short_run ? std::min<std::size_t>(o.epochs, 2) : o.epochs;
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

  // With --augment, training images are flipped left-right at random (and shifted with --shift), a fresh
  // draw for each mini-batch, never for dev or test; the pixels are normalised already, so 0 fills with
  // the mean pixel. (Measured: flips alone did not raise test accuracy here; shifts of 2 underfit.)
  std::optional<sg::data::Augmentation> augmentation;
  if (o.augment) augmentation = sg::data::Augmentation{.horizontal_flip = true, .max_shift = o.shift};
  sg::ClassificationFeed<float> train_feed(train, augmentation, o.seed), dev_feed(dev), test_feed(test);
  // [snippet:flagship_fit]
  // The dev set scores a moving average of the weights (about the last 1000 steps), which sits nearer the
  // centre of the minimum than the last step; early stopping keeps the best such average.
  sg::AverageWeights<float> averaging(o.average);
  sg::EarlyStop<float> early_stop{.options = {.patience = o.patience, .min_delta = 1e-4}};
  const auto start = std::chrono::steady_clock::now();
  const sg::History history =
      sg::distributed::fit(ctx, model, train_feed, dev_feed, adam, fit_options, averaging, early_stop,
                           sg::ScheduleLearningRate{sg::exponential_decay<float>{1e-3f, static_cast<float>(o.decay)}},
                           sg::SaveCheckpoint{.last = {}, .best = checkpoint});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // [end:flagship_fit]

  if (!root) return 0;
  history.write_csv(o.out / "history.csv");
  history.write_learning_curve_svg(o.out / "learning_curve.svg", "Fashion-MNIST, 784-512-256-10");

  const example::SplitScores scores = example::evaluate_splits(model, train_feed, dev_feed, test_feed);
  // `seconds` timed only the epochs of this process, not those restored from a checkpoint.
  const std::size_t epochs_here = history.size() - fit_options.initial_history.size();
  example::print_training_summary(epochs_here, seconds, scores, o.out, checkpoint);
  if (o.export_onnx) {
    // [snippet:flagship_export_onnx]
    // The serving side gets raw pixels in [0, 1]: the training set's normalisation is folded into the
    // graph as its first nodes; the output is the softmax of the logits.
    sg::io::save_onnx(model, *o.export_onnx,
                      {.normalizer = normalizer, .output_names = {{"layer9", "probabilities"}}});
    // [end:flagship_export_onnx]
    fmt::print("wrote {} (ONNX: input x [N, 784] pixels in [0, 1], output probabilities [N, 10])\n",
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
    fmt::print(stderr, "fashion_mnist: {}\n", e.what());
    return 1;
  }
  // A local context unless --distributed; under mpirun one per rank. sg::distributed::fit with a local
  // context is sg::fit.
  std::optional<sg::distributed::Context> ctx;
  try {
    ctx.emplace(argc, argv, options.distributed);
    return run(options, *ctx);
  } catch (const std::exception& e) {
    if (ctx && ctx->size() > 1) ctx->abort(e.what());  // end every rank with the message, never a hang
    fmt::print(stderr, "fashion_mnist: {}\n", e.what());
    return 1;
  }
}
