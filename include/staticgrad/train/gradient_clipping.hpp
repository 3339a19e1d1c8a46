// staticgrad/train/gradient_clipping.hpp - scale the gradients down when their global L2 norm exceeds a
// limit (the exploding-gradient remedy), with a norm that does not depend on the thread count.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <span>
#include <vector>

#include "staticgrad/optim/detail/fused_update.hpp"
#include "staticgrad/optim/param_slice.hpp"

namespace sg {

// GlobalNormClipper: norm = sqrt(sum of dW^2 over every slice that is not frozen). Each slice is cut into
// blocks of a fixed size (as the optimisers' update); each block's sum of squares is taken in double
// by the same code whatever thread runs it, and the block sums are added in a fixed order, so the norm
// is bit-identical for any OMP_NUM_THREADS. The first call sizes a scratch buffer; later calls with the
// same slices allocate nothing.
class GlobalNormClipper {
 public:
  explicit GlobalNormClipper(double max_norm) : max_norm_(max_norm) {}
  double max_norm() const { return max_norm_; }

  template <std::floating_point T>
  double norm(std::span<const T> grads, std::span<const ParamSlice> slices) {
    detail::check_step_arguments("GlobalNormClipper", grads.size(), grads.size(), slices);
    std::size_t blocks = 0;
    for (const ParamSlice& s : slices) blocks += s.frozen ? 0 : block_count(s);
    if (partials_.size() < blocks) partials_.resize(blocks);
    double* const partials = partials_.data();
    const T* const g = grads.data();
#pragma omp parallel if (grads.size() >= detail::parallel_threshold)
    {
      std::size_t base = 0;
      for (const ParamSlice& s : slices) {
        if (s.frozen) continue;
        const std::size_t n = block_count(s);
#pragma omp for schedule(static) nowait
        for (std::size_t b = 0; b < n; ++b) {
          const T* p = g + s.offset + b * detail::update_block;
          const std::size_t count = b + 1 < n ? detail::update_block : s.size - b * detail::update_block;
          double sum = 0;
#pragma omp simd reduction(+ : sum)
          for (std::size_t i = 0; i < count; ++i) sum += static_cast<double>(p[i]) * static_cast<double>(p[i]);
          partials[base + b] = sum;
        }
        base += n;
      }
    }
    double total = 0;
    for (std::size_t b = 0; b < blocks; ++b) total += partials[b];
    return std::sqrt(total);
  }

  // Returns the norm before clipping. When it exceeds max_norm (and is finite), multiplies the gradients
  // of every trainable slice by max_norm / norm, so their norm becomes max_norm and their direction is
  // kept. A non-finite norm is returned without touching the gradients: the NaN guard reports it.
  template <std::floating_point T>
  double clip(std::span<T> grads, std::span<const ParamSlice> slices) {
    const double n = norm(std::span<const T>(grads), slices);
    if (std::isfinite(n) && n > max_norm_) {
      const T scale = static_cast<T>(max_norm_ / n);
      T* const g = grads.data();
      detail::for_each_trainable_block(slices, [=](std::size_t first, std::size_t count) {
        T* __restrict gb = g + first;
#pragma omp simd
        for (std::size_t i = 0; i < count; ++i) gb[i] *= scale;
      });
    }
    return n;
  }

 private:
  static std::size_t block_count(const ParamSlice& s) {
    return (s.size + detail::update_block - 1) / detail::update_block;
  }
  double max_norm_;
  std::vector<double> partials_;
};

}  // namespace sg
