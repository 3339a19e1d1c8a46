// Seeded splits: a Fisher-Yates shuffle from sg::random, cut into consecutive parts.
#include "staticgrad/data/split.hpp"

#include <fmt/core.h>

#include <cmath>
#include <numeric>
#include <span>
#include <utility>

#include "staticgrad/core/error.hpp"
#include "staticgrad/core/random.hpp"

namespace sg::data {

namespace {

// Train is the first part of the shuffled order, then dev, then test.
Split cut(const Dataset& ds, std::span<const std::size_t> order, std::size_t dev_count,
          std::size_t test_count) {
  const std::size_t train_count = order.size() - dev_count - test_count;
  return Split{subset(ds, order.subspan(0, train_count)), subset(ds, order.subspan(train_count, dev_count)),
               subset(ds, order.subspan(train_count + dev_count, test_count))};
}

}  // namespace

std::vector<std::size_t> shuffled_indices(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  const std::uint64_t stream = sg::random::stream_id("sg.data.shuffle");
  for (std::size_t i = n; i > 1; --i) {
    const auto k = static_cast<std::size_t>(sg::random::below(i, seed, stream, i));
    std::swap(order[i - 1], order[k]);
  }
  return order;
}

Split split_by_ratio(const Dataset& ds, double train, double dev, double test, std::uint64_t seed) {
  if (!(train >= 0 && dev >= 0 && test >= 0) || std::abs(train + dev + test - 1.0) > 1e-9)
    throw sg::shape_error(fmt::format(
        "split_by_ratio: non-negative fractions summing to 1 expected, found {:g} + {:g} + {:g} = {:g}",
        train, dev, test, train + dev + test));
  const auto m = static_cast<double>(ds.size());
  // dev <= 1 keeps round(m * dev) <= m; rounding both up (m = 1, 0.5 and 0.5) can over-assign, so test
  // gets at most what dev left.
  const auto dev_count = std::min(static_cast<std::size_t>(std::llround(m * dev)), ds.size());
  const auto test_count = std::min(static_cast<std::size_t>(std::llround(m * test)), ds.size() - dev_count);
  return split_by_count(ds, dev_count, test_count, seed);
}

Split split_by_count(const Dataset& ds, std::size_t dev_count, std::size_t test_count, std::uint64_t seed) {
  if (dev_count > ds.size() || test_count > ds.size() - dev_count)
    throw sg::shape_error(fmt::format("split_by_count: dev + test <= {} samples expected, found {} + {}",
                                      ds.size(), dev_count, test_count));
  const auto order = shuffled_indices(ds.size(), seed);
  return cut(ds, order, dev_count, test_count);
}

TrainDevSplit carve_train_dev(const Dataset& train, std::size_t train_dev_count, std::uint64_t seed) {
  if (train_dev_count > train.size())
    throw sg::shape_error(
        fmt::format("carve_train_dev: at most {} train-dev samples expected (the training set), found {}",
                    train.size(), train_dev_count));
  const auto order = shuffled_indices(train.size(), seed);
  const std::span<const std::size_t> all(order);
  const std::size_t keep = train.size() - train_dev_count;
  return TrainDevSplit{subset(train, all.subspan(0, keep)), subset(train, all.subspan(keep))};
}

Split split_mismatched(const Dataset& source, const Dataset& target, std::size_t dev_count,
                       std::size_t test_count, std::uint64_t seed) {
  if (dev_count > target.size() || test_count > target.size() - dev_count)
    throw sg::shape_error(
        fmt::format("split_mismatched: dev + test <= {} target samples expected, found {} + {}",
                    target.size(), dev_count, test_count));
  // The target's shuffle and the merged training shuffle use different seeds derived from `seed`.
  const auto target_order =
      shuffled_indices(target.size(), sg::random::bits(seed, sg::random::stream_id("sg.data.mismatch"), 0));
  const std::span<const std::size_t> t(target_order);
  const std::size_t rest = target.size() - dev_count - test_count;
  // concatenate checks that source and target have the same features.
  const Dataset pooled = concatenate(source, subset(target, t.subspan(dev_count + test_count, rest)));
  const auto train_order =
      shuffled_indices(pooled.size(), sg::random::bits(seed, sg::random::stream_id("sg.data.mismatch"), 1));
  Split s{subset(pooled, train_order), subset(target, t.subspan(0, dev_count)),
          subset(target, t.subspan(dev_count, test_count))};
  s.dev.num_classes = s.test.num_classes = pooled.num_classes;
  return s;
}

}  // namespace sg::data
