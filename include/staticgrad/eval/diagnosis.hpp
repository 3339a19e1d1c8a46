// staticgrad/eval/diagnosis.hpp - bias, variance, data mismatch and dev-set overfitting from error rates.
//
// The course's reading of the errors, each gap between consecutive sets:
//   human (Bayes proxy) -> train:        avoidable bias
//   train -> train-dev:                  variance (both from the training distribution)
//   train-dev -> dev:                    data mismatch (training versus dev/test distribution)
//   dev -> test:                         overfitting of the dev set
// Without a train-dev set, dev - train is read as variance (the course's first examples). The largest
// gap is the problem to work on; on a tie the earlier one wins, because bias is fixed first.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sg::eval {

// ErrorRates: fractions in [0, 1] (0.07 for 7%), measured on whole sets.
struct ErrorRates {
  double human = 0;  // human-level error, the proxy for Bayes error
  double train = 0;
  std::optional<double> train_dev = std::nullopt;  // from the training distribution, not trained on
  double dev = 0;
  std::optional<double> test = std::nullopt;
};

enum class Problem { none, avoidable_bias, variance, data_mismatch, dev_overfitting };

// Diagnosis: the gaps (may be negative, e.g. train error below human level) and what to do next.
struct Diagnosis {
  double avoidable_bias = 0;                 // train - human
  double variance = 0;                       // train_dev - train, or dev - train without a train-dev set
  std::optional<double> data_mismatch;       // dev - train_dev
  std::optional<double> dev_overfitting;     // test - dev
  Problem focus = Problem::none;             // the largest gap above `tolerance`
  std::vector<std::string> recommendations;  // the course's recipe for the focus, then notes
};

// Reads the error rates. `tolerance` is the gap below which a problem is not worth working on (0 by
// default: any positive gap counts). Throws sg::numeric_error for a rate that is not a finite fraction in
// [0, 1] (a percentage such as 7 instead of 0.07 is the usual mistake).
Diagnosis diagnose(const ErrorRates& errors, double tolerance = 0.0);

// The name of a problem, e.g. "avoidable bias".
const char* to_string(Problem problem);

// A report: the errors, the gaps in percentage points with the largest marked, and the recommendations.
std::string format_diagnosis(const ErrorRates& errors, const Diagnosis& diagnosis);

}  // namespace sg::eval
