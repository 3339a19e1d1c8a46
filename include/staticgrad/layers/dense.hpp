// staticgrad/layers/dense.hpp - a fully connected layer: Z = W A + b.
//
// W is Out x In (the course's W[l], n[l] x n[l-1]), b is Out x 1 and is broadcast over the m samples.
// Its input must be In features wide: a wrong width is a compile error naming both nodes. With
// In = sg::deduced the width is that of the input (after Flatten: C*H*W), so nobody computes it by hand;
// an image input is read as its C*H*W features in channel-major order. The weights
// start from `weight_init` (He by default, for ReLU networks; Xavier for tanh), the bias from zeros.
// The gradient (dW = dZ A^T, db = sum over samples of dZ, dA = W^T dZ) is that of add(matmul(W, A), b);
// the layer builds it as the fused node linear(W, A, b) (ops/linear.hpp), which is bit-identical to that
// composite (tests/ops/linear_test.cpp) and saves a buffer, two passes and a strided row sum per step.
#pragma once

#include <array>
#include <cstddef>

#include "staticgrad/graph/layer.hpp"
#include "staticgrad/ops/linear.hpp"

namespace sg {

template <std::size_t In, std::size_t Out>
struct Dense {
  static_assert(Out > 0, "staticgrad: Dense<In, Out> needs a positive output width");
  static constexpr fixed_string kind{"Dense"};
  static constexpr std::size_t output_rows = Out;
  static constexpr std::array<std::size_t, 1> input_rows{In};
  static constexpr std::array<ParamDecl, 2> params{{{"W", Out, In, ParamRole::weight},
                                                    {"b", Out, 1, ParamRole::bias}}};
  Init weight_init = Init::he;

  Init init(std::size_t k) const { return k == 0 ? weight_init : Init::zeros; }

  // Dense<deduced, Out> becomes Dense<width of its input, Out>.
  template <fixed_string Node, class Input>
  static Dense<Input::size, Out> bind(const Dense& self) requires(In == deduced) {
    return {self.weight_init};
  }

  template <class B, class X>
  auto build(const B& b, X x) const {
    return linear(b.template param<0>(), x, b.template param<1>());
  }
};

}  // namespace sg
