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
// stay in the op for the layer's running averages (layers/batch_norm_2d.hpp). BatchNorm (of N features)
// is the same op with C = N channels of G = 1 pixel.
//
// Synchronised statistics (the batch split into shards computed apart, graph/batch_exchange.hpp): the
// sums over the batch are the only values that need the other shards. The model asks this op for its
// shard's partial sums (sync_partial: round 0 the sums of z and the sample count, round 1 the squares
// about the whole batch's mean, round 2 in backward the sums of dy and dy x^), has them added over every
// shard, and hands the totals back (sync_total) before the op's forward and backward run, which then
// normalise with the statistics of the whole batch. In the units of the shard's own cost (a mean over
// its m_s samples, later weighted by m_s / m), the backward totals arrive weighted by m_s / m and are
// divided by m_s G, so dz is the whole batch's.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>
#include <utility>
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
  // Totals of the whole batch given for the next forward (statistics) and backward (gradient sums).
  mutable bool given_statistics_ = false, given_gradient_sums_ = false;
  mutable double given_samples_ = 0;
  mutable std::vector<double> given_sum_dy_, given_sum_dy_xhat_;

  // The synchronisation protocol (graph/batch_exchange.hpp): rounds 0 and 1 before forward, round 2
  // (sync_forward_rounds) before backward; each exchanges at most sync_width values.
  static constexpr std::size_t sync_forward_rounds = 2, sync_width = 2 * C;
  template <class T>
  void sync_partial(std::size_t round, ConstView<T> z, ConstView<T> dy, std::span<double> out) const {
    if (round == 0) partial_sums(z, out.first(C + 1));
    else if (round == 1) partial_squares(z, out.first(C));
    else partial_gradient_sums(dy, z, out.first(2 * C));
  }
  void sync_total(std::size_t round, std::span<const double> total) const {
    if (round == 0) use_mean(total);
    else if (round == 1) use_variance(total);
    else use_gradient_sums(total);
  }

  // The sums of one sample's pixels of channel c.
  template <class T>
  static double pixel_sum(const T* in) {
    if constexpr (G == 1) return double(in[0]);
    else return detail::lane_sum(G, [in](std::size_t p) { return double(in[p]); });
  }
  template <class T>
  static double pixel_squares(const T* in, double mu) {
    if constexpr (G == 1) return (in[0] - mu) * (in[0] - mu);
    else return detail::lane_sum(G, [in, mu](std::size_t p) { return (in[p] - mu) * (in[p] - mu); });
  }
  template <class T>
  static double pixel_dy_xhat(const T* g, const T* in, double mu, double inv) {
    if constexpr (G == 1) return g[0] * ((in[0] - mu) * inv);
    else return detail::lane_sum(G, [g, in, mu, inv](std::size_t p) { return g[p] * ((in[p] - mu) * inv); });
  }

  // This shard's sum of z over its samples and pixels, per channel, then its sample count: C + 1 values.
  template <class T>
  void partial_sums(ConstView<T> z, std::span<double> out) const {
    sg::parallel::for_each_index(C, z.cols * G, [&](std::size_t c) {
      double sum = 0;
      for (std::size_t j = 0; j < z.cols; ++j) sum += pixel_sum(z.data + j * z.rows + c * G);
      out[c] = sum;
    });
    out[C] = static_cast<double>(z.cols);
  }
  // From the totals of partial_sums over the whole batch: its means.
  void use_mean(std::span<const double> total) const {
    mean_.resize(C);
    variance_.resize(C);
    inverse_deviation_.resize(C);
    given_samples_ = total[C];
    for (std::size_t c = 0; c < C; ++c) mean_[c] = total[c] / (given_samples_ * static_cast<double>(G));
  }
  // This shard's sum of (z - mu)^2 per channel, mu the whole batch's mean (after use_mean): C values.
  template <class T>
  void partial_squares(ConstView<T> z, std::span<double> out) const {
    sg::parallel::for_each_index(C, z.cols * G, [&](std::size_t c) {
      double squares = 0;
      for (std::size_t j = 0; j < z.cols; ++j)
        squares += pixel_squares(z.data + j * z.rows + c * G, mean_[c]);
      out[c] = squares;
    });
  }
  // From the totals of partial_squares: its variances; the next forward normalises with these statistics.
  void use_variance(std::span<const double> total) const {
    for (std::size_t c = 0; c < C; ++c) {
      variance_[c] = total[c] / (given_samples_ * static_cast<double>(G));
      inverse_deviation_[c] = 1.0 / std::sqrt(variance_[c] + epsilon);
    }
    given_statistics_ = true;
  }
  // This shard's sums of dy and of dy x^ per channel, dy its adjoint: 2 C values.
  template <class T>
  void partial_gradient_sums(ConstView<T> dy, ConstView<T> z, std::span<double> out) const {
    sg::parallel::for_each_index(C, 2 * z.cols * G, [&](std::size_t c) {
      const double mu = mean_[c], inv = inverse_deviation_[c];
      double sum_dy = 0, sum_dy_xhat = 0;
      for (std::size_t j = 0; j < z.cols; ++j) {
        sum_dy += pixel_sum(dy.data + j * dy.rows + c * G);
        sum_dy_xhat += pixel_dy_xhat(dy.data + j * dy.rows + c * G, z.data + j * z.rows + c * G, mu, inv);
      }
      out[c] = sum_dy;
      out[C + c] = sum_dy_xhat;
    });
  }
  // The totals of partial_gradient_sums over the whole batch, each shard's weighted by m_s / m: the next
  // backward computes dz from them.
  void use_gradient_sums(std::span<const double> total) const {
    given_sum_dy_.assign(total.begin(), total.begin() + C);
    given_sum_dy_xhat_.assign(total.begin() + C, total.begin() + 2 * C);
    given_gradient_sums_ = true;
  }

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
    const bool given = given_statistics_;
    given_statistics_ = false;
    mean_.resize(C);
    variance_.resize(C);
    inverse_deviation_.resize(C);
    const double count = static_cast<double>(m * G);
    sg::parallel::for_each_index(C, 3 * m * G, [&](std::size_t c) {
      if (!given) {
        double sum = 0;
        for (std::size_t j = 0; j < m; ++j) sum += pixel_sum(z.data + j * z.rows + c * G);
        const double mu = sum / count;
        double squares = 0;
        for (std::size_t j = 0; j < m; ++j) squares += pixel_squares(z.data + j * z.rows + c * G, mu);
        const double var = squares / count;
        mean_[c] = mu;
        variance_[c] = var;
        inverse_deviation_[c] = 1.0 / std::sqrt(var + epsilon);
      }
      const T mean = static_cast<T>(mean_[c]), scale = static_cast<T>(inverse_deviation_[c]) * gamma.data[c],
              shift = beta.data[c];
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
    const bool given = given_gradient_sums_;
    given_gradient_sums_ = false;
    const double count = static_cast<double>(m * G);
    sg::parallel::for_each_index(C, 2 * m * G, [&](std::size_t c) {
      const double mu = mean_[c], inv = inverse_deviation_[c];
      double sum_dy = 0, sum_dy_xhat = 0;
      for (std::size_t j = 0; j < m; ++j) {
        sum_dy += pixel_sum(dy.data + j * dy.rows + c * G);
        sum_dy_xhat += pixel_dy_xhat(dy.data + j * dy.rows + c * G, z.data + j * z.rows + c * G, mu, inv);
      }
      if (dbeta.data) dbeta.data[c] += static_cast<T>(sum_dy);
      if (dgamma.data) dgamma.data[c] += static_cast<T>(sum_dy_xhat);
      if (!dz.data) return;
      const T a = static_cast<T>(gamma.data[c] * inv), mean = static_cast<T>(mu), s = static_cast<T>(inv);
      const T mean_dy = static_cast<T>((given ? given_sum_dy_[c] : sum_dy) / count),
              mean_dy_xhat = static_cast<T>((given ? given_sum_dy_xhat_[c] : sum_dy_xhat) / count);
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
  ops::ChannelBatchNorm<C, G> op;
  op.epsilon = epsilon;
  return make_node(std::move(op), z, gamma, beta);
}

}  // namespace sg
