// staticgrad/optim/detail/optimizer_state.hpp - the moment buffers and step counters an optimiser keeps.
//
// Moments arrays of n elements each, stored back to back in one buffer (moment k of parameter i at
// k * n + i), so a checkpoint saves them as one flat span. Sized on the first step, never reallocated.
//
// Two kinds of step count: steps() counts every call of step(); slice_steps()[k] counts only the steps in
// which slice k (of the slices passed to step, in their order) was trainable. Bias corrections use the
// second: a slice frozen for a while and then unfrozen has zero moments, and its first update must be
// corrected as a first update (t = 1), not as step number steps().
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <fmt/core.h>

#include "staticgrad/core/error.hpp"
#include "staticgrad/optim/param_slice.hpp"

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
  std::span<const std::uint64_t> slice_steps() const { return slice_steps_; }

  // Counts one step: steps() grows by one, and slice_steps()[k] for every slice k that is not frozen.
  // The per-slice counts are created on the first call, each starting at the step count loaded without
  // per-slice counts (0 for a fresh optimiser: an old checkpoint's single count applies to every slice).
  // Afterwards the number of slices must not change. Allocates only on the first call.
  std::size_t next_step(const char* optimizer, std::span<const ParamSlice> slices) {
    if (slice_steps_.empty() && !slices.empty()) {
      slice_steps_.assign(slices.size(), steps_);
    } else if (slice_steps_.size() != slices.size()) {
      throw shape_error(fmt::format("{}::step: the state counts steps for {} slices but {} were given",
                                    optimizer, slice_steps_.size(), slices.size()));
    }
    for (std::size_t k = 0; k < slices.size(); ++k)
      if (!slices[k].frozen) ++slice_steps_[k];
    return ++steps_;
  }

  // Replaces the state; the per-slice counts are all set to `steps` (at the next step, when the number
  // of slices is known). Validates first, so a throw leaves the state as it was.
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
    slice_steps_.clear();
  }
  // Replaces the per-slice counts (one per slice, in the order step() receives them; call after load).
  // Each must be at most steps(); an empty span keeps "every slice has steps() steps". Throws
  // sg::shape_error (state unchanged) when the number of slices differs from one already in use.
  void load_slice_steps(const char* optimizer, std::span<const std::uint64_t> counts) {
    if (counts.empty()) {
      slice_steps_.clear();
      return;
    }
    if (!slice_steps_.empty() && counts.size() != slice_steps_.size())
      throw shape_error(fmt::format("{}::load_slice_steps: the state counts steps for {} slices, the loaded "
                                    "counts are for {}", optimizer, slice_steps_.size(), counts.size()));
    for (std::size_t k = 0; k < counts.size(); ++k)
      if (counts[k] > steps_)
        throw shape_error(fmt::format("{}::load_slice_steps: slice {} has {} steps, more than the {} steps "
                                      "the optimiser took", optimizer, k, counts[k], steps_));
    slice_steps_.assign(counts.begin(), counts.end());
  }
  void reset() {
    std::fill(buffer_.begin(), buffer_.end(), T(0));
    steps_ = 0;
    std::fill(slice_steps_.begin(), slice_steps_.end(), std::uint64_t{0});
  }

 private:
  std::vector<T> buffer_;
  std::vector<std::uint64_t> slice_steps_;
  std::size_t parameters_ = 0;
  std::size_t steps_ = 0;
  bool sized_ = false;
};

}  // namespace sg::detail
