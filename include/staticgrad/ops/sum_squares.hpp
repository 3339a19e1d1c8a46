// staticgrad/ops/sum_squares.hpp - sum_squares(A) = sum of A(i, j)^2 over all elements, 1 x 1: the squared
// Frobenius norm ||A||_F^2 of the L2 penalty.
//
// One primitive rather than the composite sum_all(square(A)), because the L2 penalty evaluates it for every
// weight matrix at every training step: the composite wrote an n x m temporary, summed it in a single
// serial chain and took two more passes backward (about 8% of a flagship step); this reads A once forward
// and once backward, in parallel.
// Shape: any n x m -> 1 x 1.
// Forward: the elements are cut into `chunks` fixed ranges (their bounds depend only on the size); each
// range is summed with `lanes` interleaved partial sums (element k goes to lane k mod lanes), added
// lane by lane; then the chunk sums in chunk order. The order is fixed by the code, not by the threads,
// so the result has the same bits for any thread count.
// Gradient: dA += 2 dout A.
#pragma once

#include <array>
#include <cstddef>

#include "staticgrad/core/fixed_string.hpp"
#include "staticgrad/core/parallel.hpp"
#include "staticgrad/graph/expression.hpp"
#include "staticgrad/ops/detail/lane_sum.hpp"

namespace sg {
namespace ops {
struct SumSquares {
  static constexpr fixed_string name{"sum_squares"};
  static constexpr std::size_t chunks = 64, lanes = 8;
  template <class A>
  using result = Shape<1, 1>;

  template <class T>
  void forward(View<T> out, ConstView<T> a) const {
    const std::size_t n = a.size(), per_chunk = (n + chunks - 1) / chunks;
    std::array<T, chunks> partial{};
    parallel::for_each_index(chunks, per_chunk, [&](std::size_t c) {
      const std::size_t first = c * per_chunk < n ? c * per_chunk : n;
      const std::size_t last = first + per_chunk < n ? first + per_chunk : n;
      const T* x = a.data + first;
      partial[c] = detail::lane_sum<lanes>(last - first, [x](std::size_t k) { return x[k] * x[k]; });
    });
    T total = 0;
    for (std::size_t c = 0; c < chunks; ++c) total += partial[c];
    out(0, 0) = total;
  }

  template <class T>
  void backward(ConstView<T> dout, ConstView<T>, ConstView<T> a, View<T> da) const {
    if (!da.data) return;
    const T g = T(2) * dout(0, 0);
    T* d = da.data;
    const T* x = a.data;
    parallel::for_each_range(a.size(), [&](std::size_t lo, std::size_t hi) {
      for (std::size_t k = lo; k < hi; ++k) d[k] += g * x[k];
    });
  }
};
}  // namespace ops

template <Expression A> auto sum_squares(A a) { return make_node(ops::SumSquares{}, a); }
}  // namespace sg
