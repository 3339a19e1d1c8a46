// Keeps every code block of docs/ compiled. One checker over all docs/*.md pages:
//
//   <!-- snippet:NAME FILE -->   the fenced block that follows must equal the region NAME of FILE (a path
//   <!-- snippet:NAME -->        from the repository root under examples/ or tests/, i.e. a compiled
//                                program or test); without FILE the region is looked up in every such
//                                source and must be unique. A region starts at the line `// [snippet:NAME]`
//                                and ends at `// [end:NAME]`, `// [/snippet]` or a second `// [snippet:NAME]`
//                                (the three forms in use in tests/); common indentation is ignored on both
//                                sides, so a page may quote an indented region flush left.
//   <!-- output:NAME -->         the block must equal the text a test recorded under NAME. Outputs are
//                                recorded per test module: this module checks the ones its own tests
//                                record (tests/docs/outputs.hpp); a page of another area is checked for its
//                                outputs by that area's test (tests/data, tests/eval).
//   <!-- compiler-output:FILE -->  the block is g++'s output for FILE under tests/compile_fail/; every
//                                `// expect-error:` and `// expect-error(GNU):` pattern of FILE must match
//                                inside it, so the quoted message says what the compile-fail test checks.
//
// The guides listed in `strict_pages` must quote ALL their C++ code this way (no ```cpp block without a
// marker), and their relative links must lead to files that exist.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "docs/outputs.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path root = fs::path(__FILE__).parent_path().parent_path().parent_path();

// The guides written against this checker: every C++ block in them is cut from compiled code.
const std::set<std::string> strict_pages = {
    "README.md",         "getting-started.md",  "notation.md",        "forward-propagation.md",
    "activations.md",    "cost.md",             "backpropagation.md", "multi-class.md",
    "layers.md",         "losses.md",           "initialisation.md",  "regularisation.md",
    "batch-norm.md",     "gradient-checking.md", "tuning.md",         "training.md",
    "structuring-projects.md", "transfer-and-multitask.md", "extending.md", "design.md",
    "api.md",            "flagship.md",         "convolutions.md"};

std::vector<std::string> lines_of(const fs::path& p) {
  std::ifstream in(p);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << p);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string trim_left(const std::string& s) { return s.substr(std::min(s.find_first_not_of(" \t"), s.size())); }
std::string trim_right(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// The lines without their common indentation, joined with '\n' (trailing blank lines dropped).
std::string dedent(std::vector<std::string> lines) {
  while (!lines.empty() && trim_left(lines.back()).empty()) lines.pop_back();
  std::size_t indent = std::string::npos;
  for (const auto& l : lines)
    if (l.find_first_not_of(' ') != std::string::npos) indent = std::min(indent, l.find_first_not_of(' '));
  std::string out;
  for (const auto& l : lines) out += trim_right(l.size() > indent ? l.substr(indent) : std::string()) + "\n";
  return out;
}

// Every region named `name` in `source` (usually one).
std::vector<std::string> regions(const fs::path& source, const std::string& name) {
  const auto lines = lines_of(source);
  const std::string begin = "// [snippet:" + name + "]", end = "// [end:" + name + "]";
  std::vector<std::string> found;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    if (trim_right(trim_left(lines[k])) != begin) continue;
    std::vector<std::string> body;
    std::size_t j = k + 1;
    for (; j < lines.size(); ++j) {
      const std::string t = trim_right(trim_left(lines[j]));
      if (t == end || t == begin || t == "// [/snippet]") break;
      body.push_back(lines[j]);
    }
    if (j == lines.size()) {
      BOOST_ERROR(source.string() << ": region " << name << " is never closed");
      return found;
    }
    found.push_back(dedent(body));
    k = j;
  }
  return found;
}

// The compiled sources a page may quote: examples/*.cpp and tests/<area>/ (not compile_fail or fuzz).
bool compiled_source(const fs::path& relative) {
  const std::string s = relative.generic_string();
  const bool in_examples = s.starts_with("examples/") && relative.extension() == ".cpp";
  const bool in_tests = s.starts_with("tests/") && !s.starts_with("tests/compile_fail/") &&
                        !s.starts_with("tests/fuzz/") && !s.starts_with("tests/consumer/") &&
                        (relative.extension() == ".cpp" || relative.extension() == ".hpp");
  return in_examples || in_tests;
}

