// staticgrad/ops/conv2d.hpp - two-dimensional convolution (cross-correlation, as in every framework).
//
// X holds m images of Cin x H x W (one column each, channel-major), W is Cout x (Cin K K) (row o is
// filter o, its columns ordered (channel, kernel row, kernel column)), b is Cout x 1 (optional). The
// output holds m images of Cout x H' x W', with H' = floor((H + 2P - K) / S) + 1 (the same for W'):
//   Y[o, y, x] = b[o] + sum over c, i, j of W[o, (c, i, j)] * X[c, y S - P + i, x S - P + j]
// (X read as 0 outside the image: zero padding).
// Forward by im2col: for each sample, the matrix col (H'W' x Cin K K) whose row p lists the input values
// under the window of output pixel p; then Y_sample (H'W' x Cout, which IS Cout x H' x W' channel-major)
// = col W^T, one sg::small_gemm (a kernel generated for the shape when built with LIBXSMM).
// VJP, per sample: dW += dY^T col (the same col, rebuilt), dcol = dY W, dX += col2im(dcol) (each dcol
// element added back where im2col read it), db[o] += sum over pixels and samples of dY[o].
// Shape rule: X must have Cin H W rows, W must be Cout x Cin K K, b Cout x 1; the geometry (and so H', W')
// is fixed at compile time by the layer (layers/conv2d.hpp), which checked that the window fits.
// Determinism: samples are independent in the forward pass and in dX; dW is summed over a fixed number
// of sample chunks (bounds from m alone), each chunk by one thread in sample order, and the chunks are
// added in chunk order, so every bit is the same for any thread count. Buffers are per thread and grow
// only: a steady-state step allocates nothing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "staticgrad/core/gemm.hpp"
#include "staticgrad/core/parallel.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/expression.hpp"
#include "staticgrad/ops/detail/lane_sum.hpp"

