// staticgrad/optim/param_slice.hpp - a named window into a model's flat parameter buffer.
//
// A model stores all its parameters in one contiguous buffer and their gradients in another of the same
// length. A ParamSlice says which part of those buffers belongs to one parameter tensor ("fc1.W"), and
// whether that tensor is frozen (transfer learning: a frozen slice is read but never updated). Everything
// in optim/ and train/ works on (flat span, slices) pairs and so never depends on the model's type.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace sg {

// Contract: [offset, offset + size) lies inside the flat buffer it describes; the slices of one model do
// not overlap. `name` refers to storage that outlives every use of the slice (the model's names are
// static strings).
struct ParamSlice {
  std::string_view name{};
  std::size_t offset = 0;
  std::size_t size = 0;
  bool frozen = false;
};

// The slice that holds flat index `index`, or nullptr when no slice covers it. Linear in the number of
// slices; meant for error messages, not for inner loops.
inline const ParamSlice* find_slice(std::span<const ParamSlice> slices, std::size_t index) noexcept {
  for (const ParamSlice& s : slices)
    if (index >= s.offset && index - s.offset < s.size) return &s;
  return nullptr;
}

}  // namespace sg
