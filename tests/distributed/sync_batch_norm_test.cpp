// Synchronised batch norm: a mini-batch cut into shards gives the gradient and the running statistics
// of the unsplit batch (the shards take the whole batch's sums, graph/batch_exchange.hpp), up to the
// rounding of sums taken in another order, and its gradient passes the course's two-sided check.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <numeric>
#include <vector>

#include "common.hpp"
#include "staticgrad/distributed/data_parallel.hpp"
#include "staticgrad/graph/gradient_check.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/train/feed.hpp"

using namespace sg;
using namespace sg_test_distributed;
namespace sd = sg::distributed;

namespace {
// Batch norm of features and of image channels, no dropout (its masks differ per shard by design).
auto features_net() {
  return sequential<4>(Dense<4, 16>{}, BatchNorm<16>{}, Tanh{}, Dense<16, 3>{}, BatchNorm<3>{},
                       SoftmaxCrossEntropy{});
}
auto image_net() {
  return sequential<Image<1, 2, 2>>(Conv2D<6, 2, ConvOptions{.pad = 1}>{}, BatchNorm2D{}, Tanh{}, Flatten{},
                                    Dense<deduced, 3>{}, SoftmaxCrossEntropy{});
}

struct Step {
  double cost = 0;
  std::vector<double> gradients, parameters;  // parameters: the running statistics after the step
};
// One step of the strategy on samples [0, m) of `data` in `shards` shards.
template <class Net>
Step one_step(const Net& net, const data::Dataset& data, std::size_t m, std::size_t shards) {
  auto model = make_model<double>(net, 4);
  model.set_l2(0.02);
  ClassificationFeed<double> feed(data);
  Adam<double> adam;
  FitOptions options = quiet(1, m);
  options.shards = shards;
  const sd::Context local;
  sd::DataParallel<double> strategy(local);
  strategy.begin(model, adam, data.size(), 0, options);
  std::vector<std::size_t> batch(m);
  std::iota(batch.begin(), batch.end(), std::size_t{0});
  model.set_mode(Mode::train);
  Step r;
  r.cost = strategy.step(model, feed, std::span<const std::size_t>(batch));
  r.gradients.assign(model.gradients().begin(), model.gradients().end());
  r.parameters.assign(model.parameters().begin(), model.parameters().end());
  return r;
}

double relative(const std::vector<double>& a, const std::vector<double>& b) {
  return relative_difference(std::span<const double>(a), std::span<const double>(b));
}

template <class Net>
void check_shards_see_the_whole_batch(const Net& net) {
  const auto data = blobs(30, 5);
  const Step whole = one_step(net, data, 30, 1);
  for (std::size_t shards : {2u, 3u, 4u, 7u}) {
    const Step split = one_step(net, data, 30, shards);  // 30 in 4: 8, 8, 7, 7
    BOOST_TEST_CONTEXT(shards << " shards") {
      BOOST_TEST(std::abs(split.cost - whole.cost) < 1e-13 * (1 + std::abs(whole.cost)));
      BOOST_TEST(relative(split.gradients, whole.gradients) < 1e-13);
      BOOST_TEST(relative(split.parameters, whole.parameters) < 1e-13);  // running mean and variance
    }
  }
}

// The sharded gradient against two-sided differences of the unsplit batch's cost.
template <class Net>
void check_sharded_gradient(const Net& net) {
  const auto data = blobs(21, 6);
  const Step split = one_step(net, data, 21, 4);
  auto model = make_model<double>(net, 4);
  model.set_l2(0.02);
  ClassificationFeed<double> feed(data);
  std::vector<std::size_t> batch(21);
  std::iota(batch.begin(), batch.end(), std::size_t{0});
  model.set_mode(Mode::train);
  feed.bind(model, std::span<const std::size_t>(batch), true, 0);
  std::vector<NamedParameter> params;
  for (const ParamSlice& s : model.slices())
    if (model.role(static_cast<std::size_t>(&s - model.slices().data())) != ParamRole::statistic)
      params.push_back({std::string(s.name), model.parameters().subspan(s.offset, s.size),
                        std::span<const double>(split.gradients).subspan(s.offset, s.size)});
  const GradientCheckResult r = gradient_check(params, [&] { return static_cast<double>(model.forward()); });
  BOOST_TEST_INFO("relative difference " << r.relative_difference);
  BOOST_TEST(r.checked > 0u);
  BOOST_TEST(r.relative_difference < 1e-7);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(sync_batch_norm)

BOOST_AUTO_TEST_CASE(shards_see_the_statistics_of_the_whole_batch) {
  check_shards_see_the_whole_batch(features_net());
  check_shards_see_the_whole_batch(image_net());
}

BOOST_AUTO_TEST_CASE(the_sharded_gradient_passes_the_gradient_check) {
  check_sharded_gradient(features_net());
  check_sharded_gradient(image_net());
}

BOOST_AUTO_TEST_SUITE_END()
