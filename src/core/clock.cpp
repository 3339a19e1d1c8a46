// src/core/clock.cpp - the compiled half of staticgrad/core/clock.hpp.
#include "staticgrad/core/clock.hpp"

#include <chrono>

namespace sg {

double clock_seconds() noexcept {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace sg
