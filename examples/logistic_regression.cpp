// check-output: iteration +1 +cost 0\.69.*test accuracy 0\.9[0-9]+
//
// logistic_regression - the course's first network: ONE sigmoid unit that tells two kinds of clothing
// apart (by default T-shirt/top against Trouser).
//
//   y_hat = a = sigma(w^T x + b)                           x: 784 pixels, w: 784 weights, b: one bias
//   L(a, y) = -y log a - (1 - y) log(1 - a)                the loss of one example
//   J(w, b) = (1/m) sum_i L(a(i), y(i))                    the cost over the m training examples
//   dz = a - y,  dw = (1/m) X dZ^T,  db = (1/m) sum dZ     (derived by the autodiff, never written here)
//   w := w - alpha dw,  b := b - alpha db                  one step of gradient descent
//
// The program does each of those steps by hand (no fit()): bind the whole training set as X (784 x m,
// one column per example), forward, backward, update, and print the cost every few iterations so you
// can watch J fall. Run with --help for the options.
#include <algorithm>
#include <stdexcept>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/optim/gradient_descent.hpp"
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/train/evaluate.hpp"
#include "staticgrad/train/feed.hpp"

#include "common/command_line.hpp"
#include "common/data.hpp"

namespace {

struct Options {
  bool short_run = false;
  std::optional<std::filesystem::path> data;
  std::string classes = "0,1";  // --classes A,B, read by two_digits()
  int negative = 0, positive = 1;
  std::size_t iterations = 500;
  double learning_rate = 0.5;
};

// "A,B": two different digits, the negative and the positive class.
void two_digits(Options& o) {
  const std::string& v = o.classes;
  if (v.size() != 3 || v[1] != ',' || v[0] < '0' || v[0] > '9' || v[2] < '0' || v[2] > '9' || v[0] == v[2])
    throw std::invalid_argument("--classes needs two different digits, e.g. 0,6");
  o.negative = v[0] - '0';
  o.positive = v[2] - '0';
}

// The examples of two classes, relabelled 0 (negative) and 1 (positive): the binary y of the course.
sg::data::Dataset two_classes(const sg::data::Dataset& all, int negative, int positive, std::size_t limit) {
  std::vector<std::size_t> keep;
  for (std::size_t j = 0; j < all.size() && keep.size() < limit; ++j)
    if (all.labels[j] == negative || all.labels[j] == positive) keep.push_back(j);
  sg::data::Dataset d = sg::data::subset(all, keep);
  for (auto& y : d.labels) y = y == positive ? 1 : 0;
  d.num_classes = 2;
  return d;
}

int run(const Options& o) {
  // [snippet:logistic_data]
  // 1. Data: X is 784 x m (one column per image), Y is 1 x m with y = 1 for the positive class.
  const sg::data::FashionMnist fashion = sg::data::load_fashion_mnist(o.data);
  const std::size_t limit = o.short_run ? 2000 : fashion.train.size();
  sg::data::Dataset train = two_classes(fashion.train, o.negative, o.positive, limit);
  sg::data::Dataset test = two_classes(fashion.test, o.negative, o.positive, fashion.test.size());
  // Standardise each pixel with the training set's mean and standard deviation (test reuses them).
  const sg::data::Normalizer normalizer = sg::data::Normalizer::fit(train);
  normalizer.apply(train);
  normalizer.apply(test);
  // [/snippet]
  const auto& names = sg::data::fashion_mnist_class_names();
  fmt::print("logistic regression: {} (y=0) against {} (y=1)\n", names[static_cast<std::size_t>(o.negative)],
             names[static_cast<std::size_t>(o.positive)]);
  fmt::print("training examples m = {}, test examples {}, features n_x = {}\n\n", train.size(), test.size(),
             train.features());

  // [snippet:logistic_network]
  // 2. The network: z = w^T x + b (Dense<784, 1>: W is 1 x 784) and the binary cross-entropy, which takes
  //    z itself and applies the sigmoid inside, so that log a never sees a = 0 or 1.
  //    Logistic regression may start from w = 0: with a single unit there is no symmetry to break.
  auto net = sg::sequential<784>(sg::Dense<784, 1>{.weight_init = sg::Init::zeros}, sg::BinaryCrossEntropy{});
  auto model = sg::make_model<float>(net);
  // [/snippet]
  fmt::print("{}\n", model.summary());

  // [snippet:logistic_loop]
  // 3. Batch gradient descent: every iteration sees all m examples.
  sg::Matrix<float> Y(1, train.size());
  for (std::size_t j = 0; j < train.size(); ++j) Y(0, j) = static_cast<float>(train.labels[j]);
  model.bind<"x">(train.x);
  model.bind<"y">(Y);
  sg::GradientDescent<float> gradient_descent;
  for (std::size_t i = 1; i <= o.iterations; ++i) {
    const float cost = model.forward();  // J(w, b), with a = sigma(z) for every column of X
    model.backward();                    // dw and db into model.gradients()
    gradient_descent.step(model.parameters(), model.gradients(), model.slices(),
                          static_cast<float>(o.learning_rate));
    if (i == 1 || i % std::max<std::size_t>(1, o.iterations / 10) == 0) fmt::print("iteration {:>5}  cost {:.4f}\n", i, cost);
  }
  // [/snippet]

  // [snippet:logistic_evaluate]
  // 4. Predict y_hat = 1 when a >= 0.5 (z >= 0), and count how often that is right.
  sg::ClassificationFeed<float> train_feed(train), test_feed(test);
  const sg::Evaluation on_train = sg::evaluate(model, train_feed);
  const sg::Evaluation on_test = sg::evaluate(model, test_feed);
  fmt::print("\ntrain accuracy {:.4f}  (cost {:.4f})\n", on_train.accuracy, on_train.cost);
  fmt::print("test accuracy {:.4f}  (cost {:.4f})\n", on_test.accuracy, on_test.cost);
  // [/snippet]
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  example::CommandLine cli("logistic_regression",
                           "One sigmoid unit (logistic regression) trained by batch gradient descent on two "
                           "Fashion-MNIST classes.");
  cli.flag("--short", o.short_run, "a quick run for CI: 2000 training examples, 150 iterations")
      .option("--data", o.data, "DIR", example::fashion_mnist_folder_help)
      .option("--classes", o.classes, "A,B",
              "the two classes, 0-9 (default 0,1: T-shirt/top against Trouser; try 0,6 for a hard pair)")
      .count("--iterations", o.iterations, "N", "gradient descent iterations (default 500)")
      .option("--learning-rate", o.learning_rate, "R", "the learning rate alpha (default 0.5)");
  return cli.run(argc, argv, [&] {
    if (o.short_run && !cli.given("--iterations")) o.iterations = 150;
    two_digits(o);
    return run(o);
  });
}
