// staticgrad/ops/row_groups.hpp - per-channel sums over an image's pixels, and their transpose.
//
// An image tensor has C*G rows (C channels of G = H*W pixels each, channel-major). Two linear ops move
// between per-pixel and per-channel rows, each the other's transpose, so each one's VJP is the other:
//   sum_row_groups<G>(x):  (C*G) x n -> C x n,      y[c, j] = sum_p x[c*G + p, j]   (p ascending)
//                          VJP: dx[c*G + p, j] += dy[c, j]
//   repeat_rows<G>(x):     C x n -> (C*G) x n,      y[c*G + p, j] = x[c, j]
//                          VJP: dx[c, j] += sum_p dy[c*G + p, j]   (p ascending)
// Batch norm over channels (layers/batch_norm_2d.hpp) and global average pooling are built from them
// with no gradient code of their own. Each output element is summed by one thread in index order.
#pragma once

#include <cstddef>

#include "staticgrad/core/parallel.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/expression.hpp"

namespace sg {
namespace ops {

template <std::size_t G>
struct SumRowGroups {
  static_assert(G > 0);
  static constexpr fixed_string name{"sum_row_groups"};
  template <class X>
  struct shape_rule {
    static_assert(check::extent_equals<"sum_row_groups: rows divisible by the group", 0, X::rows % G>::ok);
    using type = Shape<X::rows / G, X::cols>;
  };
  template <class X>
  using result = typename shape_rule<X>::type;

  template <class T>
  void forward(View<T> y, ConstView<T> x) const {
    const std::size_t c = y.rows;
    sg::parallel::for_each_index(x.cols, x.rows, [&](std::size_t j) {
      for (std::size_t k = 0; k < c; ++k) {
        const T* in = x.data + j * x.rows + k * G;
        T s = 0;
        for (std::size_t p = 0; p < G; ++p) s += in[p];
        y(k, j) = s;
      }
    });
  }
  template <class T>
  void backward(ConstView<T> dy, ConstView<T>, ConstView<T> x, View<T> dx) const {
    if (!dx.data) return;
    const std::size_t c = dy.rows;
    sg::parallel::for_each_index(x.cols, x.rows, [&](std::size_t j) {
      for (std::size_t k = 0; k < c; ++k) {
        T* d = dx.data + j * x.rows + k * G;
        const T g = dy(k, j);
        for (std::size_t p = 0; p < G; ++p) d[p] += g;
      }
    });
  }
};

template <std::size_t G>
struct RepeatRows {
  static_assert(G > 0);
  static constexpr fixed_string name{"repeat_rows"};
  template <class X>
  using result = Shape<X::rows * G, X::cols>;

  template <class T>
  void forward(View<T> y, ConstView<T> x) const {
    sg::parallel::for_each_index(x.cols, y.rows, [&](std::size_t j) {
      for (std::size_t k = 0; k < x.rows; ++k) {
        T* out = y.data + j * y.rows + k * G;
        const T v = x(k, j);
        for (std::size_t p = 0; p < G; ++p) out[p] = v;
      }
    });
  }
  template <class T>
  void backward(ConstView<T> dy, ConstView<T>, ConstView<T> x, View<T> dx) const {
    if (!dx.data) return;
    sg::parallel::for_each_index(x.cols, dy.rows, [&](std::size_t j) {
      for (std::size_t k = 0; k < x.rows; ++k) {
        const T* g = dy.data + j * dy.rows + k * G;
        T s = 0;
        for (std::size_t p = 0; p < G; ++p) s += g[p];
        dx(k, j) += s;
      }
    });
  }
};

}  // namespace ops

template <std::size_t G, Expression X>
auto sum_row_groups(X x) {
  return make_node(ops::SumRowGroups<G>{}, x);
}
template <std::size_t G, Expression X>
auto repeat_rows(X x) {
  return make_node(ops::RepeatRows<G>{}, x);
}

}  // namespace sg
