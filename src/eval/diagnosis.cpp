// The course's bias / variance / data-mismatch reading of error rates, and its recipe.
#include "staticgrad/eval/diagnosis.hpp"

#include <fmt/core.h>

#include <cmath>
#include <string_view>

#include "staticgrad/core/error.hpp"
#include "text_wrap.hpp"

namespace sg::eval {

namespace {

using detail::wrap;

void check_rate(const char* what, double v) {
  if (!std::isfinite(v) || v < 0 || v > 1)
    throw sg::numeric_error(
        fmt::format("diagnose: {} error as a fraction in [0, 1] expected (0.07 for 7%), found {}", what, v));
}


std::vector<std::string> recipe(Problem p) {
  switch (p) {
    case Problem::avoidable_bias:
      return {"train a bigger model (more hidden units or layers)",
              "train longer, or use a better optimisation algorithm (momentum, RMSprop, Adam)",
              "try another architecture or search the hyperparameters"};
    case Problem::variance:
      return {"get more training data", "regularise: L2, dropout, data augmentation",
              "try another architecture or search the hyperparameters"};
    case Problem::data_mismatch:
      return {"carry out manual error analysis to understand how the training data differs from dev and test",
              "make the training data more like dev and test: collect more data like them, or synthesise it "
              "(artificial data synthesis), taking care that the model cannot overfit a small synthesised "
              "subset"};
    case Problem::dev_overfitting:
      return {"get a bigger dev set: the choices tuned on this one have overfitted it"};
    case Problem::none:
      return {
          "every gap is within the tolerance: check that the metric and the dev and test sets still reflect "
          "what the application needs, and whether a better estimate of Bayes error exists"};
  }
  return {};
}

}  // namespace

const char* to_string(Problem problem) {
  switch (problem) {
    case Problem::none:
      return "none";
    case Problem::avoidable_bias:
      return "avoidable bias";
    case Problem::variance:
      return "variance";
    case Problem::data_mismatch:
      return "data mismatch";
    case Problem::dev_overfitting:
      return "dev-set overfitting";
  }
  return "?";
}

Diagnosis diagnose(const ErrorRates& e, double tolerance) {
  check_rate("human-level", e.human);
  check_rate("training", e.train);
  if (e.train_dev) check_rate("train-dev", *e.train_dev);
  check_rate("dev", e.dev);
  if (e.test) check_rate("test", *e.test);
  if (!std::isfinite(tolerance) || tolerance < 0)
    throw sg::numeric_error(fmt::format("diagnose: a finite tolerance >= 0 expected, found {}", tolerance));

  Diagnosis d;
  d.avoidable_bias = e.train - e.human;
  if (e.train_dev) {
    d.variance = *e.train_dev - e.train;
    d.data_mismatch = e.dev - *e.train_dev;
  } else {
    d.variance = e.dev - e.train;
  }
  if (e.test) d.dev_overfitting = *e.test - e.dev;

  // The largest gap, in the course's order of treatment so that a tie goes to the earlier problem.
  double largest = tolerance;
  const auto consider = [&](Problem p, std::optional<double> gap) {
    if (gap && *gap > largest) {
      largest = *gap;
      d.focus = p;
    }
  };
  consider(Problem::avoidable_bias, d.avoidable_bias);
  consider(Problem::variance, d.variance);
  consider(Problem::data_mismatch, d.data_mismatch);
  consider(Problem::dev_overfitting, d.dev_overfitting);
  d.recommendations = recipe(d.focus);

  if (e.train < e.human)
    d.recommendations.push_back(
        "note: training error is below the human-level proxy, which then no longer bounds Bayes error; the "
        "avoidable bias is unknown and progress usually slows from here");
  if (!e.train_dev && d.focus == Problem::variance)
    d.recommendations.push_back(
        "note: without a train-dev set, dev error minus training error mixes variance with data mismatch "
        "when "
        "dev comes from another distribution than training; carve a train-dev set to tell them apart");
  return d;
}

std::string format_diagnosis(const ErrorRates& e, const Diagnosis& d) {
  const auto rate = [](std::optional<double> v) {
    return v ? fmt::format("{:6.2f}%", 100 * *v) : std::string("      -");
  };
  std::string out;
  out += fmt::format("  human-level error {}\n", rate(e.human));
  out += fmt::format("  training error    {}\n", rate(e.train));
  out += fmt::format("  train-dev error   {}\n", rate(e.train_dev));
  out += fmt::format("  dev error         {}\n", rate(e.dev));
  out += fmt::format("  test error        {}\n\n", rate(e.test));
  const auto gap = [&](Problem p, std::optional<double> v, const char* between) {
    if (!v) return;
    out += fmt::format("  {:<20} {:6.2f} points  ({}){}\n", to_string(p), 100 * *v, between,
                       d.focus == p ? "  <- largest" : "");
  };
  gap(Problem::avoidable_bias, d.avoidable_bias, "training - human-level");
  gap(Problem::variance, d.variance, d.data_mismatch ? "train-dev - training" : "dev - training");
  gap(Problem::data_mismatch, d.data_mismatch, "dev - train-dev");
  gap(Problem::dev_overfitting, d.dev_overfitting, "test - dev");
  out += fmt::format("\nwork on: {}\n", to_string(d.focus));
  for (const auto& r : d.recommendations) out += fmt::format("  - {}\n", wrap(r, 100, "    "));
  return out;
}

}  // namespace sg::eval
