// staticgrad/optim/detail/optimizer_state.hpp - the moment buffers and step counter an optimiser keeps.
//
// Moments arrays of n elements each, stored back to back in one buffer (moment k of parameter i at
// k * n + i), so a checkpoint saves them as one flat span. Sized on the first step, never reallocated.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "staticgrad/core/error.hpp"

namespace sg::detail {

template <class T, std::size_t Moments>
class OptimizerState {
 public:
  // Sizes the buffers (zeros) on the first call; afterwards checks that n has not changed.
  void ensure_size(const char* optimizer, std::size_t n) {
    if (!sized_) {
      buffer_.assign(Moments * n, T(0));
      parameters_ = n;
      sized_ = true;
    } else if (n != parameters_) {
      throw shape_error(fmt::format("{}::step: the state holds {} parameters but {} were given", optimizer,
                                    parameters_, n));
    }
  }
  T* moment(std::size_t k) { return buffer_.data() + k * parameters_; }
  std::span<const T> all() const { return buffer_; }
  std::size_t steps() const { return steps_; }
  std::size_t next_step() { return ++steps_; }

  // Replaces the state. Validates first, so a throw leaves the state as it was.
  void load(const char* optimizer, std::span<const T> state, std::size_t steps) {
    if (Moments == 0 ? !state.empty() : state.size() % Moments != 0)
      throw shape_error(fmt::format("{}::load_state: {} state values is not a multiple of the {} moment "
                                    "arrays this optimiser keeps", optimizer, state.size(), Moments));
    const std::size_t n = Moments == 0 ? 0 : state.size() / Moments;
    if (sized_ && Moments != 0 && n != parameters_)
      throw shape_error(fmt::format("{}::load_state: the state holds {} parameters, the loaded one {}",
                                    optimizer, parameters_, n));
    buffer_.assign(state.begin(), state.end());
    if (Moments != 0) {
      parameters_ = n;
      sized_ = true;
    }
    steps_ = steps;
  }
  void reset() {
    std::fill(buffer_.begin(), buffer_.end(), T(0));
    steps_ = 0;
  }

 private:
  std::vector<T> buffer_;
  std::size_t parameters_ = 0;
  std::size_t steps_ = 0;
  bool sized_ = false;
};

}  // namespace sg::detail
