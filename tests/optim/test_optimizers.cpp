// Optimiser arithmetic against the course's formulas, evaluated in double by a plain scalar loop here.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>
#include <omp.h>

#include "staticgrad/optim/adam.hpp"
#include "staticgrad/optim/gradient_descent.hpp"
#include "staticgrad/optim/momentum.hpp"
#include "staticgrad/optim/optimizer.hpp"
#include "staticgrad/optim/rmsprop.hpp"

namespace {

// Heap allocations made by this process, to check that steps after the first allocate nothing.
std::size_t allocations = 0;

using float_types = boost::mpl::list<float, double>;

// The tiny problem: J(w) = sum_i c_i (w_i - target_i)^2 / 2, so dW_i = c_i (w_i - target_i). Two slices
// ("W" of 3 elements, "b" of 1) cover the four parameters.
constexpr std::array<double, 4> start{0.5, -1.0, 2.0, 0.25};
constexpr std::array<double, 4> target{1.0, 0.0, -1.0, 0.5};
constexpr std::array<double, 4> curvature{1.0, 2.0, 0.5, 4.0};
constexpr std::array<sg::ParamSlice, 2> slices{{{"W", 0, 3, false}, {"b", 3, 1, false}}};
constexpr double alpha = 0.1;
constexpr int steps = 4;

template <class T>
std::vector<T> gradient_of(const std::vector<T>& w) {
  std::vector<T> g(w.size());
  for (std::size_t i = 0; i < w.size(); ++i)
    g[i] = static_cast<T>(curvature[i] * (static_cast<double>(w[i]) - target[i]));
  return g;
}

template <class T>
double tolerance() {
  return std::is_same_v<T, float> ? 2e-5 : 1e-13;
}

// Runs `steps` steps of `opt` on the tiny problem in precision T and returns the weights.
template <class T, class O>
std::vector<T> run(O& opt) {
  std::vector<T> w(start.begin(), start.end());
  for (int t = 0; t < steps; ++t) {
    const std::vector<T> g = gradient_of(w);
    opt.step(std::span<T>(w), std::span<const T>(g), slices, static_cast<T>(alpha));
  }
  return w;
}

template <class T>
void check_close(const std::vector<T>& got, const std::array<double, 4>& expected) {
  for (std::size_t i = 0; i < expected.size(); ++i)
    BOOST_TEST(static_cast<double>(got[i]) == expected[i], boost::test_tools::tolerance(tolerance<T>()));
}

}  // namespace

