// Replays the fuzzers' seed corpus and every regression input through the same calls as the fuzz
// targets (tests/fuzz/inputs.hpp), under the ordinary test build: each must succeed or throw an
// sg::error; anything else escapes and fails the test.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/inputs.hpp"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

const fs::path data_dir = fs::path(__FILE__).parent_path();

// The files of corpus/<target>/ and regressions/<target>/ (either may be absent).
std::vector<fs::path> inputs(const std::string& target) {
  std::vector<fs::path> files;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = data_dir / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

Bytes read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fuzz_regressions)

BOOST_AUTO_TEST_CASE(idx_inputs) {
  const auto files = inputs("idx");
  BOOST_TEST(files.size() >= 6u);
  std::size_t parsed = 0;
  for (const auto& f : files) {
    BOOST_TEST_INFO(f);
    parsed += sg::fuzz::run_idx(read(f));
  }
  BOOST_TEST(parsed >= 6u);  // the seeds are valid files
}

BOOST_AUTO_TEST_CASE(idx_pair_inputs) {
  const auto files = inputs("idx_pair");
  BOOST_TEST(files.size() >= 4u);
  std::size_t parsed = 0;
  for (const auto& f : files) {
    BOOST_TEST_INFO(f);
    parsed += sg::fuzz::run_idx_pair(read(f));
  }
  BOOST_TEST(parsed >= 3u);  // plain, gzip and with 3 classes; the fourth seed's counts differ
}

BOOST_AUTO_TEST_CASE(csv_inputs) {
  const auto files = inputs("csv");
  BOOST_TEST(files.size() >= 5u);
  std::size_t parsed = 0;
  for (const auto& f : files) {
    BOOST_TEST_INFO(f);
    parsed += sg::fuzz::run_csv(read(f));
  }
  BOOST_TEST(parsed >= 3u);  // the ragged and the non-finite seeds are rejected
}

BOOST_AUTO_TEST_SUITE_END()
