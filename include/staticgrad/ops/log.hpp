// staticgrad/ops/log.hpp - natural logarithm, elementwise (x > 0).
#pragma once

#include <cmath>

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct Log : detail::UnaryElementwise<Log> {
  static constexpr fixed_string name{"log"};
  // forward: y = log(x)
  template <class T> static T f(T x) { return std::log(x); }
  // gradient: dy/dx, given x and y
  template <class T> static T df([[maybe_unused]] T x, [[maybe_unused]] T y) { return T(1) / x; }
};
}  // namespace ops

template <Expression A> auto log(A a) { return make_node(ops::Log{}, a); }
}  // namespace sg
