// staticgrad/ops/channel_norm.hpp - batch normalisation over channels in training mode, as ONE node.
//
// For images of C channels of G = H*W pixels (rows c*G + p), with m samples:
//   mu_c = (1 / (m G)) sum over samples and pixels of z[c],  var_c = (1 / (m G)) sum (z[c] - mu_c)^2,
//   y = gamma_c (z - mu_c) / sqrt(var_c + eps) + beta_c.
// This is the composite BatchNorm2D used to build from sum_row_groups, repeat_rows and elementwise ops,
// fused: that graph makes about eight passes over the activations forward and as many backward, this
// one three forward and two backward. Its VJP is the one the autodiff derives from that composite,
// written out (x^ = (z - mu) / s, s = sqrt(var + eps), sums over samples and pixels of channel c):
//   dbeta_c = sum dy,  dgamma_c = sum dy x^,  dz = (gamma_c / s) (dy - dbeta_c / (m G) - x^ dgamma_c / (m G)).
// tests/ops/channel_norm_test.cpp proves the values and all three gradients equal the composite's
// (double, 1e-12) and gradient-checks the op (< 1e-7).
// Shape rule: z is (C*G) x m, gamma and beta C x 1. Determinism: each channel is one thread's; its sums
// (in double) take each sample's G pixels in 8 interleaved lanes (ops/detail/lane_sum.hpp: vectorised,
// in a fixed order), the samples in order, whatever the thread count. The batch's means and variances
// stay in the op for the layer's running averages (layers/batch_norm_2d.hpp).
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "staticgrad/core/parallel.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/expression.hpp"
#include "staticgrad/ops/detail/lane_sum.hpp"

namespace sg {
namespace ops {

template <std::size_t C, std::size_t G>
struct ChannelBatchNorm {
  static constexpr fixed_string name{"channel_batch_norm"};
  double epsilon = 1e-5;
  // Per channel, of the last forward pass: the mean, the variance and 1 / sqrt(var + eps) (read by
  // backward and by BatchNorm2D's running averages).
  mutable std::vector<double> mean_, variance_, inverse_deviation_;

  template <class Z, class Gamma, class Beta>
  struct shape_rule {
    static_assert(check::extent_equals<"channel_batch_norm input rows (C*H*W)", C * G, Z::rows>::ok);
    static_assert(check::extent_equals<"channel_batch_norm gamma rows", C, Gamma::rows>::ok);
    static_assert(check::extent_equals<"channel_batch_norm beta rows", C, Beta::rows>::ok);
    using type = Shape<C * G, Z::cols>;
  };
  template <class Z, class Gamma, class Beta>
  using result = typename shape_rule<Z, Gamma, Beta>::type;

  template <class T>
  void forward(View<T> y, ConstView<T> z, ConstView<T> gamma, ConstView<T> beta) const {
    const std::size_t m = z.cols;
    mean_.resize(C);
    variance_.resize(C);
    inverse_deviation_.resize(C);
    const double count = static_cast<double>(m * G);
    sg::parallel::for_each_index(C, 3 * m * G, [&](std::size_t c) {
      double sum = 0;
      for (std::size_t j = 0; j < m; ++j) {
        const T* in = z.data + j * z.rows + c * G;
        sum += detail::lane_sum(G, [in](std::size_t p) { return double(in[p]); });
      }
      const double mu = sum / count;
      double squares = 0;
      for (std::size_t j = 0; j < m; ++j) {
        const T* in = z.data + j * z.rows + c * G;
        squares += detail::lane_sum(G, [in, mu](std::size_t p) { return (in[p] - mu) * (in[p] - mu); });
      }
      const double var = squares / count, inv = 1.0 / std::sqrt(var + epsilon);
      mean_[c] = mu;
      variance_[c] = var;
      inverse_deviation_[c] = inv;
      const T mean = static_cast<T>(mu), scale = static_cast<T>(inv) * gamma.data[c], shift = beta.data[c];
      for (std::size_t j = 0; j < m; ++j) {
        const T* in = z.data + j * z.rows + c * G;
        T* out = y.data + j * y.rows + c * G;
#pragma omp simd
        for (std::size_t p = 0; p < G; ++p) out[p] = (in[p] - mean) * scale + shift;
      }
    });
  }

  template <class T>
  void backward(ConstView<T> dy, ConstView<T>, ConstView<T> z, ConstView<T> gamma, ConstView<T>, View<T> dz,
                View<T> dgamma, View<T> dbeta) const {
    const std::size_t m = z.cols;
    const double count = static_cast<double>(m * G);
    sg::parallel::for_each_index(C, 2 * m * G, [&](std::size_t c) {
      const double mu = mean_[c], inv = inverse_deviation_[c];
      double sum_dy = 0, sum_dy_xhat = 0;
      for (std::size_t j = 0; j < m; ++j) {
        const T* in = z.data + j * z.rows + c * G;
        const T* g = dy.data + j * dy.rows + c * G;
        sum_dy += detail::lane_sum(G, [g](std::size_t p) { return double(g[p]); });
        sum_dy_xhat += detail::lane_sum(G, [g, in, mu, inv](std::size_t p) { return g[p] * ((in[p] - mu) * inv); });
      }
      if (dbeta.data) dbeta.data[c] += static_cast<T>(sum_dy);
      if (dgamma.data) dgamma.data[c] += static_cast<T>(sum_dy_xhat);
      if (!dz.data) return;
      const T a = static_cast<T>(gamma.data[c] * inv), mean = static_cast<T>(mu), s = static_cast<T>(inv);
      const T mean_dy = static_cast<T>(sum_dy / count), mean_dy_xhat = static_cast<T>(sum_dy_xhat / count);
      for (std::size_t j = 0; j < m; ++j) {
        const T* in = z.data + j * z.rows + c * G;
        const T* g = dy.data + j * dy.rows + c * G;
        T* d = dz.data + j * dz.rows + c * G;
#pragma omp simd
        for (std::size_t p = 0; p < G; ++p) d[p] += a * (g[p] - mean_dy - (in[p] - mean) * s * mean_dy_xhat);
      }
    });
  }
};

}  // namespace ops

// Training-mode batch normalisation of the C channels (G pixels each) of z, with scale gamma and shift
// beta (C x 1): gamma (z - mu_c) / sqrt(var_c + epsilon) + beta.
template <std::size_t C, std::size_t G, Expression Z, Expression Gamma, Expression Beta>
auto channel_batch_norm(Z z, Gamma gamma, Beta beta, double epsilon) {
  return make_node(ops::ChannelBatchNorm<C, G>{epsilon, {}, {}, {}}, z, gamma, beta);
}

}  // namespace sg
