// docs/optimizers.md, schedules.md and checkpoints.md quote code between `<!-- snippet:NAME FILE -->` and
// the end of the following ```cpp block; it must equal the lines between the two `// [snippet:NAME]`
// markers in FILE, so the documented examples are code that compiles and runs.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include <boost/test/unit_test.hpp>

namespace {

const std::filesystem::path root = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The lines strictly between the two marker lines of `name` in `source`.
std::string snippet(const std::string& source, const std::string& name) {
  const std::string marker = "// [snippet:" + name + "]";
  const std::size_t first = source.find(marker);
  const std::size_t second = first == std::string::npos ? first : source.find(marker, first + 1);
  if (second == std::string::npos) return "<no snippet " + name + ">";
  const std::size_t begin = source.find('\n', first) + 1;
  return source.substr(begin, source.rfind('\n', second) + 1 - begin);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(docs)

BOOST_AUTO_TEST_CASE(quoted_snippets_match_the_tests) {
  const std::regex quoted(R"(<!-- snippet:(\w+) (\S+) -->\n```cpp\n([\s\S]*?)```)");
  for (const char* doc : {"optimizers.md", "schedules.md", "checkpoints.md"}) {
    const std::string text = read(root / "docs" / doc);
    int count = 0;
    for (std::sregex_iterator it(text.begin(), text.end(), quoted), end; it != end; ++it, ++count) {
      BOOST_TEST_INFO(doc << ": snippet " << (*it)[1]);
      BOOST_TEST((*it)[3].str() == snippet(read(root / (*it)[2].str()), (*it)[1]));
    }
    BOOST_TEST(count >= 2, doc << " quotes " << count << " snippets");
  }
}

BOOST_AUTO_TEST_SUITE_END()
