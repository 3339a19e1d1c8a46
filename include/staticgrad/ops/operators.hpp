// staticgrad/ops/operators.hpp - arithmetic operators on expressions, so that composites read like math:
// `a + b`, `a - b`, `a * b` (elementwise), `a / b`, `-a`, and with a constant `2.0 * a`, `a + 1.0`, `1.0 - a`.
#pragma once

#include <type_traits>

#include "staticgrad/ops/add.hpp"
#include "staticgrad/ops/add_scalar.hpp"
#include "staticgrad/ops/divide.hpp"
#include "staticgrad/ops/multiply.hpp"
#include "staticgrad/ops/negate.hpp"
#include "staticgrad/ops/scale.hpp"
#include "staticgrad/ops/subtract.hpp"

namespace sg {

namespace detail {
// The operators with a scalar operand deduce A from the other operand alone. Given `x * n` where x
// converts to double and n is an unsigned long, clang (16) substitutes A = unsigned long, forms
// `operator*(double, unsigned long)` before it checks `Expression<A>`, and rejects that declaration as
// a hard error (an operator needs a class or enumeration parameter). A default template argument is
// substituted first, so there the candidate is dropped silently, as g++ drops it.
template <class A>
using if_expression = std::enable_if_t<Expression<A>, int>;
}  // namespace detail

template <Expression A, Expression B> auto operator+(A a, B b) { return add(a, b); }
template <Expression A, Expression B> auto operator-(A a, B b) { return subtract(a, b); }
template <Expression A, Expression B> auto operator*(A a, B b) { return multiply(a, b); }
template <Expression A, Expression B> auto operator/(A a, B b) { return divide(a, b); }
template <Expression A> auto operator-(A a) { return negate(a); }
template <Expression A, detail::if_expression<A> = 0>
auto operator*(double c, A a) { return scale(a, c); }
template <Expression A, detail::if_expression<A> = 0>
auto operator*(A a, double c) { return scale(a, c); }
template <Expression A, detail::if_expression<A> = 0>
auto operator/(A a, double c) { return scale(a, 1.0 / c); }
template <Expression A, detail::if_expression<A> = 0>
auto operator+(A a, double c) { return add_scalar(a, c); }
template <Expression A, detail::if_expression<A> = 0>
auto operator+(double c, A a) { return add_scalar(a, c); }
template <Expression A, detail::if_expression<A> = 0>
auto operator-(A a, double c) { return add_scalar(a, -c); }
template <Expression A, detail::if_expression<A> = 0>
auto operator-(double c, A a) { return add_scalar(negate(a), c); }

}  // namespace sg
