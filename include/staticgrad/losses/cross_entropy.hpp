// staticgrad/losses/cross_entropy.hpp - cross-entropy losses, computed from the logits.
//
// Each reads (logits Z, labels Y), both n x m, and outputs the 1 x 1 cost J = (1/m) sum_i L(z_i, y_i).
// - SoftmaxCrossEntropy: one-hot labels over n classes; L = -sum_k y_k log softmax(z)_k.
// - BinaryCrossEntropy: n independent 0/1 labels (n = 1 for logistic regression; n > 1 is multi-label);
//   L = sum_k [-y_k log sigma(z_k) - (1 - y_k) log(1 - sigma(z_k))].
// Feeding the logits (not probabilities) keeps them finite for any z. The gradient dZ = (A - Y) / m is
// derived by the autodiff, never written.
#pragma once

#include <array>
#include <cstddef>

#include "staticgrad/graph/layer.hpp"
#include "staticgrad/ops/cross_entropy.hpp"

namespace sg {

namespace detail {
struct LossBase {
  static constexpr bool is_loss = true;
  static constexpr std::size_t output_rows = 1;
  static constexpr std::array<ParamDecl, 0> params{};
};
}  // namespace detail

struct SoftmaxCrossEntropy : detail::LossBase {
  static constexpr fixed_string kind{"SoftmaxCrossEntropy"};
  static constexpr std::array<std::size_t, 2> input_rows{0, 0};
  template <class B, class Z, class Y>
  auto build(const B&, Z z, Y y) const {
    static_assert(check::layer_width<"SoftmaxCrossEntropy labels", Z::shape::rows, "logits", Y::shape::rows>::ok);
    return mean_cols(softmax_cross_entropy(z, y));
  }
};

struct BinaryCrossEntropy : detail::LossBase {
  static constexpr fixed_string kind{"BinaryCrossEntropy"};
  static constexpr std::array<std::size_t, 2> input_rows{0, 0};
  template <class B, class Z, class Y>
  auto build(const B&, Z z, Y y) const {
    static_assert(check::layer_width<"BinaryCrossEntropy labels", Z::shape::rows, "logits", Y::shape::rows>::ok);
    return mean_cols(binary_cross_entropy_with_logits(z, y));
  }
};

}  // namespace sg
