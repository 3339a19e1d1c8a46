// staticgrad/ops/relu.hpp - ReLU(z) = max(z, 0) and leaky ReLU(z) = max(z, slope * z), composite ops.
// Gradients are derived: 1 for z >= 0 and 0 (ReLU) or `slope` (leaky ReLU) below, the course's g'(z).
// Leaky ReLU needs 0 < slope < 1 (the course uses 0.01).
#pragma once

#include "staticgrad/ops/max_scalar.hpp"
#include "staticgrad/ops/maximum.hpp"
#include "staticgrad/ops/scale.hpp"

namespace sg {

template <Expression Z> auto relu(Z z) { return max_scalar(z, 0.0); }
template <Expression Z> auto leaky_relu(Z z, double slope = 0.01) { return maximum(z, scale(z, slope)); }

}  // namespace sg
