// staticgrad/ops/max_rows.hpp - the largest element of each column: n x m -> 1 x m.
// Used to shift logits before exp (softmax, log-softmax) so that exp never overflows.
// Gradient: each column's adjoint goes to its (first) largest element.
#pragma once

#include "staticgrad/core/fixed_string.hpp"
#include "staticgrad/core/parallel.hpp"
#include "staticgrad/graph/expression.hpp"

namespace sg {
namespace ops {

struct MaxRows {
  static constexpr fixed_string name{"max_rows"};
  template <class A>
  using result = Shape<1, A::cols>;

  template <class T>
  void forward(View<T> out, ConstView<T> a) const {
    parallel::for_each_index(a.cols, a.rows, [&](std::size_t j) {
      T best = a(0, j);
      for (std::size_t i = 1; i < a.rows; ++i) best = a(i, j) > best ? a(i, j) : best;
      out(0, j) = best;
    });
  }
  template <class T>
  void backward(ConstView<T> dout, ConstView<T> out, ConstView<T> a, View<T> da) const {
    if (!da.data) return;
    parallel::for_each_index(a.cols, a.rows, [&](std::size_t j) {
      std::size_t i = 0;
      while (i + 1 < a.rows && a(i, j) != out(0, j)) ++i;  // bounded even if a holds NaN
      da(i, j) += dout(0, j);
    });
  }
};

}  // namespace ops

template <Expression A> auto max_rows(A a) { return make_node(ops::MaxRows{}, a); }

}  // namespace sg