namespace sg {
namespace ops {

// The compile-time geometry of a convolution or a pooling window.
struct WindowGeometry {
  std::size_t channels, height, width;  // input, per sample
  std::size_t kernel, stride, pad;
  constexpr std::size_t out_height() const { return (height + 2 * pad - kernel) / stride + 1; }
  constexpr std::size_t out_width() const { return (width + 2 * pad - kernel) / stride + 1; }
  constexpr std::size_t in_size() const { return channels * height * width; }
  constexpr std::size_t out_pixels() const { return out_height() * out_width(); }
};

namespace detail {
// A buffer of at least n elements owned by the calling thread, kept for its next calls (Tag keeps
// different uses apart). Grows only: no allocation once the largest size has been seen.
template <class T, class Tag>
T* thread_buffer(std::size_t n) {
  thread_local std::vector<T> buffer;
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}

// Channel c of image x as the window reads it: with P zeros on every side (H + 2P rows of W + 2P),
// so that im2col and col2im run fixed-length loops without bounds checks. Without padding it is the
// image's own plane; otherwise a copy in `padded`, whose border the caller has zeroed.
template <WindowGeometry G, class T>
const T* padded_plane(const T* x, std::size_t c, T* padded) {
  const T* plane = x + c * G.height * G.width;
  if constexpr (G.pad == 0) {
    return plane;
  } else {
    constexpr std::size_t wp = G.width + 2 * G.pad;
    for (std::size_t y = 0; y < G.height; ++y)
      std::copy(plane + y * G.width, plane + (y + 1) * G.width, padded + (y + G.pad) * wp + G.pad);
    return padded;
  }
}

// col (out_pixels x C K K, column-major) from one image x (C x H x W): column (c, i, j) holds, for each
// output pixel (oy, ox), the input under kernel position (i, j) of channel c, X[c, oy S - P + i,
// ox S - P + j], or 0 in the padding. Every extent is a constant, so the row copies are unrolled.
template <WindowGeometry G, class T>
void im2col(const T* x, T* col) {
  constexpr std::size_t ho = G.out_height(), wo = G.out_width(), hw = ho * wo, k = G.kernel;
  constexpr std::size_t wp = G.width + 2 * G.pad, hp = G.height + 2 * G.pad;
  T* padded = nullptr;
  if constexpr (G.pad > 0) {
    padded = thread_buffer<T, struct PaddedPlane>(hp * wp);
    std::fill(padded, padded + hp * wp, T(0));
  }
  for (std::size_t c = 0; c < G.channels; ++c) {
    const T* plane = padded_plane<G>(x, c, padded);
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = 0; j < k; ++j) {
        T* dst = col + ((c * k + i) * k + j) * hw;
        for (std::size_t oy = 0; oy < ho; ++oy) {
          const T* src = plane + (oy * G.stride + i) * wp + j;
          T* row = dst + oy * wo;
          for (std::size_t ox = 0; ox < wo; ++ox) row[ox] = src[ox * G.stride];
        }
      }
  }
}

// dx (C x H x W) += the columns of dcol added back where im2col read them. Per channel, the
// contributions are summed in im2col's order (kernel row, kernel column, output row, output column),
// in a padded plane when there is padding (its border, the padding's share, is dropped), then added
// to dx.
template <WindowGeometry G, class T>
void col2im_add(const T* dcol, T* dx) {
  constexpr std::size_t ho = G.out_height(), wo = G.out_width(), hw = ho * wo, k = G.kernel;
  constexpr std::size_t wp = G.width + 2 * G.pad, hp = G.height + 2 * G.pad;
  T* sum = G.pad > 0 ? thread_buffer<T, struct PaddedSum>(hp * wp) : nullptr;
  for (std::size_t c = 0; c < G.channels; ++c) {
    T* plane = dx + c * G.height * G.width;
    T* acc = plane;
    if constexpr (G.pad > 0) {
      acc = sum;
      std::fill(acc, acc + hp * wp, T(0));
    }
    for (std::size_t i = 0; i < k; ++i)
      for (std::size_t j = 0; j < k; ++j) {
        const T* src = dcol + ((c * k + i) * k + j) * hw;
        for (std::size_t oy = 0; oy < ho; ++oy) {
          T* row = acc + (oy * G.stride + i) * wp + j;
          const T* in = src + oy * wo;
          for (std::size_t ox = 0; ox < wo; ++ox) row[ox * G.stride] += in[ox];
        }
      }
    if constexpr (G.pad > 0)
      for (std::size_t y = 0; y < G.height; ++y) {
        const T* from = acc + (y + G.pad) * wp + G.pad;
        T* to = plane + y * G.width;
        for (std::size_t x = 0; x < G.width; ++x) to[x] += from[x];
      }
  }
}

// f(first, last) over a fixed partition of [0, n) into `chunks` ranges, in parallel when worth it.
template <class F>
void for_each_chunk(std::size_t n, std::size_t chunks, std::size_t cost_per_item, F&& f) {
  const long long count = static_cast<long long>(chunks);
  const bool parallel = chunks > 1 && n * cost_per_item >= sg::parallel::grain;
#pragma omp parallel for schedule(static) if (parallel)
  for (long long g = 0; g < count; ++g) {
    const std::size_t first = n * std::size_t(g) / chunks, last = n * (std::size_t(g) + 1) / chunks;
    f(std::size_t(g), first, last);
  }
}
}  // namespace detail

template <WindowGeometry G, std::size_t OutChannels, bool Bias>
struct Conv2D {
  static constexpr fixed_string name{"conv2d"};
  static constexpr std::size_t patch = G.channels * G.kernel * G.kernel;  // C K K
  static constexpr std::size_t pixels = G.out_pixels();                  // H' W'
  static constexpr std::size_t out_size = OutChannels * pixels;
  // dW is summed over this many fixed chunks of samples (at most), added in order.
  static constexpr std::size_t weight_chunks = 8;

  template <class X, class W, class... B>
  struct shape_rule {
    static_assert(check::extent_equals<"conv2d input rows (C*H*W)", G.in_size(), X::rows>::ok);
    static_assert(check::extent_equals<"conv2d filters (rows of W)", OutChannels, W::rows>::ok);
    static_assert(check::extent_equals<"conv2d filter size (C*K*K)", patch, W::cols>::ok);
    static_assert(((check::extent_equals<"conv2d bias rows", OutChannels, B::rows>::ok &&
                    check::extent_equals<"conv2d bias cols", 1, B::cols>::ok) && ...));
    static_assert(sizeof...(B) == (Bias ? 1 : 0), "staticgrad: conv2d takes a bias exactly when Bias is true");
    using type = Shape<out_size, X::cols>;
  };
  template <class X, class W, class... B>
  using result = typename shape_rule<X, W, B...>::type;

