// staticgrad/ops/sigmoid.hpp - the logistic function sigma(z) = 1 / (1 + e^-z), a composite op.
//
// Written through the identity sigma(z) = (1 + tanh(z/2)) / 2, which never overflows (1/(1+exp(-z))
// evaluates exp(-z) = inf for z < -88 in float, and its derived gradient then multiplies 0 by inf).
// The price: for very negative z the result loses relative (not absolute) precision, 1 + tanh cancelling;
// in float sigma(-20) is 0 instead of 2e-9. The losses therefore take logits, never sigmoid outputs.
// No gradient code: the autodiff derives (1/2)(1 - tanh^2(z/2))(1/2) = a(1 - a), the course's g'(z);
// tests/layers/course_formula_test.cpp checks that it equals a(1-a).
#pragma once

#include "staticgrad/ops/operators.hpp"
#include "staticgrad/ops/tanh.hpp"

namespace sg {

template <Expression Z> auto sigmoid(Z z) { return 0.5 * (tanh(0.5 * z) + 1.0); }

}  // namespace sg
