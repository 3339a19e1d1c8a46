// staticgrad/optim/momentum.hpp - gradient descent with momentum (an exponentially weighted average
// of the gradients): V = beta V + (1 - beta) dW; W -= alpha V, or alpha V / (1 - beta^t) with bias
// correction.
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

struct MomentumOptions {
  double beta = 0.9;             // weight of the running average; 0 gives plain gradient descent
  bool bias_correction = false;  // divide V by (1 - beta^t): the first steps are not damped towards 0
};

// Momentum<T>: one moment array V of the same length as the parameters, zero before the first step.
// A step updates each trainable element i of slice k:
//   V[i] = beta V[i] + (1 - beta) dW[i];   W[i] -= alpha * V[i] * c,  c = 1/(1 - beta^t) or 1,
// where t = slice_steps()[k] counts the steps (this one included) in which slice k was trainable, as
// for Adam: a slice unfrozen late is bias-corrected from its own first step.
template <std::floating_point T>
class Momentum {
 public:
  static constexpr std::string_view name = "momentum";
  static constexpr std::array<std::string_view, 1> state_names{"v"};

  explicit Momentum(MomentumOptions options = {}) : options_(options) {}
  const MomentumOptions& options() const { return options_; }

  // Requires weights.size() == grads.size(), the same size at every call, and every slice inside the
  // buffers (else sg::shape_error). The first call allocates the state; later calls allocate nothing.
  // Ensures: frozen slices (weights and V) are unchanged; step_count() grows by one.
  void step(std::span<T> weights, std::span<const T> grads, std::span<const ParamSlice> slices,
            T learning_rate) {
    detail::check_step_arguments("Momentum", weights.size(), grads.size(), slices);
    state_.ensure_size("Momentum", weights.size());
    state_.next_step("Momentum", slices);
    const T beta = static_cast<T>(options_.beta);
    const T one_minus_beta = static_cast<T>(1.0 - options_.beta);
    const double b = options_.beta;
    const bool corrected = options_.bias_correction;
    T* const w = weights.data();
    const T* const g = grads.data();
    T* const v = state_.moment(0);
    const std::uint64_t* const slice_t = state_.slice_steps().data();
    detail::for_each_trainable_block(slices, [=](std::size_t first, std::size_t count, std::size_t k) {
      const T correction =
          static_cast<T>(corrected ? 1.0 / (1.0 - std::pow(b, static_cast<double>(slice_t[k]))) : 1.0);
      T* __restrict wb = w + first;
      const T* __restrict gb = g + first;
      T* __restrict vb = v + first;
      const T decay = beta, gain = one_minus_beta, rate = learning_rate;  // locals: see fused_update.hpp
#pragma omp simd
      for (std::size_t i = 0; i < count; ++i) {
        const T vi = decay * vb[i] + gain * gb[i];
        vb[i] = vi;
        wb[i] -= rate * (vi * correction);
      }
    });
  }

  // The flat state (V) for a checkpoint; restore it with load_state(state, step_count).
  std::span<const T> state() const { return state_.all(); }
  // Throws sg::shape_error (state unchanged) when the size does not match a state already in use.
  void load_state(std::span<const T> state, std::size_t step_count) {
    state_.load("Momentum", state, step_count);
  }
  std::size_t step_count() const { return state_.steps(); }
  // Per-slice step counts, as for Adam<T>::slice_steps and load_slice_steps.
  std::span<const std::uint64_t> slice_steps() const { return state_.slice_steps(); }
  void load_slice_steps(std::span<const std::uint64_t> counts) {
    state_.load_slice_steps("Momentum", counts);
  }

 private:
  MomentumOptions options_;
  detail::OptimizerState<T, 1> state_;
};

}  // namespace sg
