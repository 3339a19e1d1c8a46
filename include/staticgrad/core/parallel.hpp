// staticgrad/core/parallel.hpp - OpenMP loops with a fixed split of the work.
//
// Determinism rule: every output element is computed by one thread, in an order that does not depend on
// how many threads run. Elementwise loops satisfy it trivially; reductions keep it by giving each output
// element to one thread (summing its inputs in index order) instead of combining per-thread partials.
// Small loops run on the calling thread: starting a parallel region costs about a microsecond.
#pragma once

#include <cstddef>

namespace sg::parallel {

// Below this many scalar operations a loop is not worth a parallel region.
inline constexpr std::size_t grain = 16384;

// f(k) for k in [0, n), split across threads when n * cost_per_item is large.
template <class F>
inline void for_each_index(std::size_t n, std::size_t cost_per_item, F&& f) {
  const long long count = static_cast<long long>(n);
  if (n * cost_per_item < grain) {
    for (long long k = 0; k < count; ++k) f(static_cast<std::size_t>(k));
    return;
  }
#pragma omp parallel for schedule(static)
  for (long long k = 0; k < count; ++k) f(static_cast<std::size_t>(k));
}

// f(begin, end) over contiguous chunks of [0, n): one chunk per thread, chunk boundaries are free to
// vary with the thread count, so f must compute each element independently of the others.
template <class F>
inline void for_each_range(std::size_t n, F&& f) {
  if (n < grain) {
    f(std::size_t{0}, n);
    return;
  }
  constexpr std::size_t chunk = 4096;
  const long long chunks = static_cast<long long>((n + chunk - 1) / chunk);
#pragma omp parallel for schedule(static)
  for (long long c = 0; c < chunks; ++c) {
    const std::size_t b = static_cast<std::size_t>(c) * chunk;
    f(b, b + chunk < n ? b + chunk : n);
  }
}

}  // namespace sg::parallel
