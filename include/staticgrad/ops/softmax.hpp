// staticgrad/ops/softmax.hpp - softmax and log-softmax over the features of each sample (each column).
//
// Both shift the logits by their column maximum first: softmax(z) = softmax(z - max z), so exp never
// overflows and log never sees 0. The gradients are derived by the autodiff from these definitions; the
// shift contributes nothing (its derivative terms cancel), as the gradient checks confirm.
#pragma once

#include "staticgrad/ops/exp.hpp"
#include "staticgrad/ops/log.hpp"
#include "staticgrad/ops/max_rows.hpp"
#include "staticgrad/ops/operators.hpp"
#include "staticgrad/ops/reduce.hpp"

namespace sg {

// log softmax(z)_i = (z_i - max z) - log sum_k exp(z_k - max z)
template <Expression Z> auto log_softmax(Z z) {
  auto shifted = z - max_rows(z);
  return shifted - log(sum_rows(exp(shifted)));
}

// softmax(z)_i = exp(z_i - max z) / sum_k exp(z_k - max z)
template <Expression Z> auto softmax(Z z) {
  auto e = exp(z - max_rows(z));
  return e / sum_rows(e);
}

}  // namespace sg
