// staticgrad/optim/gradient_descent.hpp - plain (mini-batch) gradient descent: W -= alpha * dW.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "staticgrad/optim/detail/fused_update.hpp"
#include "staticgrad/optim/detail/optimizer_state.hpp"
#include "staticgrad/optim/param_slice.hpp"

namespace sg {

// GradientDescent<T>: W -= learning_rate * dW for every parameter of every slice that is not frozen.
// Keeps no state besides the step counter (kept so that every optimiser checkpoints the same way).
template <std::floating_point T>
class GradientDescent {
 public:
  static constexpr std::string_view name = "gradient_descent";
  static constexpr std::array<std::string_view, 0> state_names{};

  // Requires weights.size() == grads.size() and every slice inside them (else sg::shape_error).
  // Ensures: frozen slices and elements outside every slice are unchanged; step_count() grows by one.
  void step(std::span<T> weights, std::span<const T> grads, std::span<const ParamSlice> slices,
            T learning_rate) {
    detail::check_step_arguments("GradientDescent", weights.size(), grads.size(), slices);
    state_.ensure_size("GradientDescent", weights.size());
    state_.next_step("GradientDescent", slices);
    T* const w = weights.data();
    const T* const g = grads.data();
    detail::for_each_trainable_block(slices, [=](std::size_t first, std::size_t count) {
      T* __restrict wb = w + first;
      const T* __restrict gb = g + first;
      const T rate = learning_rate;  // a local, not the closure's member: see fused_update.hpp
#pragma omp simd
      for (std::size_t i = 0; i < count; ++i) wb[i] -= rate * gb[i];
    });
  }

  std::span<const T> state() const { return state_.all(); }  // always empty
  void load_state(std::span<const T> state, std::size_t step_count) {
    state_.load("GradientDescent", state, step_count);
  }
  std::size_t step_count() const { return state_.steps(); }
  // Per-slice step counts (no bias correction uses them here; kept so that every optimiser checkpoints
  // the same way), as for Adam<T>::slice_steps and load_slice_steps.
  std::span<const std::uint64_t> slice_steps() const { return state_.slice_steps(); }
  void load_slice_steps(std::span<const std::uint64_t> counts) {
    state_.load_slice_steps("GradientDescent", counts);
  }

 private:
  detail::OptimizerState<T, 0> state_;
};

}  // namespace sg
