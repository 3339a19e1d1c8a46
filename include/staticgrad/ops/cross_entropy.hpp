// staticgrad/ops/cross_entropy.hpp - per-sample losses built from other ops (composites).
//
// Each returns a 1 x m row, the loss of each sample; the cost is its mean over the m samples.
// - binary_cross_entropy_with_logits(z, y) = -y log sigma(z) - (1 - y) log(1 - sigma(z)), computed as
//   max(z, 0) - z y + log(1 + e^-|z|), which is finite for every z (tiny-dnn's log(0) NaN cannot happen).
//   Summed over the rows, so an n x m input is n independent binary labels per sample (multi-label).
// - softmax_cross_entropy(z, y) = -sum_i y_i log softmax(z)_i with one-hot (or soft) labels y.
// The autodiff derives dZ = A - Y for both (sigma(z) - y and softmax(z) - y), as the course derives by
// hand; tests/layers/course_formula_test.cpp checks it.
#pragma once

#include "staticgrad/ops/abs.hpp"
#include "staticgrad/ops/exp.hpp"
#include "staticgrad/ops/log.hpp"
#include "staticgrad/ops/max_scalar.hpp"
#include "staticgrad/ops/operators.hpp"
#include "staticgrad/ops/reduce.hpp"
#include "staticgrad/ops/softmax.hpp"
#include "staticgrad/ops/square.hpp"
#include "staticgrad/ops/sum_squares.hpp"

namespace sg {

template <Expression Z, Expression Y> auto binary_cross_entropy_with_logits(Z z, Y y) {
  return sum_rows(max_scalar(z, 0.0) - z * y + log(exp(-abs(z)) + 1.0));
}

template <Expression Z, Expression Y> auto softmax_cross_entropy(Z z, Y y) {
  return -sum_rows(y * log_softmax(z));
}

// ||A||_F^2, the sum of the squares of all elements (L2 regularisation): the primitive sum_squares.
template <Expression A> auto frobenius_norm_squared(A a) { return sum_squares(a); }

}  // namespace sg