  template <class T, class... Bv>
  void forward(View<T> y, ConstView<T> x, ConstView<T> w, Bv... b) const {
    const std::size_t m = x.cols;
    detail::for_each_chunk(m, m, pixels * patch * OutChannels, [&](std::size_t, std::size_t j, std::size_t) {
      T* col = detail::thread_buffer<T, Conv2D>(pixels * patch);
      detail::im2col<G>(x.data + j * G.in_size(), col);
      T* yj = y.data + j * out_size;
      small_gemm(Transpose::no, Transpose::yes, pixels, OutChannels, patch, T(1), col, pixels, w.data, OutChannels,
                 T(0), yj, pixels);
      if constexpr (sizeof...(Bv) == 1) {
        const T* bias = (b.data, ...);
        for (std::size_t o = 0; o < OutChannels; ++o) {
          T* plane = yj + o * pixels;
          const T bo = bias[o];
#pragma omp simd
          for (std::size_t p = 0; p < pixels; ++p) plane[p] += bo;
        }
      }
    });
  }

  // Without a bias: (dY, Y, X, W, dX, dW); with one: (dY, Y, X, W, b, dX, dW, db).
  template <class T>
  void backward(ConstView<T> dy, ConstView<T>, ConstView<T> x, ConstView<T> w, View<T> dx, View<T> dw) const {
    backward_impl(dy, x, w, dx, dw);
  }
  template <class T>
  void backward(ConstView<T> dy, ConstView<T>, ConstView<T> x, ConstView<T> w, ConstView<T>, View<T> dx, View<T> dw,
                View<T> db) const {
    backward_impl(dy, x, w, dx, dw);
    if (db.data) {  // db[o] += sum over samples j of (the lane sum over pixels p of dY[o, p] of sample j)
      const std::size_t m = dy.cols;
      sg::parallel::for_each_index(OutChannels, m * pixels, [&](std::size_t o) {
        T s = 0;
        for (std::size_t j = 0; j < m; ++j) {
          const T* plane = dy.data + j * out_size + o * pixels;
          s += detail::lane_sum(pixels, [plane](std::size_t p) { return plane[p]; });
        }
        db.data[o] += s;
      });
    }
  }

 private:
  template <class T>
  void backward_impl(ConstView<T> dy, ConstView<T> x, ConstView<T> w, View<T> dx, View<T> dw) const {
    const std::size_t m = dy.cols;
    if (!dw.data && !dx.data) return;
    constexpr std::size_t wsize = OutChannels * patch;
    const std::size_t chunks = std::min(m, weight_chunks);
    T* partial = dw.data ? detail::thread_buffer<T, struct ConvPartials>(chunks * wsize) : nullptr;
    detail::for_each_chunk(m, chunks, 3 * pixels * patch * OutChannels,
                           [&](std::size_t g, std::size_t first, std::size_t last) {
      T* col = detail::thread_buffer<T, Conv2D>(pixels * patch);
      T* dcol = dx.data ? detail::thread_buffer<T, struct ConvColumnGradient>(pixels * patch) : nullptr;
      for (std::size_t j = first; j < last; ++j) {
        const T* dyj = dy.data + j * out_size;  // H'W' x Cout, column-major
        if (dw.data) {  // partial_g (Cout x CKK) (+)= dY_j^T col_j
          detail::im2col<G>(x.data + j * G.in_size(), col);
          small_gemm(Transpose::yes, Transpose::no, OutChannels, patch, pixels, T(1), dyj, pixels, col, pixels,
                     j == first ? T(0) : T(1), partial + g * wsize, OutChannels);
        }
        if (dx.data) {  // dcol = dY_j W, then dX_j += col2im(dcol)
          small_gemm(Transpose::no, Transpose::no, pixels, patch, OutChannels, T(1), dyj, pixels, w.data, OutChannels,
                     T(0), dcol, pixels);
          detail::col2im_add<G>(dcol, dx.data + j * G.in_size());
        }
      }
    });
    if (dw.data)  // dW += partial_0 + partial_1 + ..., in chunk order for every element
      sg::parallel::for_each_range(wsize, [&](std::size_t lo, std::size_t hi) {
        for (std::size_t e = lo; e < hi; ++e) {
          T s = dw.data[e];
          for (std::size_t g = 0; g < chunks; ++g) s += partial[g * wsize + e];
          dw.data[e] = s;
        }
      });
  }
};

}  // namespace ops

// The convolution of images x (G's geometry) with filters w (Cout x C K K), plus a bias b (Cout x 1).
template <ops::WindowGeometry G, std::size_t OutChannels, Expression X, Expression W, Expression B>
auto conv2d(X x, W w, B b) {
  return make_node(ops::Conv2D<G, OutChannels, true>{}, x, w, b);
}
template <ops::WindowGeometry G, std::size_t OutChannels, Expression X, Expression W>
auto conv2d(X x, W w) {
  return make_node(ops::Conv2D<G, OutChannels, false>{}, x, w);
}

}  // namespace sg
