// staticgrad/optim/optimizer.hpp - what fit() and the checkpoint code require of an optimiser.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "staticgrad/optim/param_slice.hpp"

namespace sg {

// An Optimizer<O, T> updates flat weights from flat gradients, skipping frozen slices, and exposes its
// state (a flat span, with O::state_names naming its equal-length parts) and step count for checkpoints.
template <class O, class T>
concept Optimizer = requires(O& o, const O& co, std::span<T> w, std::span<const T> g,
                             std::span<const ParamSlice> slices, T alpha, std::size_t n) {
  o.step(w, g, slices, alpha);
  { co.state() } -> std::convertible_to<std::span<const T>>;
  o.load_state(co.state(), n);
  { co.step_count() } -> std::convertible_to<std::size_t>;
  { O::name } -> std::convertible_to<std::string_view>;
  O::state_names.size();
};

}  // namespace sg
