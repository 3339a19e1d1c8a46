// staticgrad/ops/reduce.hpp - sums and means over the rows, the columns, or all elements.
//
// The course's axes: `sum_cols(A)` is np.sum(A, axis=1, keepdims=True), n x m -> n x 1 (over the
// samples, as in db = 1/m sum(dZ, axis=1)); `sum_rows(A)` is np.sum(A, axis=0), n x m -> 1 x m (over the
// features of each sample, as in a softmax's denominator); `sum_all(A)` -> 1 x 1. The `mean_*` forms
// divide by the number of summed elements, known at run time when the axis is the batch.
// Gradient: every summed element receives the output's adjoint (divided by the count for a mean).
// Each output element is summed in index order by one thread (deterministic for any thread count).
#pragma once

#include "staticgrad/core/fixed_string.hpp"
#include "staticgrad/core/parallel.hpp"
#include "staticgrad/graph/expression.hpp"

namespace sg {
namespace ops {

enum class Axis { rows, cols, all };

template <Axis Over, bool Mean>
struct Reduce {
  static constexpr fixed_string name{"reduce"};

  template <class A>
  using result = Shape<Over == Axis::rows || Over == Axis::all ? 1 : A::rows,
                       Over == Axis::cols || Over == Axis::all ? 1 : A::cols>;

  template <class T>
  static T count(ConstView<T> a) {
    return static_cast<T>(Over == Axis::rows ? a.rows : Over == Axis::cols ? a.cols : a.size());
  }

  template <class T>
  void forward(View<T> out, ConstView<T> a) const {
    const T scale = Mean ? T(1) / count(a) : T(1);
    if constexpr (Over == Axis::rows) {
      parallel::for_each_index(a.cols, a.rows, [&](std::size_t j) {
        T s = 0;
        for (std::size_t i = 0; i < a.rows; ++i) s += a(i, j);
        out(0, j) = s * scale;
      });
    } else if constexpr (Over == Axis::cols) {
      parallel::for_each_index(a.rows, a.cols, [&](std::size_t i) {
        T s = 0;
        for (std::size_t j = 0; j < a.cols; ++j) s += a(i, j);
        out(i, 0) = s * scale;
      });
    } else {
      T s = 0;
      for (std::size_t k = 0; k < a.size(); ++k) s += a.data[k];
      out(0, 0) = s * scale;
    }
  }

  template <class T>
  void backward(ConstView<T> dout, ConstView<T>, ConstView<T> a, View<T> da) const {
    if (!da.data) return;
    const T scale = Mean ? T(1) / count(a) : T(1);
    parallel::for_each_index(a.cols, a.rows, [&](std::size_t j) {
      for (std::size_t i = 0; i < a.rows; ++i) {
        const T g = Over == Axis::rows ? dout(0, j) : Over == Axis::cols ? dout(i, 0) : dout(0, 0);
        da(i, j) += g * scale;
      }
    });
  }
};

}  // namespace ops

template <Expression A> auto sum_rows(A a) { return make_node(ops::Reduce<ops::Axis::rows, false>{}, a); }
template <Expression A> auto sum_cols(A a) { return make_node(ops::Reduce<ops::Axis::cols, false>{}, a); }
template <Expression A> auto sum_all(A a) { return make_node(ops::Reduce<ops::Axis::all, false>{}, a); }
template <Expression A> auto mean_rows(A a) { return make_node(ops::Reduce<ops::Axis::rows, true>{}, a); }
template <Expression A> auto mean_cols(A a) { return make_node(ops::Reduce<ops::Axis::cols, true>{}, a); }
template <Expression A> auto mean_all(A a) { return make_node(ops::Reduce<ops::Axis::all, true>{}, a); }

}  // namespace sg
