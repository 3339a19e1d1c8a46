// staticgrad/ops/divide.hpp - a / b, elementwise with broadcasting.
// Broadcasting: an operand extent of 1 repeats along that axis (a bias column n x 1 over n x m); its
// adjoint is then summed along that axis.
#pragma once

#include "staticgrad/ops/detail/elementwise.hpp"

namespace sg {
namespace ops {
struct Divide : detail::BinaryElementwise<Divide> {
  static constexpr fixed_string name{"divide"};
  // forward
  template <class T> static T f(T a, T b) { return a / b; }
  // gradient: dy/da and dy/db, given a, b and y
  template <class T> static T dfa([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T y) { return T(1) / b; }
  template <class T> static T dfb([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T y) { return -y / b; }
};
}  // namespace ops

template <Expression A, Expression B> auto divide(A a, B b) { return make_node(ops::Divide{}, a, b); }
}  // namespace sg
