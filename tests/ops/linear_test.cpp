// The fused affine node linear(W, X, b) equals the composite add(matmul(W, X), b) it replaces in Dense:
// the same value and the same three gradients, bit for bit, whatever the thread count; and it passes the
// gradient check on its own.
#include <boost/test/unit_test.hpp>

#include <omp.h>

#include <cstring>
#include <vector>

#include "staticgrad/core/random.hpp"
#include "staticgrad/graph/gradient_check.hpp"
#include "staticgrad/ops/all.hpp"
#include "staticgrad/ops/linear.hpp"

using namespace sg;

namespace {

// Everything one evaluation produced: the output, then each parameter's gradient.
struct Outcome {
  std::vector<float> value;
  std::vector<std::vector<float>> grads;
};

// Evaluate `expr` on parameters W (Out x In), X (In x m), b (Out x 1) drawn from `seed`, seed its adjoint
// with fixed random numbers and run backward into gradients that start at `initial_grad` (an op must ADD).
template <std::size_t Out, std::size_t In, class Expr>
Outcome run(Expr expr, std::size_t m, float initial_grad, std::uint64_t seed = 5) {
  ParameterContext<float> ctx;
  const std::size_t rows[] = {Out, In, Out}, cols[] = {In, m, 1};
  for (std::size_t s = 0; s < 3; ++s) {
    Matrix<float> v(rows[s], cols[s]), g(rows[s], cols[s]);
    for (std::size_t k = 0; k < v.size(); ++k) v[k] = static_cast<float>(random::normal(seed, s, k));
    g.fill(initial_grad);
    ctx.values.push_back(std::move(v));
    ctx.gradients.push_back(std::move(g));
  }
  expr.forward(ctx, m);
  View<float> adj = expr.zeroed_adjoint(m);
  for (std::size_t k = 0; k < adj.size(); ++k) adj.data[k] = static_cast<float>(random::normal(seed, 99, k));
  expr.backward(ctx, m);
  Outcome o;
  const auto v = expr.value();
  o.value.assign(v.data, v.data + v.size());
  for (auto& g : ctx.gradients) o.grads.emplace_back(g.data(), g.data() + g.size());
  return o;
}

template <std::size_t Out, std::size_t In>
auto fused() {
  return linear(ParamLeaf<float, Out, In>{0}, ParamLeaf<float, In, batch>{1}, ParamLeaf<float, Out, 1>{2});
}
template <std::size_t Out, std::size_t In>
auto derived() {
  return add(matmul(ParamLeaf<float, Out, In>{0}, ParamLeaf<float, In, batch>{1}), ParamLeaf<float, Out, 1>{2});
}

bool identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

void require_identical(const Outcome& a, const Outcome& b) {
  BOOST_TEST(identical(a.value, b.value));
  BOOST_REQUIRE_EQUAL(a.grads.size(), b.grads.size());
  for (std::size_t s = 0; s < a.grads.size(); ++s) {
    BOOST_TEST_INFO("gradient of parameter " << s << " (0: W, 1: X, 2: b)");
    BOOST_TEST(identical(a.grads[s], b.grads[s]));
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(linear_op)

BOOST_AUTO_TEST_CASE(passes_the_gradient_check) {
  const auto r = check_expression_gradient<Shape<3, 5>, Shape<5, batch>, Shape<3, 1>>(
      [](auto w, auto x, auto b) { return linear(w, x, b); });
  BOOST_TEST(r.checked > 0u);
  BOOST_TEST(r.relative_difference < 1e-7);
}

BOOST_AUTO_TEST_CASE(equals_the_derived_add_of_matmul_bit_for_bit) {
  // Small (serial paths), odd-sized (a partial block of bias rows), and large enough for every
  // parallel path; gradients starting at 0 (as in a model) and at a non-zero value (accumulation).
  for (float initial : {0.0f, 0.375f}) {
    require_identical(run<3, 5>(fused<3, 5>(), 1, initial), run<3, 5>(derived<3, 5>(), 1, initial));
    require_identical(run<70, 33>(fused<70, 33>(), 9, initial), run<70, 33>(derived<70, 33>(), 9, initial));
    require_identical(run<300, 50>(fused<300, 50>(), 200, initial),
                      run<300, 50>(derived<300, 50>(), 200, initial));
  }
}

BOOST_AUTO_TEST_CASE(does_not_depend_on_the_thread_count) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const Outcome one = run<300, 50>(fused<300, 50>(), 200, 0.0f);
  omp_set_num_threads(2);
  const Outcome two = run<300, 50>(fused<300, 50>(), 200, 0.0f);
  omp_set_num_threads(3);
  const Outcome three = run<300, 50>(fused<300, 50>(), 200, 0.0f);
  omp_set_num_threads(saved);
  require_identical(one, two);
  require_identical(one, three);
}

BOOST_AUTO_TEST_SUITE_END()
