// libFuzzer target "csv": the input layout and the reader calls are sg::fuzz::run_csv in inputs.hpp.
#include <cstddef>
#include <cstdint>

#include "fuzz/inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sg::fuzz::run_csv({data, size});
  return 0;
}
