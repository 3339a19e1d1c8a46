// staticgrad/ops/pool2d.hpp - max and average pooling over K x K windows, stride S, padding P.
//
// X holds m images of C x H x W (one column each, channel-major); the output m images of C x H' x W',
// H' = floor((H + 2P - K) / S) + 1, each channel pooled on its own:
//   max:     Y[c, y, x] = max of X[c, y S - P + i, x S - P + j] over the window positions inside the image
//            (padding never wins); a NaN in the window gives NaN.
//   average: Y[c, y, x] = (1 / K^2) * sum of those values (padding counts as 0: count_include_pad, the
//            LibTorch default, so every output is the same linear function of its window).
// VJP: max sends dY to the window's maximum; when several elements tie, to the FIRST of them in window
// order (row by row, left to right), so the gradient is one well-defined subgradient and does not
// depend on the thread count (the numerical gradient at a tie is not defined: tests/ops check the rule
// directly and the gradient away from ties). It finds that element again from X and Y instead of storing
// indices. Average sends dY / K^2 to every window position inside the image.
// Determinism: each (sample, channel) plane is one thread's, in a fixed order.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>

#include "staticgrad/core/parallel.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/expression.hpp"
#include "staticgrad/ops/conv2d.hpp"

namespace sg {
namespace ops {

enum class PoolKind { max, average };

template <WindowGeometry G, PoolKind Kind>
struct Pool2D {
  static constexpr fixed_string name{Kind == PoolKind::max ? "max_pool2d" : "avg_pool2d"};
  static constexpr std::size_t ho = G.out_height(), wo = G.out_width();
  static constexpr std::size_t in_plane = G.height * G.width, out_plane = ho * wo;

  template <class X>
  struct shape_rule {
    static_assert(check::extent_equals<"pool2d input rows (C*H*W)", G.in_size(), X::rows>::ok);
    using type = Shape<G.channels * out_plane, X::cols>;
  };
  template <class X>
  using result = typename shape_rule<X>::type;

  // f(index in the input plane) for every window position of output (oy, ox) inside the image, row by
  // row, left to right.
  template <class F>
  static void window(std::size_t oy, std::size_t ox, F&& f) {
    for (std::size_t i = 0; i < G.kernel; ++i) {
      const std::ptrdiff_t iy = std::ptrdiff_t(oy * G.stride + i) - std::ptrdiff_t(G.pad);
      if (G.pad > 0 && (iy < 0 || iy >= std::ptrdiff_t(G.height))) continue;
      for (std::size_t j = 0; j < G.kernel; ++j) {
        const std::ptrdiff_t ix = std::ptrdiff_t(ox * G.stride + j) - std::ptrdiff_t(G.pad);
        if (G.pad > 0 && (ix < 0 || ix >= std::ptrdiff_t(G.width))) continue;  // without padding: always inside
        f(std::size_t(iy) * G.width + std::size_t(ix));
      }
    }
  }

  // Max pooling's VJP on one plane: each output's gradient to the first element of its window equal to
  // its maximum (none when that is NaN). Written without branches (maxima sit at random places, so
  // branches would be mispredicted about half the time): `left`, the gradient not yet sent, goes to
  // every window position that equals the maximum and becomes 0 at the first; the others receive 0.
  // Windows that do not overlap (no padding, stride >= kernel) touch disjoint elements, so a row of
  // them is one vector loop (8x faster than the scalar loop for 2 x 2 windows).
  template <class T>
  static void max_backward_plane(const T* in, const T* out, const T* g, T* d) {
    for (std::size_t oy = 0; oy < ho; ++oy) {
      const T* top = out + oy * wo;
      const T* share = g + oy * wo;
      if constexpr (G.pad == 0 && G.stride >= G.kernel) {
#pragma omp simd
        for (std::size_t ox = 0; ox < wo; ++ox) {
          T left = share[ox];  // the gradient not yet sent: share, then 0 once a maximum took it
          // The window's K^2 positions written out (no inner loop), so the compiler vectorises over ox.
          [&]<std::size_t... A>(std::index_sequence<A...>) {
            (
                [&] {
                  const std::size_t k = (oy * G.stride + A / G.kernel) * G.width + ox * G.stride + A % G.kernel;
                  d[k] += in[k] == top[ox] ? left : T(0);
                  left = in[k] == top[ox] ? T(0) : left;
                }(),
                ...);
          }(std::make_index_sequence<G.kernel * G.kernel>{});
        }
      } else {
        for (std::size_t ox = 0; ox < wo; ++ox) {
          T left = share[ox];
          window(oy, ox, [&](std::size_t k) {
            d[k] += in[k] == top[ox] ? left : T(0);
            left = in[k] == top[ox] ? T(0) : left;
          });
        }
      }
    }
  }

  template <class T>
  void forward(View<T> y, ConstView<T> x) const {
    const std::size_t planes = G.channels * x.cols;  // plane q = sample q / C, channel q % C
    sg::parallel::for_each_index(planes, out_plane * G.kernel * G.kernel, [&](std::size_t q) {
      const T* in = x.data + q * in_plane;
      T* out = y.data + q * out_plane;
      for (std::size_t oy = 0; oy < ho; ++oy)
        for (std::size_t ox = 0; ox < wo; ++ox) {
          T acc;
          if constexpr (Kind == PoolKind::max) {
            acc = -INFINITY;
            bool nan = false;
            window(oy, ox, [&](std::size_t k) {
              const T v = in[k];
              acc = v > acc ? v : acc;
              nan = nan || v != v;
            });
            if (nan) acc = std::numeric_limits<T>::quiet_NaN();
          } else {
            acc = 0;
            window(oy, ox, [&](std::size_t k) { acc += in[k]; });
            acc *= T(1) / T(G.kernel * G.kernel);
          }
          out[oy * wo + ox] = acc;
        }
    });
  }

  template <class T>
  void backward(ConstView<T> dy, ConstView<T> y, ConstView<T> x, View<T> dx) const {
    if (!dx.data) return;
    const std::size_t planes = G.channels * x.cols;
    sg::parallel::for_each_index(planes, out_plane * G.kernel * G.kernel, [&](std::size_t q) {
      const T* in = x.data + q * in_plane;
      const T* out = y.data + q * out_plane;
      const T* g = dy.data + q * out_plane;
      T* d = dx.data + q * in_plane;
      if constexpr (Kind == PoolKind::max) {
        max_backward_plane(in, out, g, d);
      } else {
        for (std::size_t oy = 0; oy < ho; ++oy)
          for (std::size_t ox = 0; ox < wo; ++ox) {
            const T share = g[oy * wo + ox] * (T(1) / T(G.kernel * G.kernel));
            window(oy, ox, [&](std::size_t k) { d[k] += share; });
          }
      }
    });
  }
};

}  // namespace ops

template <ops::WindowGeometry G, Expression X>
auto max_pool2d(X x) {
  return make_node(ops::Pool2D<G, ops::PoolKind::max>{}, x);
}
template <ops::WindowGeometry G, Expression X>
auto avg_pool2d(X x) {
  return make_node(ops::Pool2D<G, ops::PoolKind::average>{}, x);
}

}  // namespace sg
