// staticgrad/ops/matmul.hpp - the matrix product C = op(A) op(B), op either the identity or a transpose.
//
// Shape rule: op(A) is M x K, op(B) is K x N, C is M x N; a different inner extent fails to compile and
// g++ prints sg::check::inner_extents<"matmul", K_A, K_B> with "(K_A == K_B)".
// Forward: one GEMM. Gradient (for C = A B): dA += dC B^T, dB += A^T dC; the transposed cases follow by
// transposing those, and each is a single GEMM that reads its operands in place (no copy is transposed
// in memory).
#pragma once

#include "staticgrad/core/gemm.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/expression.hpp"

namespace sg {
namespace ops {

template <bool TransposeA, bool TransposeB>
struct MatMul {
  static constexpr fixed_string name{"matmul"};

  template <class A, class B>
  struct shape_rule {
    static constexpr std::size_t m = TransposeA ? A::cols : A::rows;
    static constexpr std::size_t ka = TransposeA ? A::rows : A::cols;
    static constexpr std::size_t kb = TransposeB ? B::cols : B::rows;
    static constexpr std::size_t n = TransposeB ? B::rows : B::cols;
    static_assert(check::inner_extents<name, ka, kb>::ok);
    using type = Shape<m, n>;
  };
  template <class A, class B>
  using result = typename shape_rule<A, B>::type;

  static constexpr Transpose t(bool yes) { return yes ? Transpose::yes : Transpose::no; }

  template <class T>
  void forward(View<T> c, ConstView<T> a, ConstView<T> b) const {
    const std::size_t k = TransposeA ? a.rows : a.cols;
    gemm(t(TransposeA), t(TransposeB), c.rows, c.cols, k, T(1), a.data, a.rows, b.data, b.rows, T(0), c.data,
         c.rows);
  }

  template <class T>
  void backward(ConstView<T> dc, ConstView<T>, ConstView<T> a, ConstView<T> b, View<T> da, View<T> db) const {
    const std::size_t m = dc.rows, n = dc.cols, k = TransposeA ? a.rows : a.cols;
    if (da.data) {
      if constexpr (!TransposeA)  // dA (M x K) += dC op(B)^T
        gemm(Transpose::no, t(!TransposeB), m, k, n, T(1), dc.data, m, b.data, b.rows, T(1), da.data, m);
      else  // dA (K x M) += op(B) dC^T
        gemm(t(TransposeB), Transpose::yes, k, m, n, T(1), b.data, b.rows, dc.data, m, T(1), da.data, k);
    }
    if (db.data) {
      if constexpr (!TransposeB)  // dB (K x N) += op(A)^T dC
        gemm(t(!TransposeA), Transpose::no, k, n, m, T(1), a.data, a.rows, dc.data, m, T(1), db.data, k);
      else  // dB (N x K) += dC^T op(A)
        gemm(Transpose::yes, t(TransposeA), n, k, m, T(1), dc.data, m, a.data, a.rows, T(1), db.data, n);
    }
  }
};

}  // namespace ops

// A B
template <Expression A, Expression B> auto matmul(A a, B b) { return make_node(ops::MatMul<false, false>{}, a, b); }
// A^T B
template <Expression A, Expression B> auto matmul_tn(A a, B b) { return make_node(ops::MatMul<true, false>{}, a, b); }
// A B^T
template <Expression A, Expression B> auto matmul_nt(A a, B b) { return make_node(ops::MatMul<false, true>{}, a, b); }
// A^T B^T
template <Expression A, Expression B> auto matmul_tt(A a, B b) { return make_node(ops::MatMul<true, true>{}, a, b); }

}  // namespace sg
