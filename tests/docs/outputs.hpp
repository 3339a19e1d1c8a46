// tests/docs/outputs.hpp - text that the docs snippets print, recorded by the tests that run them, so
// that docs_check_test.cpp can compare a page's `<!-- output:NAME -->` block with what the code prints.
#pragma once

#include <map>
#include <string>

namespace docs {

inline std::map<std::string, std::string>& outputs() {
  static std::map<std::string, std::string> recorded;
  return recorded;
}

}  // namespace docs
