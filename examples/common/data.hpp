// examples/common/data.hpp - Fashion-MNIST as the model-selection examples use it: a dev set carved from
// the official training set, optional subsets for --short runs, every set normalised with the training
// set's statistics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/data/split.hpp"

namespace example {

// The help text of every example's --data option.
inline constexpr const char* fashion_mnist_folder_help =
    "the Fashion-MNIST folder (default: $STATICGRAD_FASHION_MNIST, then\n"
    "/usr/share/datasets/fashion-mnist; install with apt-get install dataset-fashion-mnist)";

struct SplitSizes {
  std::size_t dev = 10000;  // examples carved from the official training set into dev
  // At most this many of each set (0: all of it), drawn at random by `seed` after the carving.
  std::size_t train_limit = 0, dev_limit = 0, test_limit = 0;
  std::uint64_t seed = 1;  // the carving and the subsets
};

struct Splits {
  sg::data::Dataset train, dev, test;
};

// Loads Fashion-MNIST from `folder` (nullopt: sg::data::load_fashion_mnist's default search), carves dev
// from the training set (the test set stays untouched: choosing a model on it would overfit it), keeps
// the subsets `sizes` asks for, and standardises all three sets with the statistics of train alone.
// Throws std::invalid_argument when a limit exceeds its set.
inline Splits load_fashion_mnist_splits(const std::optional<std::filesystem::path>& folder,
                                        const SplitSizes& sizes) {
  const sg::data::FashionMnist fashion = sg::data::load_fashion_mnist(folder);
  sg::data::Split split = sg::data::split_by_count(fashion.train, sizes.dev, 0, sizes.seed);
  Splits s{std::move(split.train), std::move(split.dev), fashion.test};
  auto keep = [&](sg::data::Dataset& d, std::size_t limit, std::string_view name) {
    if (limit == 0) return;
    if (limit > d.size())
      throw std::invalid_argument(
          fmt::format("{} {} examples asked for: only {} there", limit, name, d.size()));
    d = sg::data::subset(d, sg::data::shuffled_indices(limit, sizes.seed));
  };
  keep(s.train, sizes.train_limit, "training");
  keep(s.dev, sizes.dev_limit, "dev");
  keep(s.test, sizes.test_limit, "test");
  const sg::data::Normalizer normalizer = sg::data::Normalizer::fit(s.train);
  for (sg::data::Dataset* d : {&s.train, &s.dev, &s.test}) normalizer.apply(*d);
  return s;
}

}  // namespace example
