// staticgrad/layers/batch_norm_2d.hpp - batch normalisation of image channels (the convolutional form).
//
// As BatchNorm (layers/batch_norm.hpp), but with one mean and variance per CHANNEL, taken over the
// batch and every pixel (m H W values), and one learnable gamma, beta per channel, so every position of
// a feature map is normalised alike. Training mode, for channel c of the m images:
//   mu_c = mean of z[c, :, :] over the batch,  var_c = mean of (z[c, :, :] - mu_c)^2,
//   y = gamma_c (z - mu_c) / sqrt(var_c + eps) + beta_c,
// and the running averages follow (running = momentum * running + (1 - momentum) * batch statistic);
// evaluation mode uses the running mean and variance. The channels come from the input image
// (BatchNorm2D<> or BatchNorm2D<sg::deduced>; a stated count is checked). Evaluation mode is built from
// repeat_rows (ops/row_groups.hpp) and elementwise ops; training mode is one fused node
// (ops/channel_norm.hpp) whose values and gradients a test proves equal to the composite the autodiff
// derives from the same formula. Both are gradient-checked in tests/layers.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "staticgrad/core/image.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/layer.hpp"
#include "staticgrad/ops/channel_norm.hpp"
#include "staticgrad/ops/operators.hpp"
#include "staticgrad/ops/reduce.hpp"
#include "staticgrad/ops/row_groups.hpp"
#include "staticgrad/ops/sqrt.hpp"
#include "staticgrad/ops/square.hpp"

namespace sg {

namespace detail {
template <class In>
struct BatchNorm2DOn {
  static constexpr std::size_t C = In::channels, G = In::pixels;
  static constexpr fixed_string kind{"BatchNorm2D"};
  static constexpr std::array<std::size_t, 1> input_rows{In::size};
  static constexpr std::array<ParamDecl, 4> params{{{"gamma", C, 1, ParamRole::scale},
                                                    {"beta", C, 1, ParamRole::shift},
                                                    {"running_mean", C, 1, ParamRole::statistic},
                                                    {"running_var", C, 1, ParamRole::statistic}}};
  double epsilon = 1e-5;
  double momentum = 0.9;

  Init init(std::size_t k) const { return k == 0 || k == 3 ? Init::ones : Init::zeros; }

  template <class B, class Z>
  auto build(const B& b, Z z) const {
    if constexpr (B::mode == Mode::train) {
      // One fused node, proved equal (values and gradients) to the composite
      //   gamma * ((z - mu) / sqrt(var + eps)) + beta, mu and var from sum_row_groups and repeat_rows
      // (tests/ops/channel_norm_test.cpp), in three passes forward and two backward instead of ~16.
      return channel_batch_norm<C, G>(z, b.template param<0>(), b.template param<1>(), epsilon);
    } else {
      auto gamma = repeat_rows<G>(b.template param<0>());
      auto beta = repeat_rows<G>(b.template param<1>());
      auto mean = repeat_rows<G>(b.template param<2>());
      auto deviation = repeat_rows<G>(sqrt(b.template param<3>() + epsilon));
      return gamma * ((z - mean) / deviation) + beta;
    }
  }

  // After a training pass, fold this batch's channel means and variances, which the fused node of
  // build() computed (in double), into the running averages.
  template <class Access>
  void after_forward(Access& a) const {
    if (a.mode != Mode::train) return;
    const auto& batch = a.node.train_expr.op;  // the ops::ChannelBatchNorm of build()
    auto running_mean = a.param(2), running_var = a.param(3);
    using T = std::remove_cv_t<std::remove_reference_t<decltype(*running_mean.data)>>;
    const T keep = static_cast<T>(momentum), take = static_cast<T>(1 - momentum);
    for (std::size_t c = 0; c < C; ++c) {
      running_mean(c, 0) = keep * running_mean(c, 0) + take * static_cast<T>(batch.mean_[c]);
      running_var(c, 0) = keep * running_var(c, 0) + take * static_cast<T>(batch.variance_[c]);
    }
  }
};
}  // namespace detail

template <std::size_t Channels = deduced>
struct BatchNorm2D {
  static constexpr fixed_string kind{"BatchNorm2D"};
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<ParamDecl, 4> params{};
  double epsilon = 1e-5;
  double momentum = 0.9;  // weight of the old running value

  template <fixed_string Node, class In>
  static detail::BatchNorm2DOn<In> bind(const BatchNorm2D& self) {
    if constexpr (Channels != deduced) static_assert(check::input_channels<Node, Channels, In::channels>::ok);
    return detail::BatchNorm2DOn<In>{self.epsilon, self.momentum};
  }
};
}  // namespace sg