// Out of line so that GCC does not pair the malloc/free inside with new/delete expressions it inlined.
[[gnu::noinline]] void* operator new(std::size_t n) {
  ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

static_assert(sg::Optimizer<sg::Adam<float>, float>);
static_assert(sg::Optimizer<sg::GradientDescent<double>, double>);

BOOST_AUTO_TEST_SUITE(optimizers)

BOOST_AUTO_TEST_CASE_TEMPLATE(gradient_descent_matches_the_formula, T, float_types) {
  // W -= alpha dW.
  std::array<double, 4> w = start;
  for (int t = 0; t < steps; ++t)
    for (std::size_t i = 0; i < 4; ++i) w[i] -= alpha * curvature[i] * (w[i] - target[i]);
  sg::GradientDescent<T> gd;
  check_close(run<T>(gd), w);
  BOOST_TEST(gd.step_count() == std::size_t(steps));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(momentum_matches_the_formula, T, float_types) {
  for (bool corrected : {false, true}) {
    // V = beta V + (1 - beta) dW; W -= alpha V (or alpha V / (1 - beta^t)).
    const double beta = 0.9;
    std::array<double, 4> w = start, v{};
    for (int t = 1; t <= steps; ++t)
      for (std::size_t i = 0; i < 4; ++i) {
        const double g = curvature[i] * (w[i] - target[i]);
        v[i] = beta * v[i] + (1 - beta) * g;
        w[i] -= alpha * (corrected ? v[i] / (1 - std::pow(beta, t)) : v[i]);
      }
    sg::Momentum<T> momentum({.beta = 0.9, .bias_correction = corrected});
    check_close(run<T>(momentum), w);
    BOOST_TEST(momentum.state().size() == 4u);
  }
}

BOOST_AUTO_TEST_CASE(momentum_first_step_by_hand) {
  // One step from w = 0.5 with dW = 1 * (0.5 - 1) = -0.5: V = 0.1 * -0.5 = -0.05, W = 0.5 + 0.1 * 0.05.
  // With bias correction V / (1 - 0.9) = -0.5, W = 0.5 + 0.1 * 0.5 = 0.55: the first step is not damped.
  std::vector<double> w{0.5}, g{-0.5};
  const std::array<sg::ParamSlice, 1> one{{{"w", 0, 1, false}}};
  sg::Momentum<double> plain;
  plain.step(std::span<double>(w), std::span<const double>(g), one, 0.1);
  BOOST_TEST(w[0] == 0.505, boost::test_tools::tolerance(1e-15));
  w = {0.5};
  sg::Momentum<double> corrected({.bias_correction = true});
  corrected.step(std::span<double>(w), std::span<const double>(g), one, 0.1);
  BOOST_TEST(w[0] == 0.55, boost::test_tools::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(rmsprop_matches_the_formula, T, float_types) {
  // S = beta S + (1 - beta) dW^2; W -= alpha dW / (sqrt(S) + eps).
  const double beta = 0.999, eps = 1e-8;
  std::array<double, 4> w = start, s{};
  for (int t = 1; t <= steps; ++t)
    for (std::size_t i = 0; i < 4; ++i) {
      const double g = curvature[i] * (w[i] - target[i]);
      s[i] = beta * s[i] + (1 - beta) * g * g;
      w[i] -= alpha * g / (std::sqrt(s[i]) + eps);
    }
  sg::RMSprop<T> rmsprop;
  check_close(run<T>(rmsprop), w);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(adam_matches_the_formula, T, float_types) {
  // V, S as momentum and RMSprop; both divided by (1 - beta^t) before the update.
  const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  std::array<double, 4> w = start, v{}, s{};
  for (int t = 1; t <= steps; ++t)
    for (std::size_t i = 0; i < 4; ++i) {
      const double g = curvature[i] * (w[i] - target[i]);
      v[i] = beta1 * v[i] + (1 - beta1) * g;
      s[i] = beta2 * s[i] + (1 - beta2) * g * g;
      const double v_corrected = v[i] / (1 - std::pow(beta1, t));
      const double s_corrected = s[i] / (1 - std::pow(beta2, t));
      w[i] -= alpha * v_corrected / (std::sqrt(s_corrected) + eps);
    }
  sg::Adam<T> adam;
  check_close(run<T>(adam), w);
  BOOST_TEST(adam.state().size() == 8u);
  BOOST_TEST(adam.step_count() == std::size_t(steps));
}

BOOST_AUTO_TEST_CASE(adam_first_step_by_hand) {
  // At t = 1 the corrections undo the averages: V/(1-0.9) = dW and S/(1-0.999) = dW^2, so every
  // parameter moves by alpha * dW / (|dW| + eps): almost exactly alpha against the gradient's sign.
  std::vector<double> w{1.0, 1.0}, g{3.0, -0.002};
  const std::array<sg::ParamSlice, 1> one{{{"w", 0, 2, false}}};
  sg::Adam<double> adam;
  adam.step(std::span<double>(w), std::span<const double>(g), one, 0.01);
  BOOST_TEST(w[0] == 1.0 - 0.01 * 3.0 / (3.0 + 1e-8), boost::test_tools::tolerance(1e-14));
  BOOST_TEST(w[1] == 1.0 + 0.01 * 0.002 / (0.002 + 1e-8), boost::test_tools::tolerance(1e-14));
  BOOST_TEST(adam.state()[0] == 0.3, boost::test_tools::tolerance(1e-14));          // V = 0.1 dW
  BOOST_TEST(adam.state()[2] == 0.009, boost::test_tools::tolerance(1e-12));        // S = 0.001 dW^2
}

BOOST_AUTO_TEST_CASE_TEMPLATE(frozen_slice_is_untouched, T, float_types) {
  const std::array<sg::ParamSlice, 2> partly_frozen{{{"body.W", 0, 3, true}, {"head.b", 3, 1, false}}};
  std::vector<T> w(start.begin(), start.end());
  const std::vector<T> before = w;
  sg::Adam<T> adam;
  for (int t = 0; t < steps; ++t) {
    const std::vector<T> g = gradient_of(w);
    adam.step(std::span<T>(w), std::span<const T>(g), partly_frozen, T(0.1));
  }
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(w[i] == before[i]);
    BOOST_TEST(adam.state()[i] == T(0));      // V of the frozen slice
    BOOST_TEST(adam.state()[4 + i] == T(0));  // S of the frozen slice
  }
  BOOST_TEST(w[3] != before[3]);
}

BOOST_AUTO_TEST_CASE(steps_after_the_first_do_not_allocate) {
  std::vector<float> w(50000, 1.0f), g(50000, 0.5f);
  const std::array<sg::ParamSlice, 2> two{{{"W", 0, 49990, false}, {"b", 49990, 10, false}}};
  sg::Adam<float> adam;
  adam.step(std::span<float>(w), std::span<const float>(g), two, 1e-3f);  // sizes the state
  const std::size_t before = allocations;
  for (int t = 0; t < 5; ++t) adam.step(std::span<float>(w), std::span<const float>(g), two, 1e-3f);
  BOOST_TEST(allocations == before);
}

// Runs 5 Adam and 5 momentum steps on a model large enough to be split across threads, with slices of
// awkward sizes, using `threads` threads; returns weights followed by both states.
static std::vector<float> run_large(int threads) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  const std::size_t n = 100003;
  const std::array<sg::ParamSlice, 4> parts{{{"fc1.W", 0, 60001, false},
                                             {"fc1.b", 60001, 7, false},
                                             {"fc2.W", 60008, 39990, false},
                                             {"fc2.b", 99998, 5, false}}};
  std::vector<float> w(n), g(n);
  for (std::size_t i = 0; i < n; ++i) w[i] = std::sin(0.001f * static_cast<float>(i));
  sg::Adam<float> adam;
  sg::Momentum<float> momentum({.bias_correction = true});
  for (int t = 0; t < 5; ++t) {
    for (std::size_t i = 0; i < n; ++i) g[i] = w[i] * w[i] - 0.3f + 1e-3f * static_cast<float>(t);
    adam.step(std::span<float>(w), std::span<const float>(g), parts, 1e-3f);
    momentum.step(std::span<float>(w), std::span<const float>(g), parts, 1e-2f);
  }
  omp_set_num_threads(saved);
  std::vector<float> out = w;
  out.insert(out.end(), adam.state().begin(), adam.state().end());
  out.insert(out.end(), momentum.state().begin(), momentum.state().end());
  return out;
}

BOOST_AUTO_TEST_CASE(one_and_two_threads_are_bit_identical) {
  const std::vector<float> one = run_large(1), two = run_large(2);
  BOOST_REQUIRE(one.size() == two.size());
  BOOST_TEST(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
}

BOOST_AUTO_TEST_CASE(misuse_is_reported) {
  std::vector<float> w(4), g(3);
  sg::Adam<float> adam;
  BOOST_CHECK_THROW(adam.step(std::span<float>(w), std::span<const float>(g), slices, 0.1f), sg::shape_error);
  g.resize(4);
  const std::array<sg::ParamSlice, 1> outside{{{"fc9.W", 2, 3, false}}};
  BOOST_CHECK_THROW(adam.step(std::span<float>(w), std::span<const float>(g), outside, 0.1f), sg::shape_error);
  adam.step(std::span<float>(w), std::span<const float>(g), slices, 0.1f);
  std::vector<float> longer(8), odd(3, 0.0f);
  BOOST_CHECK_THROW(adam.step(std::span<float>(longer), std::span<const float>(longer), slices, 0.1f),
                    sg::shape_error);
  BOOST_CHECK_THROW(adam.load_state(std::span<const float>(odd), 1), sg::shape_error);
  BOOST_TEST(adam.step_count() == 1u);  // the failed load left the state alone
}

BOOST_AUTO_TEST_CASE(state_round_trip_resumes_bit_identically) {
  // [snippet:adam_step]
  // slices: {{"W", 0, 3, false}, {"b", 3, 1, false}}, the model's view of its flat buffer.
  std::vector<float> w(start.begin(), start.end());
  sg::Adam<float> adam;  // beta1 0.9, beta2 0.999, epsilon 1e-8
  for (int t = 0; t < 2; ++t) {
    const std::vector<float> g = gradient_of(w);
    adam.step(std::span<float>(w), std::span<const float>(g), slices, 0.1f);
  }
  // [snippet:adam_step]
  // [snippet:optimizer_resume]
  // Save: the flat state, the step count and the per-slice step counts are all a checkpoint needs.
  const std::vector<float> saved_state(adam.state().begin(), adam.state().end());
  const std::size_t saved_steps = adam.step_count();
  const std::vector<std::uint64_t> saved_slice_steps(adam.slice_steps().begin(), adam.slice_steps().end());
  std::vector<float> w_resumed = w;

  sg::Adam<float> resumed;
  resumed.load_state(saved_state, saved_steps);
  resumed.load_slice_steps(saved_slice_steps);  // after load_state; without it every slice has saved_steps
  // [snippet:optimizer_resume]
  for (int t = 0; t < 2; ++t) {
    const std::vector<float> g1 = gradient_of(w), g2 = gradient_of(w_resumed);
    adam.step(std::span<float>(w), std::span<const float>(g1), slices, 0.1f);
    resumed.step(std::span<float>(w_resumed), std::span<const float>(g2), slices, 0.1f);
  }
  BOOST_TEST(std::memcmp(w.data(), w_resumed.data(), w.size() * sizeof(float)) == 0);
}

// Steps the tiny problem once with `opt` and `with` as the slices (gradient from the current weights).
template <class T, class O>
void step_once(O& opt, std::vector<T>& w, std::span<const sg::ParamSlice> with) {
  const std::vector<T> g = gradient_of(w);
  opt.step(std::span<T>(w), std::span<const T>(g), with, static_cast<T>(alpha));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_slice_unfrozen_late_is_bias_corrected_from_its_own_first_step, T, float_types) {
  // "W" is frozen for k steps while "b" trains, then unfrozen. W's moments are still zero, so its first
  // update must be exactly a fresh optimiser's first update (t = 1) from the same weights and gradient.
  // With a global t = k + 1 = 4 Adam's step would be 0.1 * 2.91 / sqrt(0.001 * 250.4) = 0.58 alpha.
  constexpr std::size_t k = 3;
  const std::array<sg::ParamSlice, 2> w_frozen{{{"W", 0, 3, true}, {"b", 3, 1, false}}};
  auto check = [&](auto late, auto fresh, const char* what) {
    BOOST_TEST_CONTEXT(what) {
      std::vector<T> w(start.begin(), start.end());
      for (std::size_t t = 0; t < k; ++t) step_once(late, w, w_frozen);
      BOOST_TEST(late.step_count() == k);
      BOOST_TEST(late.slice_steps()[0] == 0u);
      BOOST_TEST(late.slice_steps()[1] == k);
      std::vector<T> w_fresh = w;  // the same weights: W as at the start, b after k steps
      step_once(late, w, slices);
      step_once(fresh, w_fresh, slices);
      BOOST_TEST(late.slice_steps()[0] == 1u);
      BOOST_TEST(late.slice_steps()[1] == k + 1);
      BOOST_TEST(std::memcmp(w.data(), w_fresh.data(), 3 * sizeof(T)) == 0);  // W: bit for bit
      BOOST_TEST(w[3] != w_fresh[3]);  // b is at its (k+1)-th step, not a first one
      return w;
    }
    return std::vector<T>{};
  };
  const std::vector<T> w = check(sg::Adam<T>{}, sg::Adam<T>{}, "Adam");
  // Adam's first update is alpha * dW / (|dW| + eps): alpha against the sign of the gradient.
  for (std::size_t i = 0; i < 3; ++i) {
    const double g = curvature[i] * (start[i] - target[i]);
    BOOST_TEST(static_cast<double>(w[i]) == start[i] - alpha * g / (std::abs(g) + 1e-8),
               boost::test_tools::tolerance(tolerance<T>()));
  }
  check(sg::Momentum<T>({.bias_correction = true}), sg::Momentum<T>({.bias_correction = true}), "Momentum");
}

BOOST_AUTO_TEST_CASE(per_slice_step_counts_round_trip_and_default_to_the_single_count) {
  const std::array<sg::ParamSlice, 2> w_frozen{{{"W", 0, 3, true}, {"b", 3, 1, false}}};
  std::vector<float> w(start.begin(), start.end());
  sg::Adam<float> adam;
  for (int t = 0; t < 3; ++t) step_once(adam, w, w_frozen);
  step_once(adam, w, slices);  // W: 1 step, b: 4
  const std::vector<float> state(adam.state().begin(), adam.state().end());
  const std::vector<std::uint64_t> counts(adam.slice_steps().begin(), adam.slice_steps().end());
  BOOST_TEST(counts == (std::vector<std::uint64_t>{1, 4}));
  // Restored with its counts: continues bit-identically.
  sg::Adam<float> resumed;
  resumed.load_state(state, adam.step_count());
  resumed.load_slice_steps(counts);
  std::vector<float> w_resumed = w;
  for (int t = 0; t < 2; ++t) {
    step_once(adam, w, slices);
    step_once(resumed, w_resumed, slices);
  }
  BOOST_TEST(std::memcmp(w.data(), w_resumed.data(), w.size() * sizeof(float)) == 0);
  BOOST_TEST(resumed.slice_steps()[0] == 3u);
  // Restored without them (an old checkpoint's single count): every slice continues from step_count().
  sg::Adam<float> old;
  old.load_state(state, 4);
  BOOST_TEST(old.slice_steps().empty());
  std::vector<float> w_old(start.begin(), start.end());
  step_once(old, w_old, slices);
  BOOST_TEST(old.slice_steps()[0] == 5u);
  BOOST_TEST(old.slice_steps()[1] == 5u);
  // A slice cannot have stepped more often than the optimiser; a failed load changes nothing.
  sg::Adam<float> bad;
  bad.load_state(state, 4);
  const std::vector<std::uint64_t> too_many{5, 4};
  BOOST_CHECK_EXCEPTION(bad.load_slice_steps(too_many), sg::shape_error, [](const sg::shape_error& e) {
    return std::string(e.what()).find("slice 0 has 5 steps, more than the 4 steps") != std::string::npos;
  });
  BOOST_TEST(bad.slice_steps().empty());
  // Another number of slices than the counts were made for is reported at the next step.
  bad.load_slice_steps(counts);
  const std::array<sg::ParamSlice, 1> one{{{"all", 0, 4, false}}};
  std::vector<float> w_bad(start.begin(), start.end());
  BOOST_CHECK_THROW(step_once(bad, w_bad, one), sg::shape_error);
}

BOOST_AUTO_TEST_SUITE_END()
