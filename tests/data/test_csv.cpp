// The CSV reader: what it accepts, and a message with line:column for everything it rejects.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "data/helpers.hpp"
#include "staticgrad/core/error.hpp"
#include "staticgrad/data/csv.hpp"

namespace {

std::string format_message(std::string_view text, const sg::data::CsvOptions& o = {}) {
  return sg::test::message_of<sg::format_error>([&] { sg::data::parse_csv(text, "t.csv", o); });
}
std::string numeric_message(std::string_view text, const sg::data::CsvOptions& o = {}) {
  return sg::test::message_of<sg::numeric_error>([&] { sg::data::parse_csv(text, "t.csv", o); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(csv_reader)

BOOST_AUTO_TEST_CASE(reads_features_and_the_label_column_by_name) {
  const auto ds = sg::data::parse_csv("a,label,b\n1.5,2,-3\n4,0,5e-1\n", "t.csv");
  BOOST_TEST(ds.size() == 2u);
  BOOST_TEST(ds.features() == 2u);
  BOOST_TEST(ds.num_classes == 3u);
  BOOST_TEST(ds.image_rows == 0u);
  BOOST_TEST(ds.labels == (std::vector<std::int32_t>{2, 0}), boost::test_tools::per_element());
  BOOST_TEST(ds.x(0, 0) == 1.5f);
  BOOST_TEST(ds.x(1, 0) == -3.0f);
  BOOST_TEST(ds.x(0, 1) == 4.0f);
  BOOST_TEST(ds.x(1, 1) == 0.5f);
}

BOOST_AUTO_TEST_CASE(label_by_index_and_given_class_count) {
  sg::data::CsvOptions o;
  o.label_index = 0;
  o.num_classes = 5;
  o.delimiter = ';';
  const auto ds = sg::data::parse_csv("y;x1;x2\n3;1;2\n1.0;3;4\n", "t.csv", o);
  BOOST_TEST(ds.num_classes == 5u);
  BOOST_TEST(ds.labels == (std::vector<std::int32_t>{3, 1}), boost::test_tools::per_element());
  BOOST_TEST(ds.x(1, 1) == 4.0f);
}

BOOST_AUTO_TEST_CASE(tolerates_quotes_crlf_bom_blank_lines_and_spaces) {
  const auto ds = sg::data::parse_csv(
      "\xEF\xBB\xBF\"x, with comma\",\"label\"\r\n\r\n \"+2.5\" , 1 \r\n\n\t-1\t,\"0\"\n", "t.csv");
  BOOST_TEST(ds.size() == 2u);
  BOOST_TEST(ds.x(0, 0) == 2.5f);
  BOOST_TEST(ds.x(0, 1) == -1.0f);
  BOOST_TEST(ds.labels == (std::vector<std::int32_t>{1, 0}), boost::test_tools::per_element());
  // A header without rows is an empty data set; a doubled quote is one quote in a name.
  const auto empty = sg::data::parse_csv("\"say \"\"hi\"\"\",label", "t.csv");
  BOOST_TEST(empty.size() == 0u);
  BOOST_TEST(empty.features() == 1u);
}

BOOST_AUTO_TEST_CASE(garbage_cells_name_line_and_column) {
  BOOST_TEST(format_message("a,b,label\n1,2,0\n3,abc,1\n") == "t.csv:3:3: number expected, found \"abc\"");
  BOOST_TEST(format_message("a,b,label\n1,,0\n") == "t.csv:2:3: number expected, found an empty cell");
  BOOST_TEST(format_message("a,label\n0x10,0\n") == "t.csv:2:1: number expected, found \"0x10\"");
  BOOST_TEST(format_message("a,label\n1 2,0\n") == "t.csv:2:1: number expected, found \"1 2\"");
  BOOST_TEST(format_message("a,label\n--1,0\n") == "t.csv:2:1: number expected, found \"--1\"");
  BOOST_TEST(format_message("a,label\n\"1\"x,0\n") ==
             "t.csv:2:4: delimiter ',' or end of line expected after a quoted cell, found 'x'");
  BOOST_TEST(format_message("a,label\n\"1,0\n") ==
             "t.csv:2:5: closing quote for the quote at column 1 expected, found end of line");
  BOOST_TEST(format_message("a,label\n\x01\xff,0\n") == "t.csv:2:1: number expected, found \"\\x01\\xff\"");
}

BOOST_AUTO_TEST_CASE(ragged_rows) {
  BOOST_TEST(format_message("a,b,label\n1,2,0\n1,2\n") ==
             "t.csv:3:4: 3 cells expected (as in the header on line 1), found 2");
  BOOST_TEST(format_message("a,b,label\n1,2,0,9\n") ==
             "t.csv:2:7: 3 cells expected (as in the header on line 1), found 4");
  BOOST_TEST(format_message("a,b,label\n1,2,0,\n") ==
             "t.csv:2:7: 3 cells expected (as in the header on line 1), found 4");
}

BOOST_AUTO_TEST_CASE(non_finite_cells_are_numeric_errors) {
  BOOST_TEST(numeric_message("a,label\nnan,0\n") == "t.csv:2:1: finite number expected, found \"nan\"");
  BOOST_TEST(numeric_message("a,label\n1,0\n-inf,1\n") ==
             "t.csv:3:1: finite number within float range expected, found \"-inf\"");
  BOOST_TEST(numeric_message("a,label\nInfinity,0\n") ==
             "t.csv:2:1: finite number within float range expected, found \"Infinity\"");
  BOOST_TEST(numeric_message("a,label\n1e999,0\n") ==
             "t.csv:2:1: finite number within float range expected, found \"1e999\"");
  BOOST_TEST(numeric_message("a,label\n1e39,0\n") ==  // finite as a double, beyond float
             "t.csv:2:1: finite number within float range expected, found \"1e39\"");
  // Underflow is not an error: the value is as close to 0 as a float gets.
  BOOST_TEST(sg::data::parse_csv("a,label\n1e-400,0\n", "t.csv").x(0, 0) == 0.0f);
}

BOOST_AUTO_TEST_CASE(missing_or_bad_label_column) {
  BOOST_TEST(format_message("a,b\n1,2\n") ==
             "t.csv:1:1: label column \"label\" expected in the header, found columns \"a\", \"b\"");
  sg::data::CsvOptions o;
  o.label_index = 2;
  BOOST_TEST(format_message("a,b\n1,2\n", o) ==
             "t.csv:1:1: label column index 2 expected in a header of 2 columns, found only 2");
  BOOST_TEST(format_message("a,label\n1,1.5\n") == "t.csv:2:3: integer class label expected, found \"1.5\"");
  BOOST_TEST(format_message("a,label\n1,cat\n") == "t.csv:2:3: integer class label expected, found \"cat\"");
  BOOST_TEST(format_message("a,label\n1,-1\n") ==
             "t.csv:2:3: class label in [0, 2^31-1) expected, found \"-1\"");
  o = {};
  o.num_classes = 3;
  BOOST_TEST(format_message("a,label\n1,3\n", o) == "t.csv:2:3: class label in [0, 3) expected, found \"3\"");
  BOOST_TEST(format_message("a,label\n1,nan\n", o) ==
             "t.csv:2:3: integer class label expected, found \"nan\"");
}

BOOST_AUTO_TEST_CASE(empty_input) {
  BOOST_TEST(format_message("") == "t.csv:1:1: a header row expected, found end of file");
  BOOST_TEST(format_message("\n\r\n\n") == "t.csv:4:1: a header row expected, found end of file");
}

BOOST_AUTO_TEST_CASE(every_truncation_parses_or_fails_cleanly) {
  const std::string text = "x1,\"x 2\",label\n0.5,-1e-3,1\n\"2\",3,0\r\n";
  for (std::size_t n = 0; n <= text.size(); ++n) {
    BOOST_TEST_INFO("length " << n);
    try {
      const auto ds = sg::data::parse_csv(std::string_view(text).substr(0, n), "t.csv");
      BOOST_TEST(ds.labels.size() == ds.size());
    } catch (const sg::format_error& e) {
      BOOST_TEST(std::string(e.what()).starts_with("t.csv:"), e.what());
    }
  }
}

BOOST_AUTO_TEST_CASE(reads_files_plain_and_gzip) {
  sg::test::TempDir dir;
  const std::string text = "a,label\n1,0\n2,1\n";
  const auto plain = sg::test::write_text(dir / "d.csv", text);
  const auto gz = sg::test::write_file(dir / "d.csv.gz",
                                       sg::test::gzip_stored(sg::test::Bytes(text.begin(), text.end())));
  for (const auto& path : {plain, gz}) {
    const auto ds = sg::data::read_csv(path);
    BOOST_TEST(ds.size() == 2u);
    BOOST_TEST(ds.x(0, 1) == 2.0f);
  }
  const std::string bad = "a,label\n1,0\nx,1\n";
  const auto bad_path = sg::test::write_text(dir / "bad.csv", bad);
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] { sg::data::read_csv(bad_path); }) ==
             bad_path.string() + ":3:1: number expected, found \"x\"");
}

BOOST_AUTO_TEST_SUITE_END()
