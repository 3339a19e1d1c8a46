// staticgrad/core/fixed_string.hpp - a string usable as a template argument (C++20 structural type).
//
// Layer and input names are template arguments, so the compiler knows every node by name: a shape error
// prints `fixed_string<4>{"fc2"}` in its instantiation context, and `model.output<"fc2">()` is checked
// at compile time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace sg {

template <std::size_t N>
struct fixed_string {
  char value[N]{};
  constexpr fixed_string(const char (&text)[N]) { std::copy_n(text, N, value); }
  constexpr std::string_view view() const { return {value, N - 1}; }
  constexpr operator std::string_view() const { return view(); }
  template <std::size_t M>
  constexpr bool operator==(const fixed_string<M>& other) const { return view() == other.view(); }
};

}  // namespace sg
