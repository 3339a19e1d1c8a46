// examples/common/report.hpp - the end of a Fashion-MNIST training example, shared by the flagship and
// the CNN example: accuracy on train, dev and test, the files written, the bias/variance diagnosis, and
// the last line `test_accuracy=0.XXXX` that scripts read.
#pragma once

#include <omp.h>

#include <cstddef>
#include <filesystem>

#include <fmt/format.h>

#include "staticgrad/eval/diagnosis.hpp"
#include "staticgrad/train/evaluate.hpp"

namespace example {

struct SplitScores {
  sg::Evaluation train, dev, test;
};

// Evaluates `model` on the three feeds (in its evaluation mode, as sg::evaluate does).
template <class Model, class Feed>
SplitScores evaluate_splits(Model& model, Feed& train, Feed& dev, Feed& test) {
  return {sg::evaluate(model, train), sg::evaluate(model, dev), sg::evaluate(model, test)};
}

// "trained N epochs in S s (T threads)", the three accuracies, and the learning curve, history and
// checkpoint written under `out`.
inline void print_training_summary(std::size_t epochs, double seconds, const SplitScores& s,
                                   const std::filesystem::path& out, const std::filesystem::path& checkpoint) {
  fmt::print("trained {} epochs in {:.1f} s ({} threads)\n", epochs, seconds, omp_get_max_threads());
  fmt::print("accuracy: train {:.4f}  dev {:.4f}  test {:.4f}\n", s.train.accuracy, s.dev.accuracy, s.test.accuracy);
  fmt::print("wrote {}, {} and {}\n", (out / "learning_curve.svg").string(), (out / "history.csv").string(),
             checkpoint.string());
}

// The bias/variance diagnosis against `human_error`, then the `test_accuracy=` line.
inline void print_diagnosis_and_score(const SplitScores& s, double human_error) {
  sg::eval::ErrorRates errors;
  errors.human = human_error;
  errors.train = 1 - s.train.accuracy;
  errors.dev = 1 - s.dev.accuracy;
  errors.test = 1 - s.test.accuracy;
  fmt::print("\n{}\n", sg::eval::format_diagnosis(errors, sg::eval::diagnose(errors)));
  fmt::print("test_accuracy={:.4f}\n", s.test.accuracy);
}

}  // namespace example
