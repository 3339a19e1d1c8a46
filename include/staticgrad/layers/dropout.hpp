// staticgrad/layers/dropout.hpp - inverted dropout.
//
// Training: A = X * D / keep_prob, where D is a fresh 0/1 mask per mini-batch with P(1) = keep_prob, so the
// expected activation is unchanged and nothing needs rescaling at test time. Evaluation: A = X.
// The mask is stored premultiplied (values 0 and 1/keep_prob) and enters the graph as a constant, so the
// derived gradient is dA * D / keep_prob. Each mask element is a pure function of (model seed, layer,
// step, element): the same for any number of threads, and the same when a step is re-evaluated.
#pragma once

#include <array>
#include <cstddef>

#include "staticgrad/core/error.hpp"
#include "staticgrad/core/parallel.hpp"
#include "staticgrad/core/random.hpp"
#include "staticgrad/graph/layer.hpp"
#include "staticgrad/ops/identity.hpp"
#include "staticgrad/ops/multiply.hpp"

namespace sg {

struct Dropout {
  static constexpr fixed_string kind{"Dropout"};
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<ParamDecl, 0> params{};
  static constexpr std::size_t state_buffers = 1;  // the scaled mask D / keep_prob

  double keep_prob = 0.8;  // probability of keeping a unit, in (0, 1]

  template <class B, class X>
  auto build(const B& b, X x) const {
    if constexpr (B::mode == Mode::train) return multiply(x, b.template state<0, X::shape::rows, batch>());
    else return identity(x);
  }

  template <class Access>
  void before_forward(Access& a) const {
    if (a.mode != Mode::train) return;
    if (!(keep_prob > 0 && keep_prob <= 1))
      throw error("staticgrad: Dropout keep_prob must be in (0, 1]");
    auto& mask = a.state(0);
    using T = typename std::remove_cvref_t<decltype(mask)>::value_type;
    mask.resize(a.template input<0>().rows, a.m);
    const T kept = static_cast<T>(1.0 / keep_prob);
    const std::uint64_t stream = random::stream_id("dropout", a.index) ^ random::mix64(a.step);
    const std::uint64_t seed = a.seed;
    const double p = keep_prob;
    T* d = mask.data();
    parallel::for_each_range(mask.size(), [&](std::size_t lo, std::size_t hi) {
      for (std::size_t k = lo; k < hi; ++k) d[k] = random::uniform(seed, stream, k) < p ? kept : T(0);
    });
  }
};

}  // namespace sg
