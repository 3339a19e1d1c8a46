// staticgrad/ops/linear.hpp - the affine map Z = W X + b (b broadcast over the columns) as ONE node.
//
// This is add(matmul(W, X), b) fused, a performance choice behind the same interface (Dense builds it):
// the composite keeps a value buffer and an adjoint for the product, zeroes that adjoint, copies dZ into
// it, and sums db along the rows of a column-major matrix (a strided walk). The fused node runs exactly
// the same floating-point operations in the same order, so its value and all three gradients are
// bit-identical to the composite's (tests/ops/linear_test.cpp checks that, and the gradient check):
//   forward:  Z = W X (one GEMM, beta 0), then Z(:, j) += b, column by column;
//   backward: dW += dZ X^T and dX += W^T dZ (the two GEMMs matmul's VJP runs), and
//             db(i) += sum_j dZ(i, j), summed for j ascending from 0 like the broadcast add's VJP, but
//             over blocks of rows so that dZ is read down its contiguous columns.
// Shape rule: W is Out x In, X is In x m, b is Out x 1; a mismatch fails to compile naming both extents.
// Determinism: each element of db is summed by one thread in a fixed order; the GEMMs are sg::gemm's.
#pragma once

#include <cstddef>

#include "staticgrad/core/gemm.hpp"
#include "staticgrad/core/parallel.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/expression.hpp"

namespace sg {
namespace ops {

struct Linear {
  static constexpr fixed_string name{"linear"};

  template <class W, class X, class B>
  struct shape_rule {
    static_assert(check::inner_extents<name, W::cols, X::rows>::ok);
    static_assert(check::extent_equals<"linear bias rows", W::rows, B::rows>::ok);
    static_assert(check::extent_equals<"linear bias cols", 1, B::cols>::ok);
    using type = Shape<W::rows, X::cols>;
  };
  template <class W, class X, class B>
  using result = typename shape_rule<W, X, B>::type;

  // Rows of db summed together: a block's partial sums live in registers / on the stack.
  static constexpr std::size_t row_block = 64;

  template <class T>
  void forward(View<T> z, ConstView<T> w, ConstView<T> x, ConstView<T> b) const {
    const std::size_t out = z.rows, m = z.cols, in = w.cols;
    gemm(Transpose::no, Transpose::no, out, m, in, T(1), w.data, w.rows, x.data, x.rows, T(0), z.data, out);
    const T* bias = b.data;
    parallel::for_each_index(m, out, [&](std::size_t j) {
      T* zj = z.data + j * out;
#pragma omp simd
      for (std::size_t i = 0; i < out; ++i) zj[i] = zj[i] + bias[i];
    });
  }

  template <class T>
  void backward(ConstView<T> dz, ConstView<T>, ConstView<T> w, ConstView<T> x, ConstView<T>, View<T> dw,
                View<T> dx, View<T> db) const {
    const std::size_t out = dz.rows, m = dz.cols, in = w.cols;
    if (dw.data)  // dW (Out x In) += dZ X^T
      gemm(Transpose::no, Transpose::yes, out, in, m, T(1), dz.data, out, x.data, x.rows, T(1), dw.data, out);
    if (dx.data)  // dX (In x m) += W^T dZ
      gemm(Transpose::yes, Transpose::no, in, m, out, T(1), w.data, w.rows, dz.data, out, T(1), dx.data, in);
    if (db.data) sum_columns_into(dz, db.data);
  }

  // db(i) += (((0 + dZ(i,0)) + dZ(i,1)) + ...), blocks of rows split across threads.
  template <class T>
  static void sum_columns_into(ConstView<T> dz, T* db) {
    const std::size_t out = dz.rows, m = dz.cols;
    const std::size_t blocks = (out + row_block - 1) / row_block;
    parallel::for_each_index(blocks, row_block * m, [&](std::size_t blk) {
      const std::size_t first = blk * row_block;
      const std::size_t count = first + row_block <= out ? row_block : out - first;
      T acc[row_block];
      for (std::size_t i = 0; i < count; ++i) acc[i] = T(0);
      for (std::size_t j = 0; j < m; ++j) {
        const T* col = dz.data + j * out + first;
#pragma omp simd
        for (std::size_t i = 0; i < count; ++i) acc[i] += col[i];
      }
      for (std::size_t i = 0; i < count; ++i) db[first + i] += acc[i];
    });
  }
};

}  // namespace ops

// W X + b with b (Out x 1) broadcast over the columns of W X; equal to add(matmul(w, x), b).
template <Expression W, Expression X, Expression B>
auto linear(W w, X x, B b) {
  return make_node(ops::Linear{}, w, x, b);
}

}  // namespace sg
