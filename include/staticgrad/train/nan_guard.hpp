// staticgrad/train/nan_guard.hpp - find the first NaN or infinity in a cost or a flat parameter buffer,
// and say which parameter holds it.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "staticgrad/core/error.hpp"
#include "staticgrad/optim/param_slice.hpp"

namespace sg {

// Where a non-finite value sits: the slice's name ("" when no slice covers it), the index inside the
// slice (column-major, as the tensor stores it), the index in the flat buffer, and the value.
struct NonFiniteValue {
  std::string_view slice{};
  std::size_t index = 0;
  std::size_t flat_index = 0;
  double value = 0;
};

// The non-finite value with the lowest flat index, or nothing. One vectorised pass (a block is scanned
// element by element only when its sum of x * 0 is NaN, which happens exactly when it holds a NaN or an
// infinity); single-threaded.
template <std::floating_point T>
std::optional<NonFiniteValue> find_non_finite(std::span<const T> values, std::span<const ParamSlice> slices) {
  constexpr std::size_t block = 1024;
  for (std::size_t first = 0; first < values.size(); first += block) {
    const std::size_t count = std::min(block, values.size() - first);
    const T* p = values.data() + first;
    T probe = 0;
#pragma omp simd reduction(+ : probe)
    for (std::size_t i = 0; i < count; ++i) probe += p[i] * T(0);
    if (probe == probe) continue;
    for (std::size_t i = 0; i < count; ++i)
      if (!std::isfinite(p[i])) {
        NonFiniteValue found{.flat_index = first + i, .value = static_cast<double>(p[i])};
        found.index = found.flat_index;
        if (const ParamSlice* s = find_slice(slices, found.flat_index)) {
          found.slice = s->name;
          found.index = found.flat_index - s->offset;
        }
        return found;
      }
  }
  return std::nullopt;
}

// "fc2.W[17] is nan" (or "parameter 1234 is inf" outside every slice).
inline std::string describe(const NonFiniteValue& v) {
  if (v.slice.empty()) return fmt::format("parameter {} is {}", v.flat_index, v.value);
  return fmt::format("{}[{}] is {}", v.slice, v.index, v.value);
}

// Throws sg::numeric_error when `cost` or any value is not finite, naming `what` (for example "epoch 3,
// step 1200") and the first culprit: "epoch 3, step 1200: the cost is nan" or "...: fc2.W[17] is inf".
template <std::floating_point T>
void check_finite(std::string_view what, double cost, std::span<const T> values, std::span<const ParamSlice> slices) {
  if (!std::isfinite(cost)) throw numeric_error(fmt::format("{}: the cost is {}", what, cost));
  if (const auto found = find_non_finite(values, slices))
    throw numeric_error(fmt::format("{}: {}", what, describe(*found)));
}

}  // namespace sg
