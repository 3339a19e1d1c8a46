// check-output: ranks 1  threads/rank [0-9]+  reduction fixed  buckets 0  batch 256  shards 1  samples/s [0-9]+
// Data-parallel scaling: training samples per second on 1 process and under `mpirun -np N`, the numbers
// in docs/distributed.md. A 784-256-128-10 network (Fashion-MNIST's shape, 235,146 parameters) on
// synthetic data, so it needs no data set; one untimed warm-up epoch, then `--epochs` timed ones.
//
//   build/examples/distributed_scaling [--distributed] [--reduction fixed|allreduce] [--batch B]
//                                      [--epochs E] [--samples N] [--threads T] [--shards S] [--batch-norm]
//                                      [--bucket-kib K] [--short]
//   mpirun -np 2 build/examples/distributed_scaling --distributed --threads 1
//
// Prints one line on rank 0: ranks, threads per rank, reduction, the reduction's buckets (started during
// the backward pass; --bucket-kib 0: one after it), samples/s, bytes reduced per step, and the
// milliseconds per step spent in the gradient reduction (and the part of it after the backward pass,
// waiting for the buckets) and in batch norm's exchanges (with --batch-norm: BatchNorm after each
// hidden Dense layer, synchronised over the shards). It trains with sg::fit and the strategy written
// out, sg::distributed::DataParallel, to read those times from it.
#include <omp.h>

#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "staticgrad/distributed/fit.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/train/feed.hpp"

#include "common/command_line.hpp"

