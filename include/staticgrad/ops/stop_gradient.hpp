// staticgrad/ops/stop_gradient.hpp - the identity in forward, a constant to autodiff.
// Used where a value only shifts or scales something whose derivative does not depend on it.
#pragma once

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct StopGradient : detail::UnaryElementwise<StopGradient> {
  static constexpr fixed_string name{"stop_gradient"};
  static constexpr bool has_gradient = false;
  template <class T> static T f(T x) { return x; }
  template <class T> static T df(T, T) { return T(0); }
};
}  // namespace ops

template <Expression A> auto stop_gradient(A a) { return make_node(ops::StopGradient{}, a); }
}  // namespace sg
