// staticgrad/ops/operators.hpp - arithmetic operators on expressions, so that composites read like math:
// `a + b`, `a - b`, `a * b` (elementwise), `a / b`, `-a`, and with a constant `2.0 * a`, `a + 1.0`, `1.0 - a`.
#pragma once

#include "staticgrad/ops/add.hpp"
#include "staticgrad/ops/add_scalar.hpp"
#include "staticgrad/ops/divide.hpp"
#include "staticgrad/ops/multiply.hpp"
#include "staticgrad/ops/negate.hpp"
#include "staticgrad/ops/scale.hpp"
#include "staticgrad/ops/subtract.hpp"

namespace sg {

template <Expression A, Expression B> auto operator+(A a, B b) { return add(a, b); }
template <Expression A, Expression B> auto operator-(A a, B b) { return subtract(a, b); }
template <Expression A, Expression B> auto operator*(A a, B b) { return multiply(a, b); }
template <Expression A, Expression B> auto operator/(A a, B b) { return divide(a, b); }
template <Expression A> auto operator-(A a) { return negate(a); }
template <Expression A> auto operator*(double c, A a) { return scale(a, c); }
template <Expression A> auto operator*(A a, double c) { return scale(a, c); }
template <Expression A> auto operator/(A a, double c) { return scale(a, 1.0 / c); }
template <Expression A> auto operator+(A a, double c) { return add_scalar(a, c); }
template <Expression A> auto operator+(double c, A a) { return add_scalar(a, c); }
template <Expression A> auto operator-(A a, double c) { return add_scalar(a, -c); }
template <Expression A> auto operator-(double c, A a) { return add_scalar(negate(a), c); }

}  // namespace sg
