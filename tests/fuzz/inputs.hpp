// tests/fuzz/inputs.hpp - how each fuzz target turns its input bytes into reader calls. Shared by the
// libFuzzer targets (fuzz_<target>.cpp) and by tests/data/test_regressions.cpp, which replays the seed
// corpus and the regression inputs through exactly the same calls in the ordinary test build.
//
// Each function returns true when the reader accepted the input and false when it threw an sg::error;
// any other exception, a crash or a sanitizer report is a bug.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "staticgrad/core/error.hpp"
#include "staticgrad/data/csv.hpp"
#include "staticgrad/data/idx.hpp"

namespace sg::fuzz {

// idx: the bytes are one IDX file (plain or gzip). Every element is read, so that a payload shorter than
// the header claims would be caught by AddressSanitizer.
inline bool run_idx(std::span<const std::uint8_t> in) {
  try {
    const auto a = sg::data::parse_idx_array(std::vector<std::uint8_t>(in.begin(), in.end()), "fuzz.idx");
    double sum = 0;
    for (std::size_t k = 0; k < a.size(); ++k) sum += a.value(k);
    static_cast<void>(sum);
    return true;
  } catch (const sg::error&) {
    return false;
  }
}

// idx_pair: byte 0 chooses num_classes (byte % 12, 0 = infer), bytes 1-2 (little-endian) the length of
// the image file that follows; the label file is the rest.
inline bool run_idx_pair(std::span<const std::uint8_t> in) {
  if (in.size() < 3) return false;
  const std::size_t num_classes = in[0] % 12;
  const auto files = in.subspan(3);
  const std::size_t cut = std::min<std::size_t>(files.size(), in[1] | (std::size_t{in[2]} << 8));
  try {
    const auto images = sg::data::parse_idx_array(
        {files.begin(), files.begin() + static_cast<std::ptrdiff_t>(cut)}, "images");
    const auto labels =
        sg::data::parse_idx_array({files.begin() + static_cast<std::ptrdiff_t>(cut), files.end()}, "labels");
    sg::data::validate(sg::data::idx_dataset(images, "images", labels, "labels", num_classes), "fuzz");
    return true;
  } catch (const sg::error&) {
    return false;
  }
}

// csv: byte 0 chooses the options: bits 0-1 the label column (by the name "label", or index 0, 1 or 2),
// bits 2-3 the delimiter (, ; tab |), bits 4-6 num_classes (0 = infer). The rest is the file.
inline bool run_csv(std::span<const std::uint8_t> in) {
  if (in.empty()) return false;
  sg::data::CsvOptions options;
  const unsigned mode = in[0];
  if ((mode & 3) != 0) options.label_index = (mode & 3) - 1;
  constexpr char delimiters[4] = {',', ';', '\t', '|'};
  options.delimiter = delimiters[(mode >> 2) & 3];
  options.num_classes = (mode >> 4) & 7;
  const std::string_view text(reinterpret_cast<const char*>(in.data() + 1), in.size() - 1);
  try {
    sg::data::validate(sg::data::parse_csv(text, "fuzz.csv", options), "fuzz");
    return true;
  } catch (const sg::error&) {
    return false;
  }
}

}  // namespace sg::fuzz
