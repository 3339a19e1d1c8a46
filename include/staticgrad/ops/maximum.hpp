// staticgrad/ops/maximum.hpp - max(a, b), elementwise with broadcasting; on a tie the gradient goes to a; a NaN in a stays NaN.
// Broadcasting: an operand extent of 1 repeats along that axis (a bias column n x 1 over n x m); its
// adjoint is then summed along that axis.
#pragma once

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct Maximum : detail::BinaryElementwise<Maximum> {
  static constexpr fixed_string name{"maximum"};
  // forward
  template <class T> static T f(T a, T b) { return a < b ? b : a; }
  // gradient: dy/da and dy/db, given a, b and y
  template <class T> static T dfa([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T y) { return a < b ? T(0) : T(1); }
  template <class T> static T dfb([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T y) { return a < b ? T(1) : T(0); }
};
}  // namespace ops

template <Expression A, Expression B> auto maximum(A a, B b) { return make_node(ops::Maximum{}, a, b); }
}  // namespace sg