std::vector<fs::path> all_compiled_sources() {
  std::vector<fs::path> out;
  for (const char* dir : {"examples", "tests"}) {
    if (!fs::exists(root / dir)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root / dir))
      if (e.is_regular_file() && compiled_source(fs::relative(e.path(), root))) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The fenced block that starts at line k (a ``` line): its lines, and the index of the closing fence.
std::pair<std::vector<std::string>, std::size_t> block_at(const std::vector<std::string>& lines, std::size_t k) {
  std::vector<std::string> body;
  std::size_t j = k + 1;
  for (; j < lines.size() && !lines[j].starts_with("```"); ++j) body.push_back(lines[j]);
  return {body, j};
}

struct PageResult {
  std::size_t snippets = 0, outputs = 0, compiler_outputs = 0, unmarked_cpp = 0;
};

PageResult check_page(const fs::path& page, const std::vector<fs::path>& sources) {
  const auto lines = lines_of(page);
  const std::string file = page.filename().string();
  const bool strict = strict_pages.contains(file);
  PageResult r;
  bool in_fence = false;
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const std::string& line = lines[k];
    if (line.starts_with("```")) {  // a fence not preceded by a marker (markers skip past their block)
      if (!in_fence && (line.starts_with("```cpp") || line.starts_with("```c++"))) {
        ++r.unmarked_cpp;
        if (strict) BOOST_ERROR(file << " line " << k + 1 << ": a C++ block without a snippet marker");
      }
      in_fence = !in_fence;
      continue;
    }
    if (in_fence || !line.starts_with("<!-- ") || !line.ends_with(" -->")) continue;
    const std::string marker = line.substr(5, line.size() - 9);
    const bool is_snippet = marker.starts_with("snippet:"), is_output = marker.starts_with("output:"),
               is_compiler = marker.starts_with("compiler-output:");
    if (!is_snippet && !is_output && !is_compiler) continue;
    BOOST_TEST_INFO(file << " line " << k + 1 << ": " << marker);
    BOOST_TEST_REQUIRE((k + 1 < lines.size() && lines[k + 1].starts_with("```")),
                       "a marker must be followed by a fenced block");
    const auto [body, close] = block_at(lines, k + 1);
    BOOST_TEST_REQUIRE(close < lines.size(), "the fenced block is never closed");
    const std::string block = dedent(body);
    const std::string argument = marker.substr(marker.find(':') + 1);

    if (is_snippet) {
      const std::size_t space = argument.find(' ');
      const std::string name = argument.substr(0, space);
      std::vector<std::pair<fs::path, std::string>> found;
      if (space != std::string::npos) {
        const fs::path relative = argument.substr(space + 1);
        BOOST_TEST(compiled_source(relative), relative << " is not a compiled example or test");
        BOOST_TEST_REQUIRE(fs::exists(root / relative), relative << " does not exist");
        for (auto& text : regions(root / relative, name)) found.emplace_back(relative, text);
      } else {
        for (const auto& s : sources)
          for (auto& text : regions(s, name)) found.emplace_back(fs::relative(s, root), text);
      }
      BOOST_TEST_REQUIRE(!found.empty(), "no region named " << name);
      const bool ambiguous = std::any_of(found.begin(), found.end(), [&](const auto& f) { return f.second != found[0].second; });
      BOOST_TEST(!ambiguous, "several different regions are named " << name << " (" << found[0].first << ", "
                                                                        << found.back().first << "): name the file");
      BOOST_TEST(block == found[0].second, "the block differs from " << found[0].first << " [snippet:" << name << "]");
      ++r.snippets;
    } else if (is_output) {
      const auto it = docs::outputs().find(argument);
      if (it != docs::outputs().end()) {
        BOOST_TEST(block == dedent([&] {
                     std::vector<std::string> out;
                     std::string l;
                     for (char c : it->second) {
                       if (c == '\n') { out.push_back(l); l.clear(); } else { l += c; }
                     }
                     if (!l.empty()) out.push_back(l);
                     return out;
                   }()));
        ++r.outputs;
      } else {
        BOOST_TEST(!strict, "no test of tests/docs records the output " << argument);
      }
    } else {
      const fs::path relative = argument;
      BOOST_TEST_REQUIRE(relative.generic_string().starts_with("tests/compile_fail/"));
      std::size_t patterns = 0;
      for (const auto& l : lines_of(root / relative)) {
        // The pages quote g++: its own lines and those for every compiler.
        std::string regex;
        if (l.starts_with("// expect-error: ")) regex = l.substr(17);
        else if (l.starts_with("// expect-error(GNU): ")) regex = l.substr(22);
        else continue;
        ++patterns;
        const std::regex pattern(regex);
        BOOST_TEST(std::regex_search(block, pattern), "the quoted output lacks `" << regex << "`");
      }
      BOOST_TEST(patterns > 0u, relative << " has no expect-error line");
      ++r.compiler_outputs;
    }
    k = close;
  }
  if (strict) {  // relative links lead somewhere
    // [text](file.md) or (../path/file.cpp), optionally with #anchor; not code such as g'[l](Z[l]).
    const std::regex link(R"(\]\(([^)#:\s]+\.(md|cpp|hpp|txt|cmake|svg|png))(#[^)]*)?\))");
    for (std::size_t k = 0; k < lines.size(); ++k)
      for (std::sregex_iterator it(lines[k].begin(), lines[k].end(), link), end; it != end; ++it) {
        const fs::path target = page.parent_path() / (*it)[1].str();
        BOOST_TEST(fs::exists(target), file << " line " << k + 1 << ": link to " << (*it)[1] << " leads nowhere");
      }
  }
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(docs_check)

// Runs after the snippet tests that record the outputs the pages quote.
BOOST_AUTO_TEST_CASE(every_quoted_block_is_compiled_code,
                     *boost::unit_test::depends_on("docs_snippets/first_network") *
                         boost::unit_test::depends_on("docs_snippets/layers_dag")) {
  if (const char* dump = std::getenv("STATICGRAD_DOCS_DUMP_OUTPUTS")) {  // for writing a page: the outputs
    for (const auto& [name, text] : docs::outputs()) std::ofstream(fs::path(dump) / name) << text;
  }
  const auto sources = all_compiled_sources();
  std::vector<fs::path> pages;
  for (const auto& e : fs::directory_iterator(root / "docs"))
    if (e.path().extension() == ".md") pages.push_back(e.path());
  std::sort(pages.begin(), pages.end());
  BOOST_TEST_REQUIRE(!pages.empty());
  std::size_t snippets = 0, strict_found = 0;
  for (const auto& page : pages) {
    const PageResult r = check_page(page, sources);
    BOOST_TEST_MESSAGE(page.filename().string() << ": " << r.snippets << " snippets, " << r.outputs << " outputs, "
                                                << r.compiler_outputs << " compiler outputs checked");
    snippets += r.snippets;
    strict_found += strict_pages.contains(page.filename().string()) ? 1 : 0;
  }
  BOOST_TEST(strict_found == strict_pages.size(), "a guide listed in strict_pages is missing from docs/");
  BOOST_TEST(snippets >= 30u);
}

// The checker itself: a region's three ending forms, indentation, and a mismatch being caught.
BOOST_AUTO_TEST_CASE(regions_and_their_endings) {
  const fs::path tmp = fs::temp_directory_path() / ("sg_docs_check_" + std::to_string(std::rand()) + ".cpp");
  {
    std::ofstream out(tmp);
    out << "  // [snippet:a]\n  int x = 1;\n    ++x;\n  // [end:a]\n"
        << "// [snippet:b]\nint y;\n// [/snippet]\n"
        << "// [snippet:c]\nint z;\n// [snippet:c]\n";
  }
  BOOST_TEST(regions(tmp, "a") == std::vector<std::string>{"int x = 1;\n  ++x;\n"});
  BOOST_TEST(regions(tmp, "b") == std::vector<std::string>{"int y;\n"});
  BOOST_TEST(regions(tmp, "c") == std::vector<std::string>{"int z;\n"});
  BOOST_TEST(regions(tmp, "d").empty());
  fs::remove(tmp);
  BOOST_TEST(compiled_source("examples/custom_op.cpp"));
  BOOST_TEST(!compiled_source("tests/compile_fail/layer_wrong_width.cpp"));
  BOOST_TEST(!compiled_source("docs/api.md"));
}

BOOST_AUTO_TEST_SUITE_END()
