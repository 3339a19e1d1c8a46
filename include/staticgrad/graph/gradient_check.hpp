// staticgrad/graph/gradient_check.hpp - numerical gradient checking, the course's way.
//
// For every parameter element theta_i, the two-sided difference
//   g_approx_i = (J(theta_i + eps) - J(theta_i - eps)) / (2 eps),  eps = 1e-7, in double precision,
// is compared with the gradient g from backprop by the relative difference
//   ||g_approx - g||_2 / (||g_approx||_2 + ||g||_2),
// which the course considers correct below 1e-7. The result also names the parameter and the index of
// the element where |g_approx_i - g_i| is largest, which is where to look when the check fails.
//
// `gradient_check` is generic: it needs the parameters as named spans, the analytic gradient, and a
// function that recomputes the cost. `check_expression_gradient` wraps any expression (an op, a
// composite, a user's own op) in that machinery with random parameter values.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "staticgrad/core/matrix.hpp"
#include "staticgrad/core/random.hpp"
#include "staticgrad/graph/expression.hpp"
#include "staticgrad/ops/multiply.hpp"
#include "staticgrad/ops/reduce.hpp"

namespace sg {

struct GradientCheckResult {
  double relative_difference = 0;  // ||g_approx - g|| / (||g_approx|| + ||g||)
  std::string worst_parameter;     // where |g_approx_i - g_i| is largest
  std::size_t worst_index = 0;     // column-major index inside that parameter
  double worst_numeric = 0, worst_analytic = 0;
  std::size_t checked = 0;         // number of elements compared
  // The relative difference of each parameter alone, in order: where a wrong gradient is.
  std::vector<std::pair<std::string, double>> per_parameter;
  bool passed(double threshold = 1e-7) const { return relative_difference < threshold; }
};

struct NamedParameter {
  std::string name;
  std::span<double> values;            // perturbed in place, restored afterwards
  std::span<const double> gradient;    // from backprop, at the unperturbed point
};

// Two-sided differences over every element of every parameter. `cost()` must recompute J from the
// current parameter values without side effects that change later evaluations.
inline GradientCheckResult gradient_check(std::span<const NamedParameter> params,
                                          const std::function<double()>& cost, double epsilon = 1e-7) {
  GradientCheckResult r;
  double diff2 = 0, approx2 = 0, grad2 = 0, worst = -1;
  for (const auto& p : params) {
    double p_diff2 = 0, p_approx2 = 0, p_grad2 = 0;
    for (std::size_t k = 0; k < p.values.size(); ++k) {
      const double saved = p.values[k];
      p.values[k] = saved + epsilon;
      const double plus = cost();
      p.values[k] = saved - epsilon;
      const double minus = cost();
      p.values[k] = saved;
      const double approx = (plus - minus) / (2 * epsilon), g = p.gradient[k];
      p_diff2 += (approx - g) * (approx - g);
      p_approx2 += approx * approx;
      p_grad2 += g * g;
      if (std::abs(approx - g) > worst) {
        worst = std::abs(approx - g);
        r.worst_parameter = p.name;
        r.worst_index = k;
        r.worst_numeric = approx;
        r.worst_analytic = g;
      }
      ++r.checked;
    }
    diff2 += p_diff2;
    approx2 += p_approx2;
    grad2 += p_grad2;
    const double p_denominator = std::sqrt(p_approx2) + std::sqrt(p_grad2);
    r.per_parameter.emplace_back(p.name, p_denominator == 0 ? 0 : std::sqrt(p_diff2) / p_denominator);
  }
  const double denominator = std::sqrt(approx2) + std::sqrt(grad2);
  r.relative_difference = denominator == 0 ? 0 : std::sqrt(diff2) / denominator;
  return r;
}

// A context holding standalone parameters, for evaluating an expression outside a model.
template <class T>
struct ParameterContext {
  std::vector<Matrix<T>> values, gradients;
  ConstView<T> param(std::size_t slot) const { return values[slot].view(); }
  View<T> param_grad(std::size_t slot) { return gradients[slot].view(); }
};

// How `check_expression_gradient` draws the parameter values.
struct CheckPoint {
  std::uint64_t seed = 1;
  double low = -2, high = 2;  // uniform in [low, high); use a positive range for log, sqrt, reciprocal
  double epsilon = 1e-7;
};

namespace detail {
template <class S>
constexpr std::size_t fixed_cols(std::size_t m) { return resolve(S::cols, m); }
}  // namespace detail

// Check the gradient of `f(p0, p1, ...)` with respect to parameters p_k of shapes `Shapes...`
// (`sg::Shape<R, C>`, C may be sg::batch, resolved to `m`). A non-scalar result is reduced to a cost by
// summing it weighted with fixed random numbers, so every output element's gradient is exercised.
template <class... Shapes, class F>
GradientCheckResult check_expression_gradient(F f, CheckPoint at = {}, std::size_t m = 3) {
  ParameterContext<double> ctx;
  std::vector<NamedParameter> named;
  std::size_t slot = 0;
  auto make_leaf = [&]<class S>(S) {
    const std::size_t r = S::rows, c = detail::fixed_cols<S>(m), s = slot++;
    Matrix<double> v(r, c);
    for (std::size_t k = 0; k < v.size(); ++k)
      v[k] = at.low + (at.high - at.low) * random::uniform(at.seed, s, k);
    ctx.values.push_back(std::move(v));
    ctx.gradients.emplace_back(r, c);
    return ParamLeaf<double, S::rows, S::cols>{s};
  };
  auto leaves = std::tuple{make_leaf(Shapes{})...};
  auto out = std::apply(f, leaves);
  using Out = decltype(out);
  ConstLeaf<double, Out::rows, Out::cols> weights;
  weights.values.resize(Out::rows, resolve(Out::cols, m));
  for (std::size_t k = 0; k < weights.values.size(); ++k) weights.values[k] = random::normal(at.seed, 999, k);
  auto cost = sum_all(multiply(out, weights));

  auto evaluate = [&] {
    cost.forward(ctx, m);
    return cost.value()(0, 0);
  };
  evaluate();
  for (auto& g : ctx.gradients) g.fill(0);
  cost.zeroed_adjoint(m).data[0] = 1;
  cost.backward(ctx, m);
  for (std::size_t s = 0; s < ctx.values.size(); ++s)
    named.push_back({fmt::format("p{}", s), std::span(ctx.values[s].data(), ctx.values[s].size()),
                     std::span<const double>(ctx.gradients[s].data(), ctx.gradients[s].size())});
  return gradient_check(named, evaluate, at.epsilon);
}

}  // namespace sg
