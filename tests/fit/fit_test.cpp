// fit(): learning, mini-batch sizes, early stopping, the NaN guard, checkpoints and exact resumption.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "staticgrad/data/dataset.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/optim/gradient_descent.hpp"
#include "staticgrad/optim/schedule.hpp"
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/train/callbacks.hpp"
#include "staticgrad/train/feed.hpp"
#include "staticgrad/train/fit.hpp"

#include "blobs.hpp"
#include "support/checkpoint_bytes.hpp"

using namespace sg;

namespace {
using test::blobs;
auto make_net() { return sequential<4>(Dense<4, 16>{}, ReLU{}, Dense<16, 3>{}, SoftmaxCrossEntropy{}); }
FitOptions quiet(std::size_t epochs, std::size_t batch) {
  FitOptions o;
  o.epochs = epochs;
  o.batch_size = batch;
  o.progress.mode = ProgressMode::quiet;
  o.shuffle_seed = 9;
  return o;
}
struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("sg_fit_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(fit_loop)

BOOST_AUTO_TEST_CASE(learns_separable_blobs_with_adam) {
  const auto train = blobs(600, 1), dev = blobs(200, 2);
  auto model = make_model<float>(make_net(), 3);
  ClassificationFeed<float> tf(train), df(dev);
  Adam<float> adam;
  auto options = quiet(15, 32);
  options.learning_rate = 0.01;
  const History h = fit(model, tf, df, adam, options);
  BOOST_TEST(h.size() == 15u);
  BOOST_TEST(h.records().back().train_cost < 0.5 * h.records().front().train_cost);
  BOOST_TEST(h.records().back().metrics.at("dev_accuracy") > 0.95);
  BOOST_TEST((model.mode() == Mode::train));
}

BOOST_AUTO_TEST_CASE(stochastic_and_batch_gradient_descent_use_every_sample) {
  const auto train = blobs(10, 3), dev = blobs(5, 4);
  for (std::size_t batch : {1u, 3u, 10u, 50u}) {  // 3 leaves a partial last batch of 1
    auto model = make_model<float>(make_net(), 3);
    ClassificationFeed<float> tf(train), df(dev);
    GradientDescent<float> gd;
    fit(model, tf, df, gd, quiet(2, batch));
    const std::size_t per_epoch = (10 + batch - 1) / batch;
    BOOST_TEST(model.step() == 2 * per_epoch);
  }
}

BOOST_AUTO_TEST_CASE(epochs_visit_a_permutation_of_the_set) {
  std::vector<std::size_t> order;
  shuffled_order(order, 1000, 5, 1);
  std::vector<std::size_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t k = 0; k < 1000; ++k) BOOST_REQUIRE(sorted[k] == k);
  std::vector<std::size_t> second;
  shuffled_order(second, 1000, 5, 2);
  BOOST_TEST(order != second);
}

BOOST_AUTO_TEST_CASE(early_stopping_restores_the_best_weights) {
  // Tiny, noisy training set and a large learning rate: the dev cost turns up and stays up.
  const auto train = blobs(30, 5, 2.0), dev = blobs(300, 6, 2.0);
  auto model = make_model<float>(sequential<4>(Dense<4, 64>{}, ReLU{}, Dense<64, 3>{}, SoftmaxCrossEntropy{}), 7);
  ClassificationFeed<float> tf(train), df(dev);
  Adam<float> adam;
  auto options = quiet(200, 10);
  options.learning_rate = 0.05;
  EarlyStop<float> stop{.options = {.patience = 3, .min_delta = 0}};
  std::vector<std::vector<float>> weights_by_epoch;
  const History h = fit(model, tf, df, adam, options, stop, OnEpochEnd{[&](auto& s) {
                          weights_by_epoch.emplace_back(s.model.parameters().begin(), s.model.parameters().end());
                        }});
  BOOST_REQUIRE(h.size() < 200u);  // it stopped
  BOOST_TEST(h.stop_reason().find("early stopping") != std::string::npos);
  const std::size_t best = *h.best_epoch();
  BOOST_TEST(h.size() == best + 3);  // patience 3 epochs after the best
  const auto& kept = weights_by_epoch[best - 1];
  BOOST_TEST(std::memcmp(kept.data(), model.parameters().data(), kept.size() * sizeof(float)) == 0);
}

BOOST_AUTO_TEST_CASE(nan_guard_stops_a_diverging_run_and_keeps_finite_weights) {
  const auto train = blobs(200, 8), dev = blobs(50, 9);
  auto model = make_model<float>(make_net(), 10);
  ClassificationFeed<float> tf(train), df(dev);
  GradientDescent<float> gd;
  auto options = quiet(50, 20);
  options.learning_rate = 1e12;  // diverges within a few steps
  const History h = fit(model, tf, df, gd, options);
  BOOST_TEST(h.stop_reason().find("NaN guard") != std::string::npos);
  BOOST_TEST_MESSAGE(h.stop_reason());
  for (float w : model.parameters()) BOOST_REQUIRE(std::isfinite(w));
}

BOOST_AUTO_TEST_CASE(nan_in_the_data_is_named) {
  auto train = blobs(40, 11);
  train.x(2, 17) = std::numeric_limits<float>::quiet_NaN();
  const auto dev = blobs(10, 12);
  auto model = make_model<float>(make_net(), 13);
  ClassificationFeed<float> tf(train), df(dev);
  GradientDescent<float> gd;
  auto options = quiet(1, 40);
  options.shuffle = false;
  const History h = fit(model, tf, df, gd, options);
  BOOST_TEST_INFO(h.stop_reason());
  BOOST_TEST(h.stop_reason().find("node \"x\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(resuming_from_a_checkpoint_is_bit_identical) {
  TempDir dir;
  const auto train = blobs(300, 14), dev = blobs(60, 15);
  auto net = sequential<4>(Dense<4, 16>{}, BatchNorm<16>{}, ReLU{}, Dropout{.keep_prob = 0.8}, Dense<16, 3>{},
                           SoftmaxCrossEntropy{});
  auto options = quiet(4, 32);
  // Uninterrupted: 4 epochs.
  auto straight = make_model<float>(net, 16);
  {
    ClassificationFeed<float> tf(train), df(dev);
    Adam<float> adam;
    fit(straight, tf, df, adam, options, ScheduleLearningRate{exponential_decay<float>{1e-2f}});
  }
  // Interrupted after 2 epochs, saved, loaded into a fresh model and optimiser, resumed.
  {
    auto first = make_model<float>(net, 16);
    ClassificationFeed<float> tf(train), df(dev);
    Adam<float> adam;
    auto half = options;
    half.epochs = 2;
    fit(first, tf, df, adam, half, SaveCheckpoint{.last = dir.path / "last.sgck", .best = {}},
        ScheduleLearningRate{exponential_decay<float>{1e-2f}});
  }
  auto resumed = make_model<float>(net, 999);  // other initial weights: all must come from the file
  ClassificationFeed<float> tf(train), df(dev);
  Adam<float> adam;
  const CheckpointMeta meta = load_checkpoint(dir.path / "last.sgck", resumed, &adam);
  BOOST_TEST(meta.epoch == 2u);
  auto rest = options;
  rest.initial_epoch = meta.epoch;
  const History h = fit(resumed, tf, df, adam, rest, ScheduleLearningRate{exponential_decay<float>{1e-2f}});
  BOOST_TEST(h.size() == 2u);
  BOOST_TEST(std::memcmp(straight.parameters().data(), resumed.parameters().data(),
                         straight.parameters().size_bytes()) == 0);
}

BOOST_AUTO_TEST_CASE(a_resumed_history_covers_every_epoch) {
  // 2 epochs with a checkpoint after each, then resumed to 4 from the last one with its history: the
  // returned History equals an uninterrupted 4-epoch run's bit for bit, except the seconds, which are not
  // stored (NaN for the restored epochs).
  TempDir dir;
  const auto train = blobs(300, 14), dev = blobs(60, 15);
  auto net = sequential<4>(Dense<4, 16>{}, BatchNorm<16>{}, ReLU{}, Dropout{.keep_prob = 0.8}, Dense<16, 3>{},
                           SoftmaxCrossEntropy{});
  const auto options = quiet(4, 32);
  const auto schedule = ScheduleLearningRate{exponential_decay<float>{1e-2f}};
  auto straight_model = make_model<float>(net, 16);
  History straight;
  {
    ClassificationFeed<float> tf(train), df(dev);
    Adam<float> adam;
    straight = fit(straight_model, tf, df, adam, options, schedule);
  }
  {
    auto first = make_model<float>(net, 16);
    ClassificationFeed<float> tf(train), df(dev);
    Adam<float> adam;
    auto half = options;
    half.epochs = 2;
    fit(first, tf, df, adam, half, SaveCheckpoint{.last = dir.path / "last.sgck", .best = {}}, schedule);
  }
  auto resumed_model = make_model<float>(net, 999);
  ClassificationFeed<float> tf(train), df(dev);
  Adam<float> adam;
  const CheckpointMeta meta = load_checkpoint(dir.path / "last.sgck", resumed_model, &adam);
  BOOST_REQUIRE(meta.history.size() == 2u);
  auto rest = options;
  rest.initial_epoch = meta.epoch;
  rest.initial_history = meta.history;
  const History resumed = fit(resumed_model, tf, df, adam, rest, schedule);
  BOOST_REQUIRE(resumed.size() == 4u);
  BOOST_REQUIRE(straight.size() == 4u);
  for (std::size_t k = 0; k < 4; ++k) {
    const EpochRecord &a = straight.records()[k], &b = resumed.records()[k];
    BOOST_TEST_CONTEXT("epoch " << k + 1) {
      BOOST_TEST(b.epoch == k + 1);
      auto same_bits = [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; };
      BOOST_TEST(same_bits(a.train_cost, b.train_cost));
      BOOST_TEST(same_bits(a.dev_cost, b.dev_cost));
      BOOST_TEST(same_bits(a.learning_rate, b.learning_rate));
      BOOST_REQUIRE(a.metrics.size() == 1u);
      BOOST_REQUIRE(b.metrics.size() == 1u);
      BOOST_TEST(same_bits(a.metrics.at("dev_accuracy"), b.metrics.at("dev_accuracy")));
      BOOST_TEST((k < 2 ? std::isnan(b.seconds) : std::isfinite(b.seconds)));
    }
  }
  BOOST_TEST(std::memcmp(straight_model.parameters().data(), resumed_model.parameters().data(),
                         straight_model.parameters().size_bytes()) == 0);
  // A history that does not end at initial_epoch is refused before anything trains.
  auto wrong = rest;
  wrong.initial_epoch = 3;
  BOOST_CHECK_EXCEPTION(fit(resumed_model, tf, df, adam, wrong), error, [](const error& e) {
    return std::string(e.what()).find("initial_history ends at epoch 2 but initial_epoch is 3") !=
           std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(per_slice_step_counts_survive_a_checkpoint) {
  // layer1 frozen for the first epoch: its slices have fewer Adam steps than layer3's. The checkpoint
  // keeps the counts by slice name, a resumed run continues bit-identically, and a version 1 file (one
  // count) gives every slice that count.
  TempDir dir;
  const auto train = blobs(120, 21), dev = blobs(30, 22);
  auto model = make_model<float>(make_net(), 23);
  ClassificationFeed<float> tf(train), df(dev);
  Adam<float> adam;
  auto options = quiet(1, 32);  // 4 mini-batches per epoch
  model.freeze("layer1");
  fit(model, tf, df, adam, options);
  model.unfreeze("layer1");
  options.initial_epoch = 1;
  options.epochs = 2;
  fit(model, tf, df, adam, options);
  const std::vector<std::uint64_t> counts(adam.slice_steps().begin(), adam.slice_steps().end());
  BOOST_REQUIRE(counts.size() == model.slices().size());
  BOOST_TEST(adam.step_count() == 8u);
  BOOST_TEST(model.slices()[0].name == "layer1.W");
  BOOST_TEST(counts[0] == 4u);  // layer1.W: trainable in the second epoch only
  BOOST_TEST(counts.back() == 8u);
  save_checkpoint(dir.path / "c.sgck", model, &adam, {.epoch = 2});

  auto resumed = make_model<float>(make_net(), 99);
  Adam<float> resumed_adam;
  load_checkpoint(dir.path / "c.sgck", resumed, &resumed_adam);
  BOOST_TEST((std::vector<std::uint64_t>(resumed_adam.slice_steps().begin(),
                                         resumed_adam.slice_steps().end()) == counts));
  options.initial_epoch = 2;
  options.epochs = 3;
  fit(model, tf, df, adam, options);
  fit(resumed, tf, df, resumed_adam, options);
  BOOST_TEST(std::memcmp(model.parameters().data(), resumed.parameters().data(),
                         model.parameters().size_bytes()) == 0);

  // The same file as version 1 wrote it: every slice continues from the single count.
  {
    std::ifstream in(dir.path / "c.sgck", std::ios::binary);
    const std::vector<char> v2{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const std::vector<char> v1 = sg_test::as_version_1(v2);
    std::ofstream(dir.path / "v1.sgck", std::ios::binary)
        .write(v1.data(), static_cast<std::streamsize>(v1.size()));
  }
  auto old = make_model<float>(make_net(), 98);
  Adam<float> old_adam;
  BOOST_TEST(load_checkpoint(dir.path / "v1.sgck", old, &old_adam).history.empty());
  BOOST_TEST(old_adam.step_count() == 8u);
  BOOST_TEST(old_adam.slice_steps().empty());
  fit(old, tf, df, old_adam, options);
  for (std::uint64_t c : old_adam.slice_steps()) BOOST_TEST(c == 12u);

  // Counts for slices the model does not have: the load names the file and the slice, and changes nothing.
  Checkpoint c = load_checkpoint(dir.path / "c.sgck");
  c.meta.optimizer_slice_steps[0].name = "layer9.W";
  save_checkpoint(dir.path / "renamed.sgck", c);
  const std::vector<float> before(old.parameters().begin(), old.parameters().end());
  BOOST_CHECK_EXCEPTION(load_checkpoint(dir.path / "renamed.sgck", old, &old_adam), format_error,
                        [](const format_error& e) {
                          const std::string what = e.what();
                          BOOST_TEST_MESSAGE(what);
                          return what.find("renamed.sgck") != std::string::npos &&
                                 what.find(
                                     "optimizer slice step count \"layer1.W\": expected in the checkpoint, "
                                     "not found") != std::string::npos;
                        });
  BOOST_TEST(std::memcmp(before.data(), old.parameters().data(), before.size() * sizeof(float)) == 0);
  BOOST_TEST(old_adam.step_count() == 12u);
}

BOOST_AUTO_TEST_CASE(save_checkpoint_removes_and_reports_a_crashed_writers_file) {
  TempDir dir;
  const pid_t child = ::fork();  // a pid that is not running once reaped
  BOOST_REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  const auto stray = dir.path / ("last.sgck.tmp-" + std::to_string(child) + "-0");
  std::ofstream(stray) << "the first bytes of a checkpoint";
  const auto train = blobs(60, 31);
  auto model = make_model<float>(make_net(), 32);
  ClassificationFeed<float> tf(train);
  Adam<float> adam;
  auto options = quiet(1, 32);
  options.progress.mode = ProgressMode::lines;
  std::FILE* out = std::tmpfile();
  BOOST_REQUIRE(out);
  options.progress_out = out;
  fit(model, tf, no_dev, adam, options, SaveCheckpoint{.last = dir.path / "last.sgck", .best = {}});
  std::rewind(out);
  std::string printed;
  for (int c; (c = std::fgetc(out)) != EOF;) printed += static_cast<char>(c);
  std::fclose(out);
  BOOST_TEST(!std::filesystem::exists(stray));
  BOOST_TEST(std::filesystem::exists(dir.path / "last.sgck"));
  BOOST_TEST(printed.find("removed " + stray.string() +
                          ", a temporary file left by a checkpoint writer that "
                          "is no longer running") != std::string::npos,
             printed);
}

BOOST_AUTO_TEST_CASE(corrupt_checkpoints_leave_the_model_untouched) {
  TempDir dir;
  auto model = make_model<float>(make_net(), 17);
  Adam<float> adam;
  save_checkpoint(dir.path / "good.sgck", model, &adam, {});
  auto other = make_model<float>(make_net(), 18);
  const std::vector<float> before(other.parameters().begin(), other.parameters().end());
  auto unchanged = [&] {
    return std::memcmp(before.data(), other.parameters().data(), before.size() * sizeof(float)) == 0;
  };
  // Truncated.
  {
    const auto size = std::filesystem::file_size(dir.path / "good.sgck");
    std::filesystem::copy_file(dir.path / "good.sgck", dir.path / "short.sgck");
    std::filesystem::resize_file(dir.path / "short.sgck", size / 2);
    BOOST_CHECK_THROW(load_checkpoint(dir.path / "short.sgck", other, &adam), format_error);
    BOOST_TEST(unchanged());
  }
  // A flipped byte in the middle.
  {
    std::filesystem::copy_file(dir.path / "good.sgck", dir.path / "flipped.sgck");
    std::fstream f(dir.path / "flipped.sgck", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(dir.path / "good.sgck") / 2));
    f.put('\x5a');
    f.close();
    BOOST_CHECK_THROW(load_checkpoint(dir.path / "flipped.sgck", other, &adam), format_error);
    BOOST_TEST(unchanged());
  }
  // Another architecture: names the file and the mismatch.
  {
    auto wider = make_model<float>(sequential<4>(Dense<4, 32>{}, ReLU{}, Dense<32, 3>{}, SoftmaxCrossEntropy{}), 1);
    BOOST_CHECK_EXCEPTION(load_checkpoint(dir.path / "good.sgck", wider, &adam), format_error,
                          [&](const format_error& e) {
                            const std::string what = e.what();
                            BOOST_TEST_MESSAGE(what);
                            return what.find("good.sgck") != std::string::npos;
                          });
  }
  BOOST_CHECK_THROW(load_checkpoint(dir.path / "missing.sgck", other, &adam), io_error);
}

BOOST_AUTO_TEST_SUITE_END()
