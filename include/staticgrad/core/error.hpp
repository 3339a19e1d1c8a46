// staticgrad/core/error.hpp - the exceptions staticgrad throws.
//
// Every error message names where the problem is (file and byte offset or line and column, layer or
// tensor name) and what was expected against what was found. All derive from sg::error, itself a
// std::runtime_error, so `catch (const std::exception&)` in a program's main catches them all.
#pragma once

#include <stdexcept>
#include <string>

namespace sg {

struct error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A run-time shape mismatch (the batch extent, or data whose size is only known when read).
struct shape_error : error {
  using error::error;
};
// A malformed, truncated or inconsistent file (data set, checkpoint).
struct format_error : error {
  using error::error;
};
// A non-finite value where a finite one is required (data, a parameter, a cost).
struct numeric_error : error {
  using error::error;
};
// An I/O failure (missing file, permission, disk full).
struct io_error : error {
  using error::error;
};

}  // namespace sg
