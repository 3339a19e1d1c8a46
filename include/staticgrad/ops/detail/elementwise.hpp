// staticgrad/ops/detail/elementwise.hpp - the loops shared by elementwise ops.
//
// A unary op supplies `f(x)` and `df(x, y)` (the derivative at x, given y = f(x)); a binary op supplies
// `f(a, b)`, `dfa(a, b, y)` and `dfb(a, b, y)`. These bases turn them into the forward and VJP kernels,
// with NumPy-style broadcasting for binary ops: an operand extent of 1 is repeated along that axis, and
// its adjoint is the sum of the contributions over that axis (each sum runs in index order on one thread,
// so the result does not depend on the thread count).
#pragma once

#include <cstddef>

#include "staticgrad/core/fixed_string.hpp"
#include "staticgrad/core/parallel.hpp"
#include "staticgrad/core/shape.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/expression.hpp"

namespace sg::ops::detail {

template <class Derived>
struct UnaryElementwise {
  template <class A>
  using result = A;

  template <class T>
  void forward(View<T> out, ConstView<T> a) const {
    const auto& self = static_cast<const Derived&>(*this);
    T* y = out.data;
    const T* x = a.data;
    parallel::for_each_range(out.size(), [&](std::size_t b, std::size_t e) {
      for (std::size_t k = b; k < e; ++k) y[k] = self.f(x[k]);
    });
  }
  template <class T>
  void backward(ConstView<T> dout, ConstView<T> out, ConstView<T> a, View<T> da) const {
    if (!da.data) return;
    const auto& self = static_cast<const Derived&>(*this);
    const T *g = dout.data, *y = out.data, *x = a.data;
    T* d = da.data;
    parallel::for_each_range(out.size(), [&](std::size_t b, std::size_t e) {
      for (std::size_t k = b; k < e; ++k) d[k] += g[k] * self.df(x[k], y[k]);
    });
  }
};

// Strides of an operand broadcast to the output: 0 along an axis of extent 1.
struct Broadcast {
  std::size_t row_stride, col_stride;
  template <class T>
  static Broadcast of(ConstView<T> v, std::size_t out_rows, std::size_t out_cols) {
    return {v.rows == 1 && out_rows != 1 ? std::size_t{0} : std::size_t{1},
            v.cols == 1 && out_cols != 1 ? std::size_t{0} : v.rows};
  }
  std::size_t at(std::size_t i, std::size_t j) const { return i * row_stride + j * col_stride; }
};

template <class Derived>
struct BinaryElementwise {
  template <class A, class B>
  struct shape_rule {
    static_assert(check::rows_broadcast<Derived::name, A::rows, B::rows>::ok);
    static_assert(check::cols_broadcast<Derived::name, A::cols, B::cols>::ok);
    using type = Shape<broadcast_extent(A::rows, B::rows), broadcast_extent(A::cols, B::cols)>;
  };
  template <class A, class B>
  using result = typename shape_rule<A, B>::type;

  template <class T>
  void forward(View<T> out, ConstView<T> a, ConstView<T> b) const {
    const auto& self = static_cast<const Derived&>(*this);
    const std::size_t r = out.rows, c = out.cols;
    if (a.size() == out.size() && b.size() == out.size()) {
      parallel::for_each_range(out.size(), [&](std::size_t lo, std::size_t hi) {
        for (std::size_t k = lo; k < hi; ++k) out.data[k] = self.f(a.data[k], b.data[k]);
      });
      return;
    }
    const Broadcast sa = Broadcast::of(a, r, c), sb = Broadcast::of(b, r, c);
    parallel::for_each_index(c, r, [&](std::size_t j) {
      const T* aj = a.data + j * sa.col_stride;
      const T* bj = b.data + j * sb.col_stride;
      T* oj = out.data + j * r;
      if (sa.row_stride == 1 && sb.row_stride == 1) {  // a column broadcast (n x 1) or none: contiguous
#pragma omp simd
        for (std::size_t i = 0; i < r; ++i) oj[i] = self.f(aj[i], bj[i]);
      } else {
        for (std::size_t i = 0; i < r; ++i) oj[i] = self.f(aj[i * sa.row_stride], bj[i * sb.row_stride]);
      }
    });
  }

