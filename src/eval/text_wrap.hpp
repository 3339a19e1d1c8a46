// src/eval/text_wrap.hpp - word wrapping for the eval reports (internal to the library's compiled half).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sg::eval::detail {

// `text` as lines of at most `width` characters (words longer than that stand alone), each line after the
// first starting with `indent`.
inline std::string wrap(std::string_view text, std::size_t width, std::string_view indent) {
  std::string out, line;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = std::string(indent);
    } else if (!line.empty() && line != indent) {
      line += ' ';
    }
    line += word;
    start = end + 1;
  }
  return out + line;
}

}  // namespace sg::eval::detail