namespace {

struct Options {
  bool distributed = false;
  sg::distributed::Reduction reduction = sg::distributed::Reduction::fixed_order;
  std::size_t batch = 256, epochs = 2, samples = 16384;
  std::size_t shards = 0;  // 0: one per rank
  std::size_t bucket_kib = sg::distributed::Options{}.bucket_bytes / 1024;
  bool batch_norm = false, short_run = false;
  int threads = 0;
};

// Reads the options into `o`; false after --help. Throws std::invalid_argument on a bad command line.
bool parse(int argc, char** argv, Options& o) {
  std::string reduction = "fixed";
  example::CommandLine cli(
      "distributed_scaling",
      "Training samples per second of a 784-256-128-10 network on synthetic data, on one process or\n"
      "under `mpirun -np N` (with --distributed).");
  cli.flag("--distributed", o.distributed, "data-parallel over the ranks of mpirun")
      .option("--reduction", reduction, "fixed|allreduce",
              "how gradients are summed over the ranks (default fixed)")
      .count("--batch", o.batch, "B", "mini-batch size (default 256)")
      .count("--epochs", o.epochs, "E", "timed epochs, after one untimed warm-up epoch (default 2)")
      .count("--samples", o.samples, "N", "synthetic training samples (default 16384)")
      .option("--threads", o.threads, "T", "OpenMP threads per rank (default: all cores)")
      .option("--shards", o.shards, "S",
              "shards per mini-batch, at least the rank count (default: one per rank)")
      .option("--bucket-kib", o.bucket_kib, "K",
              "gradient buckets of about K KiB, each reduced as soon as backward has made it final "
              "(0: one bucket after the backward pass; default 256)")
      .flag("--batch-norm", o.batch_norm,
            "BatchNorm after each hidden Dense layer (synchronised over the shards)")
      .flag("--short", o.short_run, "a quick run for CI: 2048 samples, 1 timed epoch");
  if (!cli.parse(argc, argv)) return false;
  if (o.short_run) {
    if (!cli.given("--samples")) o.samples = 2048;
    if (!cli.given("--epochs")) o.epochs = 1;
  }
  if (reduction != "fixed" && reduction != "allreduce")
    throw std::invalid_argument("--reduction is fixed or allreduce");
  o.reduction =
      reduction == "fixed" ? sg::distributed::Reduction::fixed_order : sg::distributed::Reduction::allreduce;
  if (o.threads < 0) throw std::invalid_argument("--threads must be positive");
  return true;
}

// Ten noisy class prototypes in 784 dimensions.
sg::data::Dataset synthetic(std::size_t n) {
  sg::data::Dataset d;
  d.x = sg::Matrix<float>(784, n);
  d.labels.resize(n);
  d.num_classes = 10;
  for (std::size_t j = 0; j < n; ++j) {
    const auto c = static_cast<std::int32_t>(sg::random::below(10, 1, 1, j));
    d.labels[j] = c;
    for (std::size_t i = 0; i < 784; ++i)
      d.x(i, j) = static_cast<float>((i % 10 == static_cast<std::size_t>(c) ? 0.5 : 0.0) +
                                     sg::random::normal(1, 2, j * 784 + i));
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    if (!parse(argc, argv, o)) return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "distributed_scaling: %s\n", e.what());
    return 2;
  }
  sg::distributed::Context ctx(argc, argv, o.distributed);
  sg::distributed::run_or_abort(ctx, [&] {
    if (o.threads > 0) omp_set_num_threads(o.threads);
    const sg::data::Dataset train = synthetic(o.samples), dev;
    auto measure = [&](const auto& network) {
      auto model = sg::make_model<float>(network, 1);
      sg::ClassificationFeed<float> train_feed(train), dev_feed(dev);
      sg::Adam<float> adam;
      sg::FitOptions options;
      options.batch_size = o.batch;
      options.shards = o.shards ? o.shards : static_cast<std::size_t>(ctx.size());
      options.progress.mode = sg::ProgressMode::quiet;
      options.epochs = 1;  // warm-up: buffers planned, pages touched, MPI connections made
      const sg::distributed::Options parallel{.reduction = o.reduction, .bucket_bytes = o.bucket_kib * 1024};
      sg::distributed::fit(ctx, model, train_feed, dev_feed, adam, options, parallel);
      options.initial_epoch = 1;
      options.epochs = 1 + o.epochs;
      sg::distributed::DataParallel<float> strategy(ctx, parallel);
      const sg::History h = sg::fit(strategy, model, train_feed, dev_feed, adam, options);
      double seconds = 0;
      for (const auto& r : h.records()) seconds += r.seconds;
      const double steps = static_cast<double>(o.epochs * ((o.samples + o.batch - 1) / o.batch));
      if (ctx.is_root())
        fmt::print(
            "ranks {}  threads/rank {}  reduction {}  buckets {}  batch {}  shards {}  samples/s {:.0f}  "
            "reduced/step {} bytes  "
            "reduce {:.2f} ms/step (after backward {:.2f})  batch-norm exchange {:.2f} ms/step  "
            "train_cost {:.4f}\n",
            ctx.size(), omp_get_max_threads(),
            o.reduction == sg::distributed::Reduction::fixed_order ? "fixed" : "allreduce",
            strategy.buckets(), o.batch, options.shards, static_cast<double>(o.epochs * o.samples) / seconds,
            (model.parameters().size() + 1) * sizeof(float), 1e3 * strategy.reduction_seconds() / steps,
            1e3 * strategy.reduction_wait_seconds() / steps,
            1e3 * strategy.batch_norm_exchange_seconds() / steps, h.records().back().train_cost);
    };
    if (o.batch_norm)
      measure(sg::sequential<784>(sg::Dense<784, 256>{}, sg::BatchNorm<256>{}, sg::ReLU{},
                                  sg::Dense<256, 128>{}, sg::BatchNorm<128>{}, sg::ReLU{},
                                  sg::Dense<128, 10>{}, sg::SoftmaxCrossEntropy{}));
    else
      measure(sg::sequential<784>(sg::Dense<784, 256>{}, sg::ReLU{}, sg::Dense<256, 128>{}, sg::ReLU{},
                                  sg::Dense<128, 10>{}, sg::SoftmaxCrossEntropy{}));
  });
}
