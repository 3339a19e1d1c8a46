// The code quoted in the guides under docs/ (getting-started.md, forward-propagation.md, ...), compiled
// and run as tests. Each region between `// [snippet:NAME]` and `// [end:NAME]` is quoted verbatim by a
// page (tests/docs/docs_check_test.cpp checks that); the assertions after it say what it does.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "docs/outputs.hpp"
#include "layers/test_data.hpp"
#include "staticgrad/data/dataset.hpp"
#include "staticgrad/graph/model_gradient_check.hpp"
#include "staticgrad/io/model_checkpoint.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/optim/schedule.hpp"
#include "staticgrad/staticgrad.hpp"
#include "staticgrad/train/callbacks.hpp"
#include "staticgrad/train/evaluate.hpp"
#include "staticgrad/train/feed.hpp"
#include "staticgrad/train/fit.hpp"
#include "staticgrad/train/hyperparameter_search.hpp"

namespace {

// Three Gaussian blobs in 4 dimensions (4 features x m samples, labels 0..2).
sg::data::Dataset blobs(std::size_t m, std::uint64_t seed) {
  sg::data::Dataset d;
  d.x = sg::Matrix<float>(4, m);
  d.num_classes = 3;
  for (std::size_t j = 0; j < m; ++j) {
    const auto c = static_cast<std::int32_t>(sg::random::below(3, seed, 1, j));
    d.labels.push_back(c);
    for (std::size_t i = 0; i < 4; ++i)
      d.x(i, j) = static_cast<float>((i == static_cast<std::size_t>(c) ? 2.0 : 0.0) + 0.6 * sg::random::normal(seed, 2, j * 4 + i));
  }
  return d;
}

struct TempFolder {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("sg_docs_" + std::to_string(::getpid()) + "_" + std::to_string(std::rand()));
  TempFolder() { std::filesystem::create_directories(path); }
  ~TempFolder() { std::filesystem::remove_all(path); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(docs_snippets)

// getting-started.md
BOOST_AUTO_TEST_CASE(first_network) {
  const sg::Matrix<float> x = sg::test::normal_matrix<float>(784, 32, 1);  // 32 images, one per column
  const sg::Matrix<float> y = sg::test::one_hot_matrix<float>(10, 32, 2);  // their one-hot labels
  // [snippet:first_network]
  // 784 inputs -> 128 ReLU units -> 10 logits, trained with softmax cross-entropy.
  auto net = sg::sequential<784>(sg::Dense<784, 128>{}, sg::ReLU{}, sg::Dense<128, 10>{},
                                 sg::SoftmaxCrossEntropy{});
  auto model = sg::make_model<float>(net, /*seed=*/42);  // He-initialised weights, zero biases
  sg::Adam<float> adam;

  model.bind<"x">(x);  // X: 784 x m, one sample per column
  model.bind<"y">(y);  // Y: 10 x m, one-hot
  for (int step = 0; step < 100; ++step) {
    const float cost = model.forward();  // J = (1/m) sum of the losses
    model.backward();                    // dJ/dW for every parameter, derived by the autodiff
    adam.step(model.parameters(), std::span<const float>(model.gradients()), model.slices(), 1e-3f);
    if (step % 50 == 0) fmt::print("step {}: cost {:.4f}\n", step, cost);
  }
  fmt::print("{}", model.summary());
  // [end:first_network]
  docs::outputs()["first_network_summary"] = model.summary();
  BOOST_TEST(model.forward() < 0.1f);  // 32 random samples are memorised
  static_assert(decltype(model)::parameter_count == 784 * 128 + 128 + 128 * 10 + 10);
}

// notation.md
BOOST_AUTO_TEST_CASE(notation_shapes) {
  // [snippet:notation_shapes]
  auto model = sg::make_model<float>(sg::sequential<3>(sg::Dense<3, 4>{}, sg::Tanh{}, sg::Dense<4, 1>{}));
  const std::size_t w1 = model.find_parameter("layer1.W"), b1 = model.find_parameter("layer1.b");
  // W[1] is n[1] x n[0] = 4 x 3 and b[1] is n[1] x 1 = 4 x 1.
  const auto [w_rows, w_cols] = model.parameter_shape(w1);  // 4, 3
  const auto [b_rows, b_cols] = model.parameter_shape(b1);  // 4, 1
  sg::Matrix<float> x(3, 5);  // X: n_x x m = 3 features x 5 samples; x(i, j) is feature i of sample j
  model.bind<"x">(x);
  model.forward();
  const sg::ConstView<float> a1 = model.output<"layer2">();  // A[1]: 4 x 5
  // [end:notation_shapes]
  BOOST_TEST(w_rows == 4u);
  BOOST_TEST(w_cols == 3u);
  BOOST_TEST(b_rows == 4u);
  BOOST_TEST(b_cols == 1u);
  BOOST_TEST(a1.rows == 4u);
  BOOST_TEST(a1.cols == 5u);
}

// forward-propagation.md
BOOST_AUTO_TEST_CASE(forward_functional) {
  const sg::Matrix<double> x = sg::test::normal_matrix(2, 4, 3);
  // [snippet:forward_functional]
  // The course's 2-layer network, every node named: Z[1] = W[1] X + b[1], A[1] = tanh(Z[1]),
  // Z[2] = W[2] A[1] + b[2], A[2] = sigmoid(Z[2]).
  auto net = sg::network(sg::input<"x", 2>(),
                         sg::layer<"z1", "x">(sg::Dense<2, 3>{}), sg::layer<"a1", "z1">(sg::Tanh{}),
                         sg::layer<"z2", "a1">(sg::Dense<3, 1>{}), sg::layer<"a2", "z2">(sg::Sigmoid{}));
  auto model = sg::make_model<double>(net, /*seed=*/7);
  model.bind<"x">(x);  // 2 x 4: four samples
  model.forward();     // visits x, z1, a1, z2, a2 in declaration order
  const sg::ConstView<double> z1 = model.output<"z1">(), a2 = model.output<"a2">();  // 3 x 4 and 1 x 4
  // [end:forward_functional]
  // Z[1] by hand, column by column.
  const auto w = model.param_view(model.find_parameter("z1.W"));
  const auto b = model.param_view(model.find_parameter("z1.b"));
  for (std::size_t j = 0; j < 4; ++j)
    for (std::size_t i = 0; i < 3; ++i)
      BOOST_TEST(z1(i, j) == w(i, 0) * x(0, j) + w(i, 1) * x(1, j) + b(i, 0), boost::test_tools::tolerance(1e-14));
  BOOST_TEST(a2.rows == 1u);
}

// activations.md
BOOST_AUTO_TEST_CASE(activations) {
  // [snippet:activations]
  auto net = sg::sequential<8>(sg::Dense<8, 8>{}, sg::ReLU{},
                               sg::Dense<8, 8>{}, sg::LeakyReLU{.slope = 0.01},
                               sg::Dense<8, 8>{.weight_init = sg::Init::xavier}, sg::Tanh{},
                               sg::Dense<8, 1>{}, sg::Sigmoid{});
  // [end:activations]
  auto model = sg::make_model<double>(net, 1);
  const auto x = sg::test::normal_matrix(8, 5, 4);
  model.bind<"x">(x);
  model.forward();
  for (std::size_t j = 0; j < 5; ++j) BOOST_TEST((model.prediction()(0, j) > 0 && model.prediction()(0, j) < 1));
}

// cost.md
BOOST_AUTO_TEST_CASE(logistic_cost) {
  // [snippet:logistic_cost]
  // Logistic regression: one unit, the cost from the logits z (never from sigmoid(z), which can round to 0).
  auto model = sg::make_model<double>(sg::sequential<2>(sg::Dense<2, 1>{}, sg::BinaryCrossEntropy{}));
  sg::Matrix<double> x(2, 3), y(1, 3);  // three samples; labels 1, 0, 1
  y(0, 0) = 1;
  y(0, 2) = 1;
  model.bind<"x">(x);
  model.bind<"y">(y);
  const double cost = model.forward();  // J = -(1/m) sum [y log a + (1 - y) log(1 - a)]
  // [end:logistic_cost]
  BOOST_TEST(cost == std::log(2.0), boost::test_tools::tolerance(1e-14));  // x = 0: a = 1/2 for every sample
}

// backpropagation.md
BOOST_AUTO_TEST_CASE(backprop_gradients) {
  const sg::Matrix<double> x = sg::test::normal_matrix(2, 4, 5);
  const sg::Matrix<double> y = sg::test::binary_matrix(1, 4, 6);
  // [snippet:backprop_gradients]
  auto net = sg::network(sg::input<"x", 2>(), sg::input<"y", 1>(),
                         sg::layer<"z1", "x">(sg::Dense<2, 3>{}), sg::layer<"a1", "z1">(sg::Tanh{}),
                         sg::layer<"z2", "a1">(sg::Dense<3, 1>{}),
                         sg::loss<"cost", "z2", "y">(sg::BinaryCrossEntropy{}));
  auto model = sg::make_model<double>(net, /*seed=*/3);
  model.bind<"x">(x);
  model.bind<"y">(y);
  model.forward();
  model.backward();
  // The adjoint of each node: dJ/dZ[2] is (A[2] - Y) / m, a 1 x m row.
  const sg::ConstView<double> dz2 = model.gradient_of<"z2">();
  // Parameter gradients live in one flat buffer; a slice says where "z2.W" is.
  const sg::ParamSlice& w2 = model.slices()[model.find_parameter("z2.W")];
  const std::span<const double> dw2 = model.gradients().subspan(w2.offset, w2.size);  // dW[2], 1 x 3
  // [end:backprop_gradients]
  // dW[2] = dZ[2] A[1]^T (the 1/m is already in dz2).
  const auto a1 = model.output<"a1">();
  for (std::size_t k = 0; k < 3; ++k) {
    double expected = 0;
    for (std::size_t j = 0; j < 4; ++j) expected += dz2(0, j) * a1(k, j);
    BOOST_TEST(dw2[k] == expected, boost::test_tools::tolerance(1e-13));
  }
}

// multi-class.md
BOOST_AUTO_TEST_CASE(multi_class) {
  const sg::Matrix<float> x = sg::test::normal_matrix<float>(4, 6, 7);
  const sg::Matrix<float> y = sg::test::one_hot_matrix<float>(3, 6, 8);
  // [snippet:multi_class]
  // Train on the logits with SoftmaxCrossEntropy; a Softmax node beside it gives the probabilities.
  auto net = sg::network(sg::input<"x", 4>(), sg::input<"y", 3>(),
                         sg::layer<"hidden", "x">(sg::Dense<4, 16>{}), sg::layer<"relu", "hidden">(sg::ReLU{}),
                         sg::layer<"logits", "relu">(sg::Dense<16, 3>{}),
                         sg::layer<"probabilities", "logits">(sg::Softmax{}),
                         sg::loss<"cost", "logits", "y">(sg::SoftmaxCrossEntropy{}));
  auto model = sg::make_model<float>(net, /*seed=*/1);
  model.bind<"x">(x);
  model.bind<"y">(y);
  model.forward();
  const sg::ConstView<float> p = model.output<"probabilities">();  // 3 x m, each column sums to 1
  const auto [predicted, confidence] = sg::predict_column(model.prediction(), /*j=*/0);  // arg max, its p
  // [end:multi_class]
  for (std::size_t j = 0; j < 6; ++j) BOOST_TEST(p(0, j) + p(1, j) + p(2, j) == 1.0f, boost::test_tools::tolerance(1e-6f));
  BOOST_TEST(confidence == p(static_cast<std::size_t>(predicted), 0), boost::test_tools::tolerance(1e-5f));
  BOOST_TEST(decltype(model)::prediction_name == "logits");
}

// layers.md
BOOST_AUTO_TEST_CASE(layers_dag) {
  // [snippet:layers_dag]
  // A skip connection: "mixed" reads both the first layer's activation and the second's.
  auto net = sg::network(sg::input<"x", 8>(), sg::input<"y", 2>(),
                         sg::layer<"fc1", "x">(sg::Dense<8, 16>{}), sg::layer<"a1", "fc1">(sg::ReLU{}),
                         sg::layer<"fc2", "a1">(sg::Dense<16, 16>{}), sg::layer<"a2", "fc2">(sg::ReLU{}),
                         sg::layer<"skip", "a1">(sg::Dense<16, 2>{}), sg::layer<"main", "a2">(sg::Dense<16, 2>{}),
                         sg::loss<"cost_main", "main", "y">(sg::SoftmaxCrossEntropy{}),
                         sg::loss<"cost_skip", "skip", "y">(sg::SoftmaxCrossEntropy{}, /*weight=*/0.5));
  auto model = sg::make_model<double>(net);
  // [end:layers_dag]
  const auto x = sg::test::normal_matrix(8, 5, 9);
  const auto y = sg::test::one_hot_matrix(2, 5, 10);
  model.bind<"x">(x);
  model.bind<"y">(y);
  BOOST_TEST(sg::check_model_gradient(model).passed());
  docs::outputs()["layers_dag_summary"] = model.summary();
}

// layers.md
BOOST_AUTO_TEST_CASE(repeat_a_block) {
  // [snippet:repeat]
  // 1 + 2 x 20 + 2 layers: "layer1" (Dense<8, 16>), then Dense<16, 16>, ReLU twenty times ("layer2" to
  // "layer41"), then "layer42" (Dense<16, 2>) and the loss "layer43".
  auto net = sg::sequential<8>(sg::Dense<8, 16>{}, sg::repeat<20>(sg::Dense<16, 16>{}, sg::ReLU{}),
                               sg::Dense<16, 2>{}, sg::SoftmaxCrossEntropy{});
  auto model = sg::make_model<float>(net, /*seed=*/1);
  // [end:repeat]
  BOOST_TEST(model.slices().size() == 2u * 22u);  // W and b of 22 Dense layers, each its own
  BOOST_TEST(model.summary().find("layer41          ReLU") != std::string::npos);
  BOOST_TEST(model.summary().find("layer43          SoftmaxCrossEntropy") != std::string::npos);
}

// losses.md
BOOST_AUTO_TEST_CASE(losses) {
  // [snippet:regression_loss]
  // Regression: 3 real-valued outputs, cost (1/m) sum over samples of the mean of (z_k - y_k)^2.
  auto regression = sg::sequential<5>(sg::Dense<5, 32>{}, sg::ReLU{}, sg::Dense<32, 3>{}, sg::MeanSquaredError{});
  // [end:regression_loss]
  auto r = sg::make_model<double>(regression, 1);
  const auto x = sg::test::normal_matrix(5, 4, 11), t = sg::test::normal_matrix(3, 4, 12);
  r.bind<"x">(x);
  r.bind<"y">(t);
  BOOST_TEST(r.forward() > 0);
  BOOST_TEST(sg::check_model_gradient(r).passed());
}

// initialisation.md
BOOST_AUTO_TEST_CASE(initialisation) {
  // [snippet:initialisation]
  auto net = sg::sequential<100>(sg::Dense<100, 50>{},                                   // He (the default)
                                 sg::ReLU{},
                                 sg::Dense<50, 50>{.weight_init = sg::Init::xavier},     // tanh layers
                                 sg::Tanh{},
                                 sg::Dense<50, 1>{.weight_init = sg::Init::small_random}, // N(0,1) * 0.01
                                 sg::BinaryCrossEntropy{});
  auto a = sg::make_model<double>(net, /*seed=*/1);
  auto b = sg::make_model<double>(net, /*seed=*/1);  // bit-identical to a, on any machine and thread count
  b.reinitialize(/*seed=*/2);                         // a fresh draw
  // [end:initialisation]
  BOOST_TEST(std::equal(a.parameters().begin(), a.parameters().end(), sg::make_model<double>(net, 1).parameters().begin()));
  BOOST_TEST(!std::equal(a.parameters().begin(), a.parameters().end(), b.parameters().begin()));
  double sum2 = 0;
  const auto w = a.param_view(a.find_parameter("layer1.W"));
  for (std::size_t k = 0; k < w.size(); ++k) sum2 += w.data[k] * w.data[k];
  BOOST_TEST(sum2 / static_cast<double>(w.size()) == 2.0 / 100, boost::test_tools::tolerance(0.05));  // var 2/n[0]
}

// regularisation.md
BOOST_AUTO_TEST_CASE(regularisation) {
  const sg::Matrix<double> x = sg::test::normal_matrix(20, 8, 13);
  const sg::Matrix<double> y = sg::test::one_hot_matrix(3, 8, 14);
  // [snippet:regularisation]
  auto net = sg::sequential<20>(sg::Dense<20, 64>{}, sg::ReLU{}, sg::Dropout{.keep_prob = 0.8},
                                sg::Dense<64, 3>{}, sg::SoftmaxCrossEntropy{});
  auto model = sg::make_model<double>(net, /*seed=*/1);
  model.set_l2(/*lambda=*/0.7);  // J += lambda/(2m) * sum over weights of ||W||_F^2 (biases excluded)
  model.bind<"x">(x);
  model.bind<"y">(y);
  model.set_mode(sg::Mode::train);           // dropout on: a fresh mask per step, kept with p = 0.8
  const double train_cost = model.forward();  // includes the L2 term
  model.backward();                           // dW gains (lambda/m) W: weight decay, derived
  {
    sg::ModeGuard evaluation(model, sg::Mode::eval);  // dropout off; L2 left out of the cost
    const double dev_cost = model.forward();
    fmt::print("train cost {:.4f}, dev cost {:.4f}\n", train_cost, dev_cost);
  }  // back in training mode
  // [end:regularisation]
  BOOST_TEST((model.mode() == sg::Mode::train));
  model.set_step(3);
  BOOST_TEST(sg::check_model_gradient(model).passed());
}

// batch-norm.md
BOOST_AUTO_TEST_CASE(batch_norm) {
  const sg::Matrix<double> x = sg::test::normal_matrix(10, 16, 15, 3.0);
  const sg::Matrix<double> y = sg::test::one_hot_matrix(2, 16, 16);
  // [snippet:batch_norm]
  // Dense -> BatchNorm -> activation, as in the course (the Dense bias is then redundant: beta shifts).
  auto net = sg::sequential<10>(sg::Dense<10, 32>{}, sg::BatchNorm<32>{.epsilon = 1e-5, .momentum = 0.9},
                                sg::ReLU{}, sg::Dense<32, 2>{}, sg::SoftmaxCrossEntropy{});
  auto model = sg::make_model<double>(net);
  model.bind<"x">(x);
  model.bind<"y">(y);
  model.set_mode(sg::Mode::train);  // normalise with this mini-batch's mean and variance,
  model.forward();                  // and fold them into the running averages
  model.set_mode(sg::Mode::eval);   // normalise with the running averages: per-sample predictions
  model.forward();
  // "layer2.running_mean" and "layer2.running_var" are parameters of role statistic: saved in
  // checkpoints, never trained (frozen whatever is asked).
  // [end:batch_norm]
  const std::size_t s = model.find_parameter("layer2.running_mean");
  BOOST_TEST(model.frozen(s));
  BOOST_TEST((model.role(s) == sg::ParamRole::statistic));
  BOOST_TEST(model.trainable_parameter_count == model.parameter_count - 64);
  model.set_mode(sg::Mode::train);
  BOOST_TEST(sg::check_model_gradient(model).passed());
}

// gradient-checking.md
BOOST_AUTO_TEST_CASE(gradient_checking) {
  const sg::Matrix<double> x = sg::test::normal_matrix(5, 6, 17);
  const sg::Matrix<double> y = sg::test::one_hot_matrix(3, 6, 18);
  // [snippet:check_model_gradient]
  // In double: the course's two-sided differences with epsilon 1e-7 against backprop, for every parameter.
  auto model = sg::make_model<double>(sg::sequential<5>(sg::Dense<5, 4>{}, sg::Tanh{}, sg::Dense<4, 3>{},
                                                        sg::SoftmaxCrossEntropy{}), /*seed=*/1);
  model.bind<"x">(x);
  model.bind<"y">(y);
  const sg::GradientCheckResult r = sg::check_model_gradient(model);
  if (!r.passed())  // relative difference >= 1e-7
    fmt::print("gradient check failed: {:.2e}, worst at {}[{}]: numeric {} vs backprop {}\n",
               r.relative_difference, r.worst_parameter, r.worst_index, r.worst_numeric, r.worst_analytic);
  // [end:check_model_gradient]
  BOOST_TEST(r.passed());
  BOOST_TEST(r.checked == model.parameter_count);
  // [snippet:check_expression]
  // One op or composite on its own: p0 is 4 x m (m = 3), values uniform in [0.5, 2) (log needs x > 0).
  const sg::GradientCheckResult op = sg::check_expression_gradient<sg::Shape<4, sg::batch>>(
      [](auto p0) { return sg::log(sg::square(p0) + 1.0); }, sg::CheckPoint{.seed = 3, .low = 0.5, .high = 2.0});
  // [end:check_expression]
  BOOST_TEST(op.relative_difference < 1e-7);
}

// tuning.md
BOOST_AUTO_TEST_CASE(random_search) {
  const sg::data::Dataset train = blobs(300, 1), dev = blobs(100, 2);
  // [snippet:random_search]
  // Learning rate and lambda log-uniform, keep_prob uniform, the batch size from a list: 6 candidates,
  // each trained for 3 epochs by the function below, ranked by dev accuracy (best first).
  const sg::SearchSpace space{.learning_rate = sg::SearchRange{1e-4, 1e-1}, .l2 = sg::SearchRange{1e-4, 1.0},
                              .keep_prob = sg::SearchRange{0.5, 1.0}, .batch_sizes = {16, 32, 64}};
  const std::vector<sg::SearchTrial> trials = sg::random_search(space, /*trials=*/6, /*seed=*/7, [&](const sg::Hyperparameters& c) {
    auto model = sg::make_model<float>(sg::sequential<4>(sg::Dense<4, 32>{}, sg::ReLU{}, sg::Dropout{.keep_prob = c.keep_prob},
                                                         sg::Dense<32, 3>{}, sg::SoftmaxCrossEntropy{}), /*seed=*/1);
    model.set_l2(c.l2);
    sg::ClassificationFeed<float> train_feed(train), dev_feed(dev);
    sg::Adam<float> adam;
    sg::FitOptions options{.epochs = 3, .batch_size = c.batch_size, .learning_rate = c.learning_rate};
    options.progress.mode = sg::ProgressMode::quiet;
    const sg::History h = sg::fit(model, train_feed, dev_feed, adam, options);
    return sg::SearchTrial{.dev_metric = h.records().back().metrics.at("dev_accuracy"), .dev_cost = h.records().back().dev_cost};
  });
  fmt::print("{}", sg::format_trials(trials));
  // [end:random_search]
  BOOST_TEST(trials.size() == 6u);
  BOOST_TEST(trials.front().dev_metric >= trials.back().dev_metric);
  for (const sg::SearchTrial& t : trials) BOOST_TEST((t.candidate.learning_rate >= 1e-4 && t.candidate.learning_rate <= 1e-1));
}

// training.md
BOOST_AUTO_TEST_CASE(fit_with_callbacks) {
  TempFolder dir;
  const sg::data::Dataset train = blobs(600, 3), dev = blobs(200, 4);
  // [snippet:fit_with_callbacks]
  auto model = sg::make_model<float>(
      sg::sequential<4>(sg::Dense<4, 32>{}, sg::ReLU{}, sg::Dense<32, 3>{}, sg::SoftmaxCrossEntropy{}), /*seed=*/1);
  sg::ClassificationFeed<float> train_feed(train), dev_feed(dev);  // data::Dataset -> inputs "x", "y"
  sg::Adam<float> adam;
  sg::FitOptions options;
  options.epochs = 20;
  options.batch_size = 64;        // 1: stochastic gradient descent; train.size(): batch gradient descent
  options.learning_rate = 0.01;
  options.shuffle_seed = 7;       // each epoch's order is drawn from (shuffle_seed, epoch)
  options.max_gradient_norm = 5;  // optional clipping of the global gradient norm
  options.progress.mode = sg::ProgressMode::quiet;  // automatic by default: a live bar on a terminal
  const sg::History history = sg::fit(
      model, train_feed, dev_feed, adam, options,
      sg::EarlyStop<float>{.options = {.patience = 3, .min_delta = 1e-4}},              // restores the best
      sg::ScheduleLearningRate{sg::inverse_time_decay<double>{.alpha0 = 0.01, .decay_rate = 0.1}},
      sg::SaveCheckpoint{.last = dir.path / "last.sgck", .best = dir.path / "best.sgck"},
      sg::OnEpochEnd{[](auto& state) {
        if (state.record.metrics.at("dev_accuracy") > 0.999) state.stop = true;  // good enough
      }});
  history.write_csv(dir.path / "history.csv");
  const sg::Evaluation dev_result = sg::evaluate(model, dev_feed);  // in evaluation mode
  fmt::print("dev accuracy {:.3f} after {} epochs ({})\n", dev_result.accuracy, history.size(),
             history.stop_reason().empty() ? "all epochs" : history.stop_reason());
  // [end:fit_with_callbacks]
  BOOST_TEST(dev_result.accuracy > 0.9);
  BOOST_TEST(std::filesystem::exists(dir.path / "best.sgck"));

  // [snippet:resume]
  // Later, in another process: the same network, weights and optimiser state from the file.
  auto resumed = sg::make_model<float>(
      sg::sequential<4>(sg::Dense<4, 32>{}, sg::ReLU{}, sg::Dense<32, 3>{}, sg::SoftmaxCrossEntropy{}));
  sg::Adam<float> resumed_adam;
  const sg::CheckpointMeta meta = sg::load_checkpoint(dir.path / "last.sgck", resumed, &resumed_adam);
  sg::FitOptions more = options;
  more.initial_epoch = meta.epoch;      // continue with epoch meta.epoch + 1
  more.initial_history = meta.history;  // the returned History then has every epoch, the saved ones first
  more.epochs = meta.epoch + 2;
  const sg::History whole = sg::fit(resumed, train_feed, dev_feed, resumed_adam, more);
  // [end:resume]
  BOOST_TEST(meta.epoch == history.size());
  BOOST_TEST(whole.size() == meta.epoch + 2);
  BOOST_TEST(whole.records().front().train_cost == history.records().front().train_cost);
  BOOST_TEST(resumed.step() > model.step());
}

// transfer-and-multitask.md
BOOST_AUTO_TEST_CASE(transfer) {
  // [snippet:transfer]
  // Pre-trained: a body ("fc1", "fc2") and a 5-class head. New task: the same body, a 3-class head.
  auto pretrained_net = sg::network(sg::input<"x", 8>(), sg::input<"y", 5>(),
                                    sg::layer<"fc1", "x">(sg::Dense<8, 16>{}), sg::layer<"a1", "fc1">(sg::ReLU{}),
                                    sg::layer<"fc2", "a1">(sg::Dense<16, 16>{}), sg::layer<"a2", "fc2">(sg::ReLU{}),
                                    sg::layer<"head", "a2">(sg::Dense<16, 5>{}),
                                    sg::loss<"cost", "head", "y">(sg::SoftmaxCrossEntropy{}));
  auto new_net = sg::network(sg::input<"x", 8>(), sg::input<"y", 3>(),
                             sg::layer<"fc1", "x">(sg::Dense<8, 16>{}), sg::layer<"a1", "fc1">(sg::ReLU{}),
                             sg::layer<"fc2", "a1">(sg::Dense<16, 16>{}), sg::layer<"a2", "fc2">(sg::ReLU{}),
                             sg::layer<"new_head", "a2">(sg::Dense<16, 3>{}),
                             sg::loss<"cost", "new_head", "y">(sg::SoftmaxCrossEntropy{}));
  auto pretrained = sg::make_model<float>(pretrained_net, /*seed=*/1);  // ... trained on the first task
  auto model = sg::make_model<float>(new_net, /*seed=*/2);
  const std::vector<std::string> copied = sg::copy_parameters(pretrained, model);  // same name and shape
  // copied: fc1.W, fc1.b, fc2.W, fc2.b; new_head keeps its fresh random weights.
  model.freeze("fc1");  // no gradient computed, no update: train the head (and fc2) alone
  // ... train; then, with more data, fine-tune everything at a smaller learning rate:
  model.unfreeze_all();
  // [end:transfer]
  BOOST_TEST(copied == (std::vector<std::string>{"fc1.W", "fc1.b", "fc2.W", "fc2.b"}));
}

BOOST_AUTO_TEST_CASE(multitask) {
  const sg::Matrix<double> x = sg::test::normal_matrix(6, 5, 19);
  const sg::Matrix<double> labels = sg::test::binary_matrix(4, 5, 20);
  sg::Matrix<double> known = sg::test::binary_matrix(4, 5, 21);
  // [snippet:multitask]
  // One image, four yes/no questions (pedestrian? car? stop sign? traffic light?), some unanswered.
  auto net = sg::network(sg::input<"x", 6>(), sg::input<"y", 4>(), sg::input<"known", 4>(),
                         sg::layer<"trunk", "x">(sg::Dense<6, 16>{}), sg::layer<"a", "trunk">(sg::ReLU{}),
                         sg::layer<"logits", "a">(sg::Dense<16, 4>{}),
                         sg::loss<"cost", "logits", "y", "known">(sg::MaskedBinaryCrossEntropy{}));
  auto model = sg::make_model<double>(net, /*seed=*/1);
  model.bind<"x">(x);
  model.bind<"y">(labels);     // 4 x m, 0 or 1
  model.bind<"known">(known);  // 4 x m: 1 where the label exists, 0 where it is missing
  model.forward();             // J = (1/m) sum over samples and KNOWN labels of the logistic loss
  model.backward();            // a missing label contributes no gradient
  // [end:multitask]
  BOOST_TEST(sg::check_model_gradient(model).passed());
}

BOOST_AUTO_TEST_SUITE_END()
