// staticgrad/optim/detail/fused_update.hpp - the one parallel pass every optimiser's step runs.
//
// Why blocks of a fixed size: the update is elementwise, so any split gives the same numbers in exact
// arithmetic. But a compiler may run the first elements of a loop through a scalar prologue and the rest
// through vector code (and contract a*b+c into an FMA in one but not the other). Splitting every slice
// into blocks whose boundaries depend only on the slice (never on the thread count) means each element
// always meets the same code, so results are bit-identical for any OMP_NUM_THREADS.
//
// Build note: the RMSprop and Adam kernels call sqrt; GCC vectorises them only with -fno-math-errno
// (sqrt of a negative number would have to set errno), which the staticgrad CMake target adds as a public
// compile option. The update never takes sqrt of a negative number.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <type_traits>

#include <fmt/core.h>

#include "staticgrad/core/error.hpp"
#include "staticgrad/optim/param_slice.hpp"

namespace sg::detail {

// Elements per block: 16 KiB of floats per array, small enough to spread a 100k-parameter model over
// both cores, large enough that the per-block overhead is negligible.
inline constexpr std::size_t update_block = 4096;
// Below this many trainable elements the pass stays on one thread: waking a team costs more than it saves.
inline constexpr std::size_t parallel_threshold = 32768;

// Checks the arguments of Optimizer::step: equal lengths and every slice inside the buffer. Throws
// sg::shape_error naming the optimiser and the offending slice.
inline void check_step_arguments(const char* optimizer, std::size_t weights, std::size_t grads,
                                 std::span<const ParamSlice> slices) {
  if (weights != grads)
    throw shape_error(fmt::format("{}::step: {} weights but {} gradients", optimizer, weights, grads));
  for (const ParamSlice& s : slices)
    if (s.offset > weights || s.size > weights - s.offset)
      throw shape_error(fmt::format("{}::step: slice \"{}\" [{}, {}) lies outside the {} parameters",
                                    optimizer, s.name, s.offset, s.offset + s.size, weights));
}

// Calls kernel(first, count) once per block of every slice that is not frozen, splitting the blocks
// across the OpenMP team; kernel(first, count, k) when it takes a third argument, k being the index of
// the block's slice in `slices` (for per-slice constants such as Adam's bias corrections). `kernel` must
// be elementwise: it may touch index i only for i in its block.
//
// Kernels copy the constants they capture into locals before their loop. A captured value is a member of
// the closure, which lives in memory; the compiler cannot prove that the loop's stores miss it, so it
// reloads it after every store, and such a load stalls whenever its address shares the low 12 bits with
// a store still in flight (4 KiB aliasing). Where the closure lies against the arrays decides that, so
// the same Adam step took 44 us or 104 us (2 threads, 235,146 parameters) depending on the addresses
// malloc happened to return. A local whose address is never taken stays in a register.
template <class Kernel>
void for_each_trainable_block(std::span<const ParamSlice> slices, Kernel&& kernel) {
  std::size_t trainable = 0;
  for (const ParamSlice& s : slices) trainable += s.frozen ? 0 : s.size;
#pragma omp parallel if (trainable >= parallel_threshold)
  for (std::size_t k = 0; k < slices.size(); ++k) {
    const ParamSlice& s = slices[k];
    if (s.frozen) continue;  // the same decision on every thread, so the worksharing below stays aligned
    const std::size_t blocks = (s.size + update_block - 1) / update_block;
#pragma omp for schedule(static) nowait
    for (std::size_t b = 0; b < blocks; ++b) {
      const std::size_t first = s.offset + b * update_block;
      const std::size_t count = b + 1 < blocks ? update_block : s.size - b * update_block;
      if constexpr (std::is_invocable_v<Kernel&, std::size_t, std::size_t, std::size_t>)
        kernel(first, count, k);
      else
        kernel(first, count);
    }
  }
}

}  // namespace sg::detail
