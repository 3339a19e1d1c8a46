// staticgrad/train/hyperparameter_search.hpp - random search over hyperparameters, on the right scales.
//
// The course's advice: sample at random rather than on a grid (each trial then tries a new value of
// every hyperparameter), and sample on the scale where the effect is even: the learning rate and the L2
// strength log-uniformly (as many trials between 1e-4 and 1e-3 as between 1e-1 and 1), momentum's beta
// through 1 - beta log-uniformly (beta = 0.9 -> 0.99 matters as much as 0.99 -> 0.999), keep_prob
// uniformly, the mini-batch size from a list. `random_search` trains each candidate with the caller's
// function (which builds and fits a model, for as many epochs as it likes), then ranks the trials by
// their dev metric, best first.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "staticgrad/core/clock.hpp"

namespace sg {

struct SearchRange {
  double low = 0, high = 0;
};

struct SearchSpace {
  std::optional<SearchRange> learning_rate = {};   // log-uniform, e.g. {1e-4, 1e-1}
  std::optional<SearchRange> l2 = {};              // log-uniform, e.g. {1e-3, 10}
  std::optional<SearchRange> keep_prob = {};       // uniform, e.g. {0.5, 1.0}
  std::optional<SearchRange> one_minus_beta = {};  // log-uniform on 1 - beta, e.g. {1e-3, 1e-1}: beta in [0.9, 0.999]
  std::vector<std::size_t> batch_sizes = {}; // one of these, uniformly (empty: the default below)
};

// One point of the space; a hyperparameter the space leaves out keeps its default here.
struct Hyperparameters {
  double learning_rate = 1e-3;
  double l2 = 0;
  double keep_prob = 1;
  double beta = 0.9;
  std::size_t batch_size = 64;
};

struct SearchTrial {
  Hyperparameters candidate;
  double dev_metric = 0;  // higher is better (e.g. dev accuracy)
  double dev_cost = 0;
  double seconds = 0;
};

// `count` candidates drawn from (seed): reproducible, and independent of the thread count.
std::vector<Hyperparameters> sample_candidates(const SearchSpace& space, std::size_t count, std::uint64_t seed);

// Trains each of `trials` sampled candidates with `train(candidate) -> SearchTrial` (which fills dev_metric
// and dev_cost; seconds and candidate are filled here) and returns the trials, best dev metric first.
template <class TrainFn>
std::vector<SearchTrial> random_search(const SearchSpace& space, std::size_t trials, std::uint64_t seed, TrainFn train) {
  std::vector<SearchTrial> results;
  for (const Hyperparameters& c : sample_candidates(space, trials, seed)) {
    const double start = clock_seconds();
    SearchTrial t = train(c);
    t.candidate = c;
    t.seconds = seconds_since(start);
    results.push_back(t);
  }
  std::stable_sort(results.begin(), results.end(),
                   [](const SearchTrial& a, const SearchTrial& b) { return a.dev_metric > b.dev_metric; });
  return results;
}

// A table of the trials: rank, learning rate, l2, keep_prob, beta, batch, dev metric, dev cost, seconds.
std::string format_trials(std::span<const SearchTrial> trials, std::string_view metric_name = "dev_accuracy");

}  // namespace sg
