// Model behaviour: initialisation, run-time shape errors, freezing, transfer, summaries, determinism.
#include <boost/test/unit_test.hpp>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "staticgrad/staticgrad.hpp"
#include "../layers/test_data.hpp"

using namespace sg;

BOOST_AUTO_TEST_SUITE(model)

BOOST_AUTO_TEST_CASE(initialisers_follow_the_course_scales) {
  constexpr std::size_t in = 400, out = 300;
  auto stddev_of = [](Init scheme) {
    auto model = make_model<double>(sequential<in>(Dense<in, out>{.weight_init = scheme}), 7);
    auto w = model.param_view(model.find_parameter("layer1.W"));
    auto b = model.param_view(model.find_parameter("layer1.b"));
    for (std::size_t k = 0; k < b.size(); ++k) BOOST_REQUIRE(b.data[k] == 0.0);  // biases start at zero
    double s = 0, s2 = 0;
    for (std::size_t k = 0; k < w.size(); ++k) { s += w.data[k]; s2 += w.data[k] * w.data[k]; }
    const double n = double(w.size()), mean = s / n;
    BOOST_TEST(std::abs(mean) <= 5 * std::sqrt(s2 / n) / std::sqrt(n));
    return std::sqrt(s2 / n - mean * mean);
  };
  const auto tol = boost::test_tools::tolerance(0.01);  // 120,000 draws: the sample std is within ~0.3%
  BOOST_TEST(stddev_of(Init::he) == std::sqrt(2.0 / in), tol);
  BOOST_TEST(stddev_of(Init::xavier) == std::sqrt(1.0 / in), tol);
  BOOST_TEST(stddev_of(Init::small_random) == 0.01, tol);
  BOOST_TEST(stddev_of(Init::zeros) == 0.0);
}

BOOST_AUTO_TEST_CASE(same_seed_same_weights_other_seed_other_weights) {
  auto net = sequential<10>(Dense<10, 8>{}, ReLU{}, Dense<8, 3>{});
  auto a = make_model<float>(net, 5), b = make_model<float>(net, 5), c = make_model<float>(net, 6);
  BOOST_TEST(std::memcmp(a.parameters().data(), b.parameters().data(), a.parameters().size_bytes()) == 0);
  BOOST_TEST(std::memcmp(a.parameters().data(), c.parameters().data(), a.parameters().size_bytes()) != 0);
}

BOOST_AUTO_TEST_CASE(run_time_extents_are_checked_with_the_compile_time_wording) {
  auto model = make_model<float>(sequential<4>(Dense<4, 3>{}, SoftmaxCrossEntropy{}), 1);
  Matrix<float> x(4, 7), y(3, 5), wrong_rows(5, 7);
  BOOST_CHECK_EXCEPTION(model.bind<"x">(wrong_rows), shape_error, [](const shape_error& e) {
    return std::string(e.what()) == "staticgrad shape error: input \"x\": 4 rows expected, found 5";
  });
  model.bind<"x">(x);
  model.bind<"y">(y);
  BOOST_CHECK_EXCEPTION(model.forward(), shape_error, [](const shape_error& e) {
    return std::string(e.what()) ==
           "staticgrad shape error: input \"y\": batch extent 7 expected (from input \"x\"), found 5 (from its data)";
  });
}

BOOST_AUTO_TEST_CASE(inference_skips_losses_and_backward_then_refuses) {
  auto model = make_model<float>(sequential<4>(Dense<4, 3>{}, SoftmaxCrossEntropy{}), 1);
  Matrix<float> x(4, 2);
  model.bind<"x">(x);
  BOOST_TEST(model.forward() == 0.0f);
  BOOST_TEST(model.output<"layer1">().cols == 2u);
  BOOST_CHECK_THROW(model.backward(), sg::error);
}

