// docs/examples.md quotes the example programs: every block marked `<!-- snippet:NAME -->` must equal the
// region between `// [snippet:NAME]` and `// [/snippet]` in one of examples/*.cpp (tests/data/snippets.hpp
// has the rules), so the page cannot drift from code that compiles and runs in CI.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "data/snippets.hpp"

BOOST_AUTO_TEST_SUITE(examples_docs)

BOOST_AUTO_TEST_CASE(examples_md_quotes_the_example_sources) {
  const std::filesystem::path examples = sg::test::docs_dir().parent_path() / "examples";
  std::vector<std::filesystem::path> sources;
  for (const auto& entry : std::filesystem::directory_iterator(examples))
    if (entry.path().extension() == ".cpp") sources.push_back(entry.path());
  std::ranges::sort(sources);
  const std::size_t checked = sg::test::check_doc(sg::test::docs_dir() / "examples.md", sources, {});
  BOOST_TEST(checked >= 16u, "docs/examples.md quotes only " << checked << " snippets");
}

// Every example the page describes has a section that says how to run it.
BOOST_AUTO_TEST_CASE(examples_md_has_a_section_per_example) {
  const auto lines = sg::test::lines_of(sg::test::docs_dir() / "examples.md");
  for (const char* name : {"logistic_regression", "shallow_vs_deep", "gradient_check", "optimizers",
                           "regularization", "transfer_learning", "multitask", "bias_variance"}) {
    BOOST_TEST_INFO(name);
    BOOST_TEST(std::ranges::any_of(lines, [&](const std::string& l) { return l == std::string("## ") + name; }));
  }
}

BOOST_AUTO_TEST_SUITE_END()
