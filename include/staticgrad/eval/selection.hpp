// staticgrad/eval/selection.hpp - choosing among models by a single-number metric, optionally under
// satisficing constraints.
//
// The course's advice: one optimising metric to rank models (accuracy, F1), and any number of
// satisficing metrics that only need to be good enough (prediction time <= 100 ms, memory <= 10 MB).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sg::eval {

// Candidate: a model's name and its measured metrics by name ("accuracy", "prediction_ms", ...).
struct Candidate {
  std::string name;
  std::map<std::string, double, std::less<>> metrics;

  // The metric called `metric`; throws sg::error naming the candidate and the metrics it has when absent.
  double metric(std::string_view metric) const;
};

enum class Goal { maximise, minimise };

// Optimising: the single number to rank by, and which way is better.
struct Optimising {
  std::string metric;
  Goal goal = Goal::maximise;
};

enum class Bound { at_most, at_least };

// Satisficing: a constraint that only has to hold, e.g. {"prediction_ms", Bound::at_most, 100}.
struct Satisficing {
  std::string metric;
  Bound bound = Bound::at_most;
  double threshold = 0;

  bool satisfied_by(const Candidate& c) const;  // false for a NaN value
};

// The index of the best candidate by `by` (the first on ties); empty when there are none or every
// value is NaN. Throws sg::error when a candidate lacks the metric.
std::optional<std::size_t> pick_best(std::span<const Candidate> candidates, const Optimising& by);

// Selection: the winner (if any candidate met every constraint) and, per candidate, the constraints it
// failed, in the order given.
struct Selection {
  std::optional<std::size_t> best;
  std::vector<std::vector<std::size_t>> failed;  // failed[i]: indices into the constraints
};

// The best candidate by `optimising` among those that satisfy every `constraints`.
Selection select_optimising(std::span<const Candidate> candidates, const Optimising& optimising,
                            std::span<const Satisficing> constraints);

// A table of the candidates with the optimising and constraint metrics, which constraints each
// failed, and the winner marked.
std::string format_selection(std::span<const Candidate> candidates, const Optimising& optimising,
                             std::span<const Satisficing> constraints, const Selection& selection);

}  // namespace sg::eval
