// staticgrad/data/split.hpp - train / dev / test splits, the train-dev set, and mismatched distributions.
//
// Dev and test must come from the same distribution, the one the system will meet; training data may
// come from elsewhere. Every split is a seeded shuffle (sg::random, so it is the same on every machine)
// followed by cutting the shuffled order into consecutive parts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "staticgrad/data/dataset.hpp"

namespace sg::data {

// A permutation of [0, n) by a Fisher-Yates shuffle keyed by `seed`.
std::vector<std::size_t> shuffled_indices(std::size_t n, std::uint64_t seed);

// Split: the three sets of a project.
struct Split {
  Dataset train, dev, test;
};

// Shuffles and cuts ds by fractions (the course's 60/20/20 for small data). dev gets round(m * dev),
// test round(m * test), train the rest. Requires non-negative fractions summing to 1 within 1e-9
// (sg::shape_error otherwise).
Split split_by_ratio(const Dataset& ds, double train, double dev, double test, std::uint64_t seed);

// Shuffles and cuts ds by sizes: for big data, where 1% (10000 of a million) is enough for dev and
// test. Requires dev_count + test_count <= ds.size() (sg::shape_error otherwise); train gets the rest.
Split split_by_count(const Dataset& ds, std::size_t dev_count, std::size_t test_count, std::uint64_t seed);

// TrainDevSplit: a training set and a train-dev set from the same distribution.
struct TrainDevSplit {
  Dataset train, train_dev;
};

// Holds `train_dev_count` random samples out of `train` as the train-dev set: same distribution as
// training, but never trained on, so train-dev error minus training error is the variance and dev error
// minus train-dev error the data mismatch. Requires train_dev_count <= train.size().
TrainDevSplit carve_train_dev(const Dataset& train, std::size_t train_dev_count, std::uint64_t seed);

// The course's web-versus-mobile split: dev and test come only from `target` (the data the system will
// meet), shuffled, dev_count and test_count samples; training is all of `source` plus the rest of
// `target`, shuffled together. Requires the same features and image extents, and
// dev_count + test_count <= target.size() (sg::shape_error otherwise).
Split split_mismatched(const Dataset& source, const Dataset& target, std::size_t dev_count,
                       std::size_t test_count, std::uint64_t seed);

}  // namespace sg::data
