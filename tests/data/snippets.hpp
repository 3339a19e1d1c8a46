// tests/data/snippets.hpp - keeps the code in docs/ compiled: every docs block marked
//   <!-- snippet:NAME -->   must equal the region between `// [snippet:NAME]` and `// [/snippet]` in a
//                           test source (indentation removed), and every block marked
//   <!-- output:NAME -->    must equal the text a test produced under NAME.
#pragma once

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace sg::test {

inline std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::ifstream in(p);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << p);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The region NAME of `source`, without its common indentation; empty when absent.
inline std::string snippet(const std::filesystem::path& source, const std::string& name) {
  const auto lines = lines_of(source);
  std::vector<std::string> region;
  bool inside = false, found = false;
  for (const auto& line : lines) {
    const auto text = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (!inside && text == "// [snippet:" + name + "]") {
      inside = found = true;
    } else if (inside && text == "// [/snippet]") {
      inside = false;
    } else if (inside) {
      region.push_back(line);
    }
  }
  if (!found) return {};
  std::size_t indent = std::string::npos;
  for (const auto& l : region)
    if (l.find_first_not_of(' ') != std::string::npos) indent = std::min(indent, l.find_first_not_of(' '));
  std::string out;
  for (const auto& l : region) out += (l.size() > indent ? l.substr(indent) : std::string()) + "\n";
  return out;
}

// Checks every marked block of `doc`; returns how many were checked.
inline std::size_t check_doc(const std::filesystem::path& doc,
                             const std::vector<std::filesystem::path>& sources,
                             const std::map<std::string, std::string>& outputs) {
  const auto lines = lines_of(doc);
  std::size_t checked = 0;
  for (std::size_t k = 0; k + 1 < lines.size(); ++k) {
    const std::string& marker = lines[k];
    const bool is_snippet = marker.starts_with("<!-- snippet:"),
               is_output = marker.starts_with("<!-- output:");
    if (!is_snippet && !is_output) continue;
    const std::size_t colon = marker.find(':'), end = marker.find(" -->");
    const std::string name = marker.substr(colon + 1, end - colon - 1);
    BOOST_TEST_INFO(doc.filename().string() << " line " << k + 1 << ": " << name);
    BOOST_TEST_REQUIRE(lines[k + 1].starts_with("```"));
    std::string block;
    std::size_t j = k + 2;
    for (; j < lines.size() && !lines[j].starts_with("```"); ++j) block += lines[j] + "\n";
    BOOST_TEST_REQUIRE(j < lines.size());
    std::string expected;
    if (is_snippet) {
      for (const auto& s : sources)
        if (expected.empty()) expected = snippet(s, name);
    } else if (auto it = outputs.find(name); it != outputs.end()) {
      expected = it->second;
    }
    BOOST_TEST(!expected.empty(), "no " << (is_snippet ? "snippet" : "output") << " named " << name);
    BOOST_TEST(block == expected);
    ++checked;
  }
  return checked;
}

inline std::filesystem::path docs_dir() {
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "docs";
}

}  // namespace sg::test
