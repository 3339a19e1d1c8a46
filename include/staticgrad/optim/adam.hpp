// staticgrad/optim/adam.hpp - Adam (adaptive moment estimation): momentum and RMSprop together, both
// moments bias-corrected.
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

struct AdamOptions {
  double beta1 = 0.9;     // first moment (momentum) average
  double beta2 = 0.999;   // second moment (RMSprop) average
  double epsilon = 1e-8;  // added to sqrt(S corrected)
};

// Adam<T>: two moment arrays V and S (state() is V then S), zero before the first step. A step updates
// each trainable element i of slice k:
//   V[i] = beta1 V[i] + (1 - beta1) dW[i];      S[i] = beta2 S[i] + (1 - beta2) dW[i]^2;
//   W[i] -= alpha * (V[i] / (1 - beta1^t)) / (sqrt(S[i] / (1 - beta2^t)) + eps),
// where t = slice_steps()[k], the number of steps (this one included) in which slice k was trainable.
// A slice frozen for a while and then unfrozen has zero moments and its own t = 1 at its first update,
// so that update is as large as a fresh optimiser's. Without freezing, t is the same for every slice and
// equals step_count().
template <std::floating_point T>
class Adam {
 public:
  static constexpr std::string_view name = "adam";
  static constexpr std::array<std::string_view, 2> state_names{"v", "s"};

  explicit Adam(AdamOptions options = {}) : options_(options) {}
  const AdamOptions& options() const { return options_; }

  // Same contract as Momentum<T>::step.
  void step(std::span<T> weights, std::span<const T> grads, std::span<const ParamSlice> slices,
            T learning_rate) {
    detail::check_step_arguments("Adam", weights.size(), grads.size(), slices);
    state_.ensure_size("Adam", weights.size());
    state_.next_step("Adam", slices);
    const T beta1 = static_cast<T>(options_.beta1), beta2 = static_cast<T>(options_.beta2);
    const T one_minus_beta1 = static_cast<T>(1.0 - options_.beta1);
    const T one_minus_beta2 = static_cast<T>(1.0 - options_.beta2);
    const double b1 = options_.beta1, b2 = options_.beta2;
    const T eps = static_cast<T>(options_.epsilon);
    T* const w = weights.data();
    const T* const g = grads.data();
    T* const v = state_.moment(0);
    T* const s = state_.moment(1);
    const std::uint64_t* const slice_t = state_.slice_steps().data();
    detail::for_each_trainable_block(slices, [=](std::size_t first, std::size_t count, std::size_t k) {
      const double t = static_cast<double>(slice_t[k]);  // >= 1: slice k is trainable in this step
      const T correction1 = static_cast<T>(1.0 / (1.0 - std::pow(b1, t)));
      const T correction2 = static_cast<T>(1.0 / (1.0 - std::pow(b2, t)));
      T* __restrict wb = w + first;
      const T* __restrict gb = g + first;
      T* __restrict vb = v + first;
      T* __restrict sb = s + first;
      // Locals, not the closure's members (see detail::for_each_trainable_block).
      const T decay1 = beta1, decay2 = beta2, gain1 = one_minus_beta1, gain2 = one_minus_beta2;
      const T rate = learning_rate, e = eps;
#pragma omp simd
      for (std::size_t i = 0; i < count; ++i) {
        const T vi = decay1 * vb[i] + gain1 * gb[i];
        const T si = decay2 * sb[i] + gain2 * (gb[i] * gb[i]);
        vb[i] = vi;
        sb[i] = si;
        wb[i] -= rate * (vi * correction1) / (std::sqrt(si * correction2) + e);
      }
    });
  }

  std::span<const T> state() const { return state_.all(); }  // V (n values) then S (n values)
  void load_state(std::span<const T> state, std::size_t step_count) {
    state_.load("Adam", state, step_count);
  }
  std::size_t step_count() const { return state_.steps(); }
  // t of each slice (in the order step() receives them); empty before the first step and after
  // load_state until the next step, meaning "every slice has step_count() steps".
  std::span<const std::uint64_t> slice_steps() const { return state_.slice_steps(); }
  // Restores slice_steps() after load_state (each at most step_count(); empty: all step_count()).
  void load_slice_steps(std::span<const std::uint64_t> counts) { state_.load_slice_steps("Adam", counts); }

 private:
  AdamOptions options_;
  detail::OptimizerState<T, 2> state_;
};

}  // namespace sg
