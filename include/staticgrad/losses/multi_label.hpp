// staticgrad/losses/multi_label.hpp - multi-task learning: n binary labels per sample, some missing.
//
// Reads (logits Z, labels Y, mask M), all n x m; M is 1 where label (k, i) is known and 0 where it is
// missing. J = (1/m) sum_i sum_k M_ki * [-y log sigma(z) - (1 - y) log(1 - sigma(z))]: a missing label
// contributes neither to the cost nor to the gradient (the course's multi-task cost, which sums only
// over the labels present).
#pragma once

#include <array>
#include <cstddef>

#include "staticgrad/losses/cross_entropy.hpp"
#include "staticgrad/ops/abs.hpp"
#include "staticgrad/ops/exp.hpp"
#include "staticgrad/ops/log.hpp"
#include "staticgrad/ops/max_scalar.hpp"
#include "staticgrad/ops/operators.hpp"
#include "staticgrad/ops/reduce.hpp"

namespace sg {

struct MaskedBinaryCrossEntropy : detail::LossBase {
  static constexpr fixed_string kind{"MaskedBinaryCrossEntropy"};
  static constexpr std::array<std::size_t, 3> input_rows{0, 0, 0};
  template <class B, class Z, class Y, class M>
  auto build(const B&, Z z, Y y, M mask) const {
    static_assert(check::layer_width<"MaskedBinaryCrossEntropy labels", Z::shape::rows, "logits", Y::shape::rows>::ok);
    static_assert(check::layer_width<"MaskedBinaryCrossEntropy mask", Z::shape::rows, "logits", M::shape::rows>::ok);
    auto elementwise = max_scalar(z, 0.0) - z * y + log(exp(-abs(z)) + 1.0);
    return mean_cols(sum_rows(mask * elementwise));
  }
};

}  // namespace sg
