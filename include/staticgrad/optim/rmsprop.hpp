// staticgrad/optim/rmsprop.hpp - RMSprop (root mean square prop): S = beta S + (1 - beta) dW^2;
// W -= alpha dW / (sqrt(S) + eps). Directions with large gradients take smaller steps.
#pragma once

#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "staticgrad/optim/detail/fused_update.hpp"
#include "staticgrad/optim/detail/optimizer_state.hpp"
#include "staticgrad/optim/param_slice.hpp"

namespace sg {

struct RMSpropOptions {
  double beta = 0.999;    // weight of the running average of dW^2
  double epsilon = 1e-8;  // keeps the division finite where S is 0
};

// RMSprop<T>: one moment array S, zero before the first step; no bias correction (the course's form).
// Each step updates each trainable element i:
//   S[i] = beta S[i] + (1 - beta) dW[i]^2;   W[i] -= alpha dW[i] / (sqrt(S[i]) + eps).
template <std::floating_point T>
class RMSprop {
 public:
  static constexpr std::string_view name = "rmsprop";
  static constexpr std::array<std::string_view, 1> state_names{"s"};

  explicit RMSprop(RMSpropOptions options = {}) : options_(options) {}
  const RMSpropOptions& options() const { return options_; }

  // Same contract as Momentum<T>::step.
  void step(std::span<T> weights, std::span<const T> grads, std::span<const ParamSlice> slices,
            T learning_rate) {
    detail::check_step_arguments("RMSprop", weights.size(), grads.size(), slices);
    state_.ensure_size("RMSprop", weights.size());
    state_.next_step("RMSprop", slices);
    const T beta = static_cast<T>(options_.beta);
    const T one_minus_beta = static_cast<T>(1.0 - options_.beta);
    const T eps = static_cast<T>(options_.epsilon);
    T* const w = weights.data();
    const T* const g = grads.data();
    T* const s = state_.moment(0);
    detail::for_each_trainable_block(slices, [=](std::size_t first, std::size_t count) {
      T* __restrict wb = w + first;
      const T* __restrict gb = g + first;
      T* __restrict sb = s + first;
      const T decay = beta, gain = one_minus_beta, rate = learning_rate, e = eps;  // locals: fused_update.hpp
#pragma omp simd
      for (std::size_t i = 0; i < count; ++i) {
        const T si = decay * sb[i] + gain * (gb[i] * gb[i]);
        sb[i] = si;
        wb[i] -= rate * gb[i] / (std::sqrt(si) + e);
      }
    });
  }

  std::span<const T> state() const { return state_.all(); }  // S
  void load_state(std::span<const T> state, std::size_t step_count) {
    state_.load("RMSprop", state, step_count);
  }
  std::size_t step_count() const { return state_.steps(); }
  // Per-slice step counts (no bias correction uses them here; kept so that every optimiser checkpoints
  // the same way), as for Adam<T>::slice_steps and load_slice_steps.
  std::span<const std::uint64_t> slice_steps() const { return state_.slice_steps(); }
  void load_slice_steps(std::span<const std::uint64_t> counts) {
    state_.load_slice_steps("RMSprop", counts);
  }

 private:
  RMSpropOptions options_;
  detail::OptimizerState<T, 1> state_;
};

}  // namespace sg
