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

// sum over k in [0, n) of term(k), accumulated in term's return type (double sums of float data
// return double).
template <std::size_t Lanes = 8, class Term>
auto lane_sum(std::size_t n, Term term) -> decltype(term(std::size_t{0})) {
  using A = decltype(term(std::size_t{0}));
  std::array<A, Lanes> lane{};
  std::size_t k = 0;
  for (; k + Lanes <= n; k += Lanes)
    for (std::size_t l = 0; l < Lanes; ++l) lane[l] += term(k + l);
  const std::size_t rest = n - k;
  for (std::size_t l = 0; l < Lanes && l < rest; ++l) lane[l] += term(k + l);
  A s = 0;
  for (std::size_t l = 0; l < Lanes; ++l) s += lane[l];
  return s;
}

}  // namespace sg::ops::detail
