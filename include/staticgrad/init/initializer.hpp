// staticgrad/init/initializer.hpp - how a parameter's first values are drawn.
//
// The course's schemes, for a weight W[l] of shape n[l] x n[l-1] (fan_in = n[l-1], its number of columns):
//   zeros         0                                  (biases; never for weights: units stay symmetric)
//   ones          1                                  (batch norm's scale gamma)
//   small_random  N(0, 1) * 0.01
//   xavier        N(0, 1) * sqrt(1 / fan_in)         (tanh)
//   he            N(0, 1) * sqrt(2 / fan_in)         (ReLU)
// Every draw is a pure function of (seed, parameter slot, element index): reproducible, and the same for
// any number of threads.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "staticgrad/core/matrix.hpp"
#include "staticgrad/core/random.hpp"

namespace sg {

enum class Init { zeros, ones, small_random, xavier, he };

constexpr std::string_view to_string(Init i) {
  switch (i) {
    case Init::zeros: return "zeros";
    case Init::ones: return "ones";
    case Init::small_random: return "small_random";
    case Init::xavier: return "xavier";
    case Init::he: return "he";
  }
  return "?";
}

// Fill `w` (fan_in = its column count) by `scheme`, drawing from stream `stream` of `seed`.
template <class T>
void initialize(MatrixView<T> w, Init scheme, std::uint64_t seed, std::uint64_t stream) {
  const double fan_in = static_cast<double>(w.cols);
  double scale = 0;
  switch (scheme) {
    case Init::zeros: for (std::size_t k = 0; k < w.size(); ++k) w.data[k] = T(0); return;
    case Init::ones: for (std::size_t k = 0; k < w.size(); ++k) w.data[k] = T(1); return;
    case Init::small_random: scale = 0.01; break;
    case Init::xavier: scale = std::sqrt(1.0 / fan_in); break;
    case Init::he: scale = std::sqrt(2.0 / fan_in); break;
  }
  for (std::size_t k = 0; k < w.size(); ++k)
    w.data[k] = static_cast<T>(random::normal(seed, stream, k) * scale);
}

}  // namespace sg