BOOST_AUTO_TEST_CASE(summary_totals_are_compile_time_constants) {
  using M = decltype(make_model<float>(sequential<784>(Dense<784, 256>{}, BatchNorm<256>{}, ReLU{}, Dense<256, 10>{})));
  static_assert(M::parameter_count == 784 * 256 + 256 + 4 * 256 + 256 * 10 + 10);
  static_assert(M::trainable_parameter_count == M::parameter_count - 2 * 256);
  auto model = make_model<float>(sequential<784>(Dense<784, 256>{}, BatchNorm<256>{}, ReLU{}, Dense<256, 10>{}));
  const std::string s = model.summary();
  BOOST_TEST(s.find("layer1           Dense                      256xm            200960") != std::string::npos);
  BOOST_TEST(s.find("total parameters: 204554 (trainable 204042, statistics 512)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(frozen_layers_get_no_gradient_and_no_update) {
  auto net = sequential<6>(Dense<6, 5>{}, Tanh{}, Dense<5, 3>{}, SoftmaxCrossEntropy{});
  auto model = make_model<double>(net, 3);
  const auto x = test::normal_matrix(6, 8, 4);
  const auto y = test::one_hot_matrix(3, 8, 5);
  model.bind<"x">(x);
  model.bind<"y">(y);
  model.freeze("layer1");
  const auto w1 = model.param_view(model.find_parameter("layer1.W"));
  std::vector<double> before(w1.data, w1.data + w1.size());
  for (int step = 0; step < 3; ++step) {  // plain gradient descent on the unfrozen slices
    model.forward();
    model.backward();
    for (const ParamSlice& s : model.slices())
      if (!s.frozen)
        for (std::size_t k = s.offset; k < s.offset + s.size; ++k) model.parameters()[k] -= 0.5 * model.gradients()[k];
  }
  BOOST_TEST(std::memcmp(before.data(), w1.data, before.size() * sizeof(double)) == 0);
  const auto& g = model.gradients();
  const auto& s1 = model.slices()[model.find_parameter("layer1.W")];
  for (std::size_t k = s1.offset; k < s1.offset + s1.size; ++k) BOOST_REQUIRE(g[k] == 0.0);
  // Nothing upstream of a frozen first layer needs an adjoint either.
  BOOST_TEST(model.gradient_of<"layer1">().data == nullptr);
  model.unfreeze("layer1");
  model.forward();
  model.backward();
  double norm = 0;
  for (std::size_t k = s1.offset; k < s1.offset + s1.size; ++k) norm += g[k] * g[k];
  BOOST_TEST(norm > 0);
  BOOST_CHECK_THROW(model.freeze("no_such_layer"), sg::error);
}

BOOST_AUTO_TEST_CASE(transfer_copies_the_body_and_keeps_a_fresh_head) {
  auto pretrained = make_model<float>(
      network(input<"x", 6>(), layer<"body", "x">(Dense<6, 5>{}), layer<"act", "body">(ReLU{}),
              layer<"head", "act">(Dense<5, 5>{})), 1);
  auto target = make_model<float>(
      network(input<"x", 6>(), layer<"body", "x">(Dense<6, 5>{}), layer<"act", "body">(ReLU{}),
              layer<"new_head", "act">(Dense<5, 2>{})), 2);
  auto fresh = make_model<float>(
      network(input<"x", 6>(), layer<"body", "x">(Dense<6, 5>{}), layer<"act", "body">(ReLU{}),
              layer<"new_head", "act">(Dense<5, 2>{})), 2);
  std::vector<std::string> skipped;
  const auto copied = copy_parameters(pretrained, target, &skipped);
  BOOST_TEST(copied == (std::vector<std::string>{"body.W", "body.b"}));
  BOOST_TEST(skipped.empty());
  auto narrower = make_model<float>(
      network(input<"x", 6>(), layer<"body", "x">(Dense<6, 4>{}), layer<"act", "body">(ReLU{}),
              layer<"new_head", "act">(Dense<4, 2>{})), 3);
  BOOST_TEST(copy_parameters(pretrained, narrower, &skipped).empty());
  BOOST_TEST(skipped == (std::vector<std::string>{"body.W", "body.b"}));
  auto a = pretrained.param_view(pretrained.find_parameter("body.W"));
  auto b = target.param_view(target.find_parameter("body.W"));
  BOOST_TEST(std::memcmp(a.data, b.data, a.size() * sizeof(float)) == 0);
  auto h = target.param_view(target.find_parameter("new_head.W"));
  auto hf = fresh.param_view(fresh.find_parameter("new_head.W"));
  BOOST_TEST(std::memcmp(h.data, hf.data, h.size() * sizeof(float)) == 0);
}

BOOST_AUTO_TEST_CASE(profile_counts_each_node_pass_only_while_on) {
  auto model = make_model<float>(sequential<4>(Dense<4, 3>{}, ReLU{}, Dense<3, 2>{}, SoftmaxCrossEntropy{}), 1);
  Matrix<float> x(4, 5), y(2, 5);
  for (std::size_t k = 0; k < x.size(); ++k) x[k] = 0.1f * float(k % 7) - 0.3f;
  for (std::size_t j = 0; j < 5; ++j) y(j % 2, j) = 1;
  model.bind<"x">(x);
  model.bind<"y">(y);
  model.forward();
  model.backward();
  BOOST_TEST(!model.profiling());  // off by default: nothing counted
  for (const NodeTime& n : model.profile().nodes) BOOST_TEST(n.forward.calls + n.backward.calls == 0u);

  model.set_profiling(true);
  for (int step = 0; step < 3; ++step) {
    model.forward();
    model.backward();
  }
  model.set_profiling(false);
  model.forward();  // not counted
  const Profile p = model.profile();
  BOOST_TEST_REQUIRE(p.nodes.size() == 4u);  // the data inputs x and y do no work and are left out
  const char* kinds[] = {"Dense", "ReLU", "Dense", "SoftmaxCrossEntropy"};
  for (std::size_t k = 0; k < 4; ++k) {
    BOOST_TEST(p.nodes[k].name == fmt::format("layer{}", k + 1));
    BOOST_TEST(p.nodes[k].kind == kinds[k]);
    BOOST_TEST(p.nodes[k].forward.calls == 3u);
    BOOST_TEST(p.nodes[k].backward.calls == 3u);
    BOOST_TEST(p.nodes[k].forward.seconds >= 0.0);
  }
  BOOST_TEST(p.seconds() > 0.0);
  BOOST_TEST(p.find("layer3") == &p.nodes[2]);
  BOOST_TEST(p.find("x") == nullptr);
  const std::string table = p.table();
  BOOST_TEST(std::count(table.begin(), table.end(), '\n') == 5);  // a header and a line per node
  BOOST_TEST(table.find("layer4           SoftmaxCrossEntropy") != std::string::npos);

  // A frozen first layer that reads only data needs no backward pass, and the profile shows it.
  model.freeze("layer1");
  model.set_profiling(true);  // clears the counts
  model.forward();
  model.backward();
  BOOST_TEST(model.profile().nodes[0].forward.calls == 1u);
  BOOST_TEST(model.profile().nodes[0].backward.calls == 0u);
  BOOST_TEST(model.profile().nodes[2].backward.calls == 1u);
}

BOOST_AUTO_TEST_CASE(outputs_and_gradients_do_not_depend_on_the_thread_count) {
  // Large enough that every kernel takes its parallel path.
  auto net = sequential<300>(Dense<300, 256>{}, BatchNorm<256>{}, ReLU{}, Dropout{.keep_prob = 0.7},
                             Dense<256, 10>{}, SoftmaxCrossEntropy{});
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    auto model = make_model<float>(net, 11);
    model.set_l2(0.1);
    const auto x = test::normal_matrix<float>(300, 200, 12);
    const auto y = test::one_hot_matrix<float>(10, 200, 13);
    model.bind<"x">(x);
    model.bind<"y">(y);
    model.forward();
    model.backward();
    std::vector<float> out(model.gradients().begin(), model.gradients().end());
    auto logits = model.output<"layer5">();
    out.insert(out.end(), logits.data, logits.data + logits.size());
    out.push_back(model.cost());
    return out;
  };
  const int saved = omp_get_max_threads();
  const auto one = run(1), two = run(2), three = run(3);
  omp_set_num_threads(saved);
  BOOST_TEST(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
  BOOST_TEST(std::memcmp(one.data(), three.data(), one.size() * sizeof(float)) == 0);
}

// backward(progress) reports, after each node with parameters, an offset from which every gradient is
// already final: a copy taken then equals the gradients at the end of the pass, bit for bit.
BOOST_AUTO_TEST_CASE(backward_progress_reports_only_final_gradients) {
  auto net = sequential<20>(Dense<20, 16>{}, BatchNorm<16>{}, ReLU{}, Dense<16, 12>{}, ReLU{}, Dense<12, 5>{},
                            SoftmaxCrossEntropy{});
  auto model = make_model<double>(net, 4);
  model.set_l2(0.3);
  model.freeze("layer4");  // a frozen node is reported too, its gradients staying zero
  const auto x = test::normal_matrix<double>(20, 9, 5);
  const auto y = test::one_hot_matrix<double>(5, 9, 6);
  model.bind<"x">(x);
  model.bind<"y">(y);
  struct Snapshots final : BackwardProgress {
    const Model<double, decltype(net)>* model = nullptr;
    std::vector<std::size_t> offsets;
    std::vector<std::vector<double>> copies;
    void final_from(std::size_t offset) override {
      offsets.push_back(offset);
      copies.emplace_back(model->gradients().begin() + static_cast<std::ptrdiff_t>(offset),
                          model->gradients().end());
    }
  } progress;
  progress.model = &model;
  model.forward();
  model.backward(progress);
  const std::vector<double> final_gradients(model.gradients().begin(), model.gradients().end());
  // layer6, layer4, layer2 (batch norm), layer1: the nodes with parameters, in reverse.
  BOOST_TEST(progress.offsets.size() == 4u);
  BOOST_TEST(progress.offsets.back() == 0u);
  for (std::size_t k = 1; k < progress.offsets.size(); ++k)
    BOOST_TEST(progress.offsets[k] < progress.offsets[k - 1]);
  for (std::size_t k = 0; k < progress.offsets.size(); ++k)
    BOOST_TEST(std::memcmp(progress.copies[k].data(), final_gradients.data() + progress.offsets[k],
                           progress.copies[k].size() * sizeof(double)) == 0);
  model.forward();
  model.backward();  // the plain pass computes the same gradients
  BOOST_TEST(std::memcmp(model.gradients().data(), final_gradients.data(),
                         final_gradients.size() * sizeof(double)) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
