// staticgrad/core/clock.hpp - a monotonic clock in seconds, for the headers that time things (the
// profiler, the training loops, the progress line).
//
// `sg::clock_seconds()` reads std::chrono::steady_clock in the compiled library, so that the public
// headers need not include <chrono> (about 0.4 s of every user translation unit's compile time).
// Only differences of two readings mean anything.
#pragma once

namespace sg {

// Seconds on a monotonic clock since an arbitrary origin fixed for the process.
double clock_seconds() noexcept;

// Seconds since `start`, a reading of clock_seconds().
inline double seconds_since(double start) noexcept { return clock_seconds() - start; }

}  // namespace sg
