// libFuzzer target "idx_pair": the input layout and the reader calls are sg::fuzz::run_idx_pair in
// inputs.hpp.
#include <cstddef>
#include <cstdint>

#include "fuzz/inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sg::fuzz::run_idx_pair({data, size});
  return 0;
}
