// staticgrad/layers/activations.hpp - activation layers: A = g(Z), elementwise (softmax: per sample).
//
// Each is a one-line layer around the composite op of the same name in ops/; the derivative g'(Z) is
// derived by the autodiff from that op's definition.
#pragma once

#include <array>
#include <cstddef>

#include "staticgrad/graph/layer.hpp"
#include "staticgrad/ops/relu.hpp"
#include "staticgrad/ops/sigmoid.hpp"
#include "staticgrad/ops/softmax.hpp"
#include "staticgrad/ops/tanh.hpp"

namespace sg {

// Each activation reads one node of any width (input_rows 0) and has no parameters.
struct Sigmoid {
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<ParamDecl, 0> params{};
  static constexpr fixed_string kind{"Sigmoid"};
  template <class B, class Z> auto build(const B&, Z z) const { return sigmoid(z); }
};

struct Tanh {
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<ParamDecl, 0> params{};
  static constexpr fixed_string kind{"Tanh"};
  template <class B, class Z> auto build(const B&, Z z) const { return tanh(z); }
};

struct ReLU {
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<ParamDecl, 0> params{};
  static constexpr fixed_string kind{"ReLU"};
  template <class B, class Z> auto build(const B&, Z z) const { return relu(z); }
};

// max(z, slope z); the course's slope is 0.01. Needs 0 < slope < 1.
struct LeakyReLU {
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<ParamDecl, 0> params{};
  static constexpr fixed_string kind{"LeakyReLU"};
  double slope = 0.01;
  template <class B, class Z> auto build(const B&, Z z) const { return leaky_relu(z, slope); }
};

// Probabilities over the classes of each sample (each column sums to 1). For training, prefer leaving
// the logits as the output and using SoftmaxCrossEntropy, which works from the logits stably.
struct Softmax {
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<ParamDecl, 0> params{};
  static constexpr fixed_string kind{"Softmax"};
  template <class B, class Z> auto build(const B&, Z z) const { return softmax(z); }
};

}  // namespace sg
