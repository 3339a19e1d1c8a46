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

  // f(y_index, x_index_in_plane) for every window position of output (oy, ox) inside the image.
  template <class F>
  static void window(std::size_t oy, std::size_t ox, F&& f) {
    if constexpr (G.pad == 0) {  // every window lies inside the image
      const std::size_t base = oy * G.stride * G.width + ox * G.stride;
      for (std::size_t i = 0; i < G.kernel; ++i)
        for (std::size_t j = 0; j < G.kernel; ++j) f(base + i * G.width + j);
      return;
    }
    for (std::size_t i = 0; i < G.kernel; ++i) {
      const std::ptrdiff_t iy = std::ptrdiff_t(oy * G.stride + i) - std::ptrdiff_t(G.pad);
      if (iy < 0 || iy >= std::ptrdiff_t(G.height)) continue;
      for (std::size_t j = 0; j < G.kernel; ++j) {
        const std::ptrdiff_t ix = std::ptrdiff_t(ox * G.stride + j) - std::ptrdiff_t(G.pad);
        if (ix >= 0 && ix < std::ptrdiff_t(G.width)) f(std::size_t(iy) * G.width + std::size_t(ix));
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
      for (std::size_t oy = 0; oy < ho; ++oy)
        for (std::size_t ox = 0; ox < wo; ++ox) {
          const std::size_t o = oy * wo + ox;
          if constexpr (Kind == PoolKind::max) {
            bool sent = false;  // to the first element equal to the maximum
            window(oy, ox, [&](std::size_t k) {
              if (!sent && in[k] == out[o]) {
                d[k] += g[o];
                sent = true;
              }
            });
          } else {
            const T share = g[o] * (T(1) / T(G.kernel * G.kernel));
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
