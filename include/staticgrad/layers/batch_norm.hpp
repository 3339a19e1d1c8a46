// staticgrad/layers/batch_norm.hpp - batch normalisation of N features (Ioffe and Szegedy, 2015).
//
// Training mode, over the m samples of the mini-batch:
//   mu = (1/m) sum_i z_i,  sigma^2 = (1/m) sum_i (z_i - mu)^2,
//   z_norm = (z - mu) / sqrt(sigma^2 + eps),  z~ = gamma * z_norm + beta    (gamma, beta learnable, N x 1)
// and the running averages are updated: running = momentum * running + (1 - momentum) * batch statistic.
// Evaluation mode uses the running mean and variance instead of the batch's, so a prediction does not
// depend on the other samples. The mode is always explicit (Model::set_mode / ModeGuard), never
// guessed from the batch size. Training mode is one fused node, the channel batch norm of
// ops/channel_norm.hpp with N channels of one pixel (sums in double): its backward pass is the one the
// autodiff derives from mean_cols, subtract, square, sqrt, divide, multiply and add, which
// tests/layers/batch_norm_test.cpp proves against that composite, and it is gradient-checked in
// tests/layers. Being one node, its sums over the batch can be those of the whole batch when the batch
// is split into shards (synchronised batch norm, distributed/data_parallel.hpp).
// The running statistics are parameters of role `statistic`: saved in checkpoints, never trained.
// Place it between Dense and the activation, as the course does (Dense's bias is then redundant).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "staticgrad/graph/layer.hpp"
#include "staticgrad/ops/channel_norm.hpp"
#include "staticgrad/ops/operators.hpp"
#include "staticgrad/ops/sqrt.hpp"

namespace sg {

template <std::size_t N>
struct BatchNorm {
  static constexpr fixed_string kind{"BatchNorm"};
  static constexpr std::array<std::size_t, 1> input_rows{N};
  static constexpr std::array<ParamDecl, 4> params{{{"gamma", N, 1, ParamRole::scale},
                                                    {"beta", N, 1, ParamRole::shift},
                                                    {"running_mean", N, 1, ParamRole::statistic},
                                                    {"running_var", N, 1, ParamRole::statistic}}};
  double epsilon = 1e-5;
  double momentum = 0.9;  // weight of the old running value

  Init init(std::size_t k) const { return k == 0 || k == 3 ? Init::ones : Init::zeros; }

  template <class B, class Z>
  auto build(const B& b, Z z) const {
    auto gamma = b.template param<0>();
    auto beta = b.template param<1>();
    if constexpr (B::mode == Mode::train) {
      return channel_batch_norm<N, 1>(z, gamma, beta, epsilon);
    } else {
      auto mean = b.template param<2>();
      auto variance = b.template param<3>();
      return gamma * ((z - mean) / sqrt(variance + epsilon)) + beta;
    }
  }

  // After a training pass, fold this batch's mean and variance, which the fused node of build()
  // computed (in double), into the running averages.
  template <class Access>
  void after_forward(Access& a) const {
    if (a.mode != Mode::train) return;
    const auto& batch = a.node.train_expr.op;  // the ops::ChannelBatchNorm of build()
    auto running_mean = a.param(2), running_var = a.param(3);
    using T = std::remove_cv_t<std::remove_reference_t<decltype(*running_mean.data)>>;
    const T keep = static_cast<T>(momentum), take = static_cast<T>(1 - momentum);
    for (std::size_t i = 0; i < N; ++i) {
      running_mean(i, 0) = keep * running_mean(i, 0) + take * static_cast<T>(batch.mean_[i]);
      running_var(i, 0) = keep * running_var(i, 0) + take * static_cast<T>(batch.variance_[i]);
    }
  }
};

}  // namespace sg
