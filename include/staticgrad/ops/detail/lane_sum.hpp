// staticgrad/ops/detail/lane_sum.hpp - a sum of n values in a fixed order that vectorises.
//
// A plain `s += p[k]` loop adds one value at a time (the compiler may not reorder float additions), so
// it runs at one addition per adder latency. lane_sum keeps `Lanes` interleaved partial sums (element k
// goes to lane k mod Lanes), then adds the lanes in order: the same order, and so the same bits, on
// every run and for every thread count, at vector speed.
#pragma once

#include <array>
#include <cstddef>

namespace sg::ops::detail {

struct ValueItself {
  template <class V>
  V operator()(V v) const { return v; }
};

// sum over k in [0, n) of f(p[k]) (f defaults to the value itself).
template <std::size_t Lanes = 8, class T, class F = ValueItself>
T lane_sum(const T* p, std::size_t n, F f = {}) {
  std::array<T, Lanes> lane{};
  std::size_t k = 0;
  for (; k + Lanes <= n; k += Lanes)
    for (std::size_t l = 0; l < Lanes; ++l) lane[l] += f(p[k + l]);
  const std::size_t rest = n - k;
  for (std::size_t l = 0; l < Lanes && l < rest; ++l) lane[l] += f(p[k + l]);
  T s = 0;
  for (std::size_t l = 0; l < Lanes; ++l) s += lane[l];
  return s;
}

}  // namespace sg::ops::detail
