// staticgrad/losses/mean_squared_error.hpp - regression loss on n outputs.
//
// Reads (predictions Z, targets Y), both n x m; the per-sample loss is the mean over the n outputs of
// (z_k - y_k)^2 (as Keras defines it) and the cost is its mean over the m samples.
#pragma once

#include <array>
#include <cstddef>

#include "staticgrad/losses/cross_entropy.hpp"
#include "staticgrad/ops/operators.hpp"
#include "staticgrad/ops/reduce.hpp"
#include "staticgrad/ops/square.hpp"

namespace sg {

struct MeanSquaredError : detail::LossBase {
  static constexpr fixed_string kind{"MeanSquaredError"};
  static constexpr std::array<std::size_t, 2> input_rows{0, 0};
  template <class B, class Z, class Y>
  auto build(const B&, Z z, Y y) const {
    static_assert(check::layer_width<"MeanSquaredError targets", Z::shape::rows, "predictions", Y::shape::rows>::ok);
    return mean_all(square(z - y));
  }
};

}  // namespace sg