  template <class T>
  void backward(ConstView<T> dout, ConstView<T> out, ConstView<T> a, ConstView<T> b, View<T> da,
                View<T> db) const {
    const auto& self = static_cast<const Derived&>(*this);
    if (da.data)
      accumulate(dout, out, a, b, da, [&](T x, T y, T z) { return self.dfa(x, y, z); });
    if (db.data)
      accumulate(dout, out, a, b, db, [&](T x, T y, T z) { return self.dfb(x, y, z); });
  }

 private:
  // dx += sum over the broadcast positions of dout * partial(a, b, out).
  template <class T, class Partial>
  static void accumulate(ConstView<T> dout, ConstView<T> out, ConstView<T> a, ConstView<T> b, View<T> dx,
                         Partial partial) {
    const std::size_t r = out.rows, c = out.cols;
    const Broadcast sa = Broadcast::of(a, r, c), sb = Broadcast::of(b, r, c);
    auto term = [&](std::size_t i, std::size_t j) {
      const std::size_t k = i + j * r;
      return dout.data[k] * partial(a.data[sa.at(i, j)], b.data[sb.at(i, j)], out.data[k]);
    };
    const bool full_rows = dx.rows == r || r == 1, full_cols = dx.cols == c || c == 1;
    const bool contiguous = sa.row_stride == 1 && sb.row_stride == 1;  // no operand broadcast along rows
    // term(i, j) for i in [first, first + count) of column j, into t[0, count).
    auto column_terms = [&](std::size_t j, std::size_t first, std::size_t count, T* t) {
      const T* aj = a.data + j * sa.col_stride + first;
      const T* bj = b.data + j * sb.col_stride + first;
      const T* gj = dout.data + j * r + first;
      const T* oj = out.data + j * r + first;
#pragma omp simd
      for (std::size_t i = 0; i < count; ++i) t[i] = gj[i] * partial(aj[i], bj[i], oj[i]);
    };
    constexpr std::size_t block = 64;
    if (full_rows && full_cols) {  // no broadcast: elementwise
      parallel::for_each_index(c, r, [&](std::size_t j) {
        if (contiguous) {
          T t[block];
          for (std::size_t first = 0; first < r; first += block) {
            const std::size_t count = first + block <= r ? block : r - first;
            column_terms(j, first, count, t);
            T* d = dx.data + j * dx.rows + first;
#pragma omp simd
            for (std::size_t i = 0; i < count; ++i) d[i] += t[i];
          }
        } else {
          for (std::size_t i = 0; i < r; ++i) dx(i, j) += term(i, j);
        }
      });
    } else if (full_rows && contiguous) {  // dx is rows x 1: blocks of rows, each summed over j ascending
      const std::size_t blocks = (r + block - 1) / block;
      parallel::for_each_index(blocks, block * c, [&](std::size_t blk) {
        const std::size_t first = blk * block, count = first + block <= r ? block : r - first;
        T acc[block], t[block];
        for (std::size_t i = 0; i < count; ++i) acc[i] = T(0);
        for (std::size_t j = 0; j < c; ++j) {
          column_terms(j, first, count, t);
#pragma omp simd
          for (std::size_t i = 0; i < count; ++i) acc[i] += t[i];
        }
        for (std::size_t i = 0; i < count; ++i) dx(first + i, 0) += acc[i];
      });
    } else if (full_rows) {  // dx is rows x 1: sum each row over the columns, j ascending
      parallel::for_each_index(r, c, [&](std::size_t i) {
        T s = 0;
        for (std::size_t j = 0; j < c; ++j) s += term(i, j);
        dx(i, 0) += s;
      });
    } else if (full_cols) {  // dx is 1 x cols: sum each column over the rows, i ascending
      parallel::for_each_index(c, r, [&](std::size_t j) {
        T s = 0;
        for (std::size_t i = 0; i < r; ++i) s += term(i, j);
        dx(0, j) += s;
      });
    } else {  // dx is 1 x 1
      T s = 0;
      for (std::size_t j = 0; j < c; ++j)
        for (std::size_t i = 0; i < r; ++i) s += term(i, j);
      dx(0, 0) += s;
    }
  }
};

}  // namespace sg::ops::detail
