// Convolutional networks through the training stack: sg::fit learns a small image task, the same bits
// for 1 and 2 threads; checkpoints round-trip and refuse another architecture; transfer learning with a
// frozen convolutional trunk and a new head; sg::distributed::fit with a local context equals sg::fit.
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <omp.h>

#include "staticgrad/distributed/fit.hpp"
#include "staticgrad/graph/transfer.hpp"
#include "staticgrad/io/model_checkpoint.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/train/feed.hpp"
#include "staticgrad/train/fit.hpp"

using namespace sg;

namespace {
// 8 x 8 grey images of three classes: a vertical bar, a horizontal bar, or a diagonal, at a random
// position, with noise. A dense layer on raw pixels cannot share what it learns across positions; a
// convolution can.
data::Dataset bars(std::size_t m, std::uint64_t seed) {
  data::Dataset d;
  d.x = Matrix<float>(64, m);
  d.labels.resize(m);
  d.num_classes = 3;
  for (std::size_t j = 0; j < m; ++j) {
    const auto c = static_cast<std::int32_t>(random::below(3, seed, 1, j));
    const std::size_t at = 1 + random::below(6, seed, 2, j);
    d.labels[j] = c;
    for (std::size_t y = 0; y < 8; ++y)
      for (std::size_t x = 0; x < 8; ++x) {
        const bool on = c == 0 ? x == at : c == 1 ? y == at : x == y;
        d.x(y * 8 + x, j) = static_cast<float>((on ? 1.0 : 0.0) + 0.3 * random::normal(seed, 3, j * 64 + y * 8 + x));
      }
  }
  return d;
}

auto trunk_and_head() {
  return network(input<"x", Image<1, 8, 8>>(), input<"y", 3>(),
                 layer<"conv1", "x">(Conv2D<6, 3, ConvOptions{.pad = 1, .bias = false}>{}),
                 layer<"bn1", "conv1">(BatchNorm2D{}), layer<"act1", "bn1">(ReLU{}),
                 layer<"pool1", "act1">(MaxPool2D<2>{}),
                 layer<"conv2", "pool1">(Conv2D<8, 3, ConvOptions{.pad = 1}>{}), layer<"act2", "conv2">(ReLU{}),
                 layer<"pool2", "act2">(GlobalAvgPool{}), layer<"drop", "pool2">(Dropout{.keep_prob = 0.9}),
                 layer<"head", "drop">(Dense<deduced, 3>{}), loss<"cost", "head", "y">(SoftmaxCrossEntropy{}));
}
// The same trunk with a new head of two classes.
auto trunk_and_new_head() {
  return network(input<"x", Image<1, 8, 8>>(), input<"y", 2>(),
                 layer<"conv1", "x">(Conv2D<6, 3, ConvOptions{.pad = 1, .bias = false}>{}),
                 layer<"bn1", "conv1">(BatchNorm2D{}), layer<"act1", "bn1">(ReLU{}),
                 layer<"pool1", "act1">(MaxPool2D<2>{}),
                 layer<"conv2", "pool1">(Conv2D<8, 3, ConvOptions{.pad = 1}>{}), layer<"act2", "conv2">(ReLU{}),
                 layer<"pool2", "act2">(GlobalAvgPool{}), layer<"drop", "pool2">(Dropout{.keep_prob = 0.9}),
                 layer<"new_head", "drop">(Dense<deduced, 2>{}),
                 loss<"cost", "new_head", "y">(SoftmaxCrossEntropy{}));
}

FitOptions quiet(std::size_t epochs) {
  FitOptions o;
  o.epochs = epochs;
  o.batch_size = 32;
  o.learning_rate = 3e-3;
  o.shuffle_seed = 5;
  o.progress.mode = ProgressMode::quiet;
  return o;
}

template <class T>
bool same_bits(std::span<const T> a, std::span<const T> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(cnn_training)

BOOST_AUTO_TEST_CASE(fit_learns_bars_with_the_same_bits_for_one_and_two_threads) {
  const auto train = bars(600, 1), dev = bars(300, 2);
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    auto model = make_model<float>(trunk_and_head(), 3);
    ClassificationFeed<float> t(train), d(dev);
    Adam<float> adam;
    fit(model, t, d, adam, quiet(8));
    const double accuracy = evaluate(model, d).accuracy;
    return std::pair{std::vector<float>(model.parameters().begin(), model.parameters().end()), accuracy};
  };
  const int before = omp_get_max_threads();
  const auto [one, accuracy] = run(1);
  const auto [two, accuracy_two] = run(2);
  omp_set_num_threads(before);
  BOOST_TEST_MESSAGE("dev accuracy after 8 epochs: " << accuracy);
  BOOST_TEST(accuracy > 0.9);  // chance is 1/3
  BOOST_TEST(same_bits(std::span<const float>(one), std::span<const float>(two)));
  BOOST_TEST(accuracy == accuracy_two);
}

BOOST_AUTO_TEST_CASE(checkpoints_round_trip_and_refuse_another_architecture) {
  const auto train = bars(200, 3), dev = bars(100, 4);
  auto model = make_model<float>(trunk_and_head(), 5);
  ClassificationFeed<float> t(train), d(dev);
  Adam<float> adam;
  fit(model, t, d, adam, quiet(2));
  const auto path = std::filesystem::temp_directory_path() / "staticgrad_cnn_test.sgck";
  save_checkpoint(path, model, &adam, CheckpointMeta{.epoch = 2, .step = model.step()});
  auto restored = make_model<float>(trunk_and_head(), 99);  // another seed: other weights until loaded
  Adam<float> adam2;
  const CheckpointMeta meta = load_checkpoint(path, restored, &adam2);
  BOOST_TEST(meta.epoch == 2u);
  BOOST_TEST(same_bits(std::span<const float>(model.parameters()), std::span<const float>(restored.parameters())));
  BOOST_TEST(evaluate(model, d).cost == evaluate(restored, d).cost);
  // Another convolution width is another architecture: refused, and the model is left as it was.
  auto other = make_model<float>(
      network(input<"x", Image<1, 8, 8>>(), input<"y", 3>(), layer<"conv1", "x">(Conv2D<4, 3>{}),
              layer<"pool", "conv1">(GlobalAvgPool{}), layer<"head", "pool">(Dense<deduced, 3>{}),
              loss<"cost", "head", "y">(SoftmaxCrossEntropy{})),
      6);
  const std::vector<float> untouched(other.parameters().begin(), other.parameters().end());
  BOOST_CHECK_EXCEPTION(load_checkpoint(path, other), std::exception, [&](const std::exception& e) {
    const std::string what = e.what();
    BOOST_TEST_MESSAGE(what);
    return what.find(path.string()) != std::string::npos;
  });
  BOOST_TEST(same_bits(std::span<const float>(untouched), std::span<const float>(other.parameters())));
  std::filesystem::remove(path);
}

BOOST_AUTO_TEST_CASE(transfer_freezes_the_convolutional_trunk_and_trains_a_new_head) {
  const auto train = bars(600, 5), dev = bars(100, 6);
  auto pretrained = make_model<float>(trunk_and_head(), 7);
  {
    ClassificationFeed<float> t(train), d(dev);
    Adam<float> adam;
    fit(pretrained, t, d, adam, quiet(8));
  }
  auto target = make_model<float>(trunk_and_new_head(), 8);
  std::vector<std::string> skipped;
  const auto copied = copy_parameters(pretrained, target, &skipped);
  BOOST_TEST(copied == (std::vector<std::string>{"conv1.W", "bn1.gamma", "bn1.beta", "bn1.running_mean",
                                                 "bn1.running_var", "conv2.W", "conv2.b"}));
  for (const char* node : {"conv1", "bn1", "conv2"}) target.freeze(node);
  const std::vector<float> trunk_before(target.parameters().begin(),
                                        target.parameters().begin() + target.slices()[7].offset);
  const std::vector<float> head_before(target.parameters().begin() + target.slices()[7].offset,
                                       target.parameters().end());
  // Two classes: vertical (0) against the rest (1).
  data::Dataset two = bars(300, 9), two_dev = bars(100, 10);
  for (auto* d : {&two, &two_dev}) {
    d->num_classes = 2;
    for (auto& l : d->labels) l = l == 0 ? 0 : 1;
  }
  ClassificationFeed<float> t(two), d(two_dev);
  Adam<float> adam;
  FitOptions head_options = quiet(20);
  head_options.learning_rate = 1e-2;  // a fresh 8 -> 2 head
  fit(target, t, d, adam, head_options);
  BOOST_TEST(target.slices()[7].name == "new_head.W");
  // The frozen trunk's weights did not move (batch norm's running statistics still follow the batches
  // in training mode, as they do for BatchNorm: they are statistics, not trained parameters).
  for (std::size_t s = 0; s < 7; ++s) {
    if (target.role(s) == ParamRole::statistic) continue;
    const auto slice = target.slices()[s];
    BOOST_TEST_INFO(slice.name);
    BOOST_TEST(std::memcmp(trunk_before.data() + slice.offset, target.parameters().data() + slice.offset,
                           slice.size * sizeof(float)) == 0);
  }
  BOOST_TEST(std::memcmp(head_before.data(), target.parameters().data() + target.slices()[7].offset,
                         head_before.size() * sizeof(float)) != 0);
  const double accuracy = evaluate(target, d).accuracy;
  BOOST_TEST_MESSAGE("new head on the frozen trunk: dev accuracy " << accuracy);
  BOOST_TEST(accuracy > 0.8);  // the majority class is 2/3
}

BOOST_AUTO_TEST_CASE(distributed_fit_with_a_local_context_equals_fit) {
  const auto train = bars(150, 11), dev = bars(60, 12);
  auto a = make_model<float>(trunk_and_head(), 13), b = make_model<float>(trunk_and_head(), 13);
  ClassificationFeed<float> ta(train), da(dev), tb(train), db(dev);
  Adam<float> adam_a, adam_b;
  const History ha = fit(a, ta, da, adam_a, quiet(2));
  distributed::Context local;
  const History hb = distributed::fit(local, b, tb, db, adam_b, quiet(2));
  BOOST_TEST(same_bits(std::span<const float>(a.parameters()), std::span<const float>(b.parameters())));
  BOOST_TEST(ha.records().back().dev_cost == hb.records().back().dev_cost);
}

BOOST_AUTO_TEST_SUITE_END()
