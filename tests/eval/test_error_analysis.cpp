// Error analysis: misclassified lists, tag tallies with ceilings, and contact sheets.
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "data/helpers.hpp"
#include "staticgrad/core/error.hpp"
#include "staticgrad/eval/contact_sheet.hpp"
#include "staticgrad/eval/error_analysis.hpp"

namespace tt = boost::test_tools;

BOOST_AUTO_TEST_SUITE(error_analysis)

BOOST_AUTO_TEST_CASE(misclassified_from_labels_and_from_scores) {
  const std::vector<std::int32_t> truth = {0, 1, 2, 1};
  const std::vector<std::int32_t> predicted = {0, 2, 2, 0};
  const auto wrong = sg::eval::misclassified(truth, predicted);
  BOOST_TEST_REQUIRE(wrong.size() == 2u);
  BOOST_TEST(wrong[0].index == 1u);
  BOOST_TEST(wrong[0].truth == 1);
  BOOST_TEST(wrong[0].predicted == 2);
  BOOST_TEST(std::isnan(wrong[0].confidence));

  sg::Matrix<float> scores(3, 4);
  const float columns[4][3] = {
      {0.8f, 0.1f, 0.1f}, {0.2f, 0.3f, 0.5f}, {0.0f, 0.1f, 0.9f}, {0.6f, 0.3f, 0.1f}};
  for (std::size_t j = 0; j < 4; ++j)
    for (std::size_t c = 0; c < 3; ++c) scores(c, j) = columns[j][c];
  const auto from_scores = sg::eval::misclassified(truth, scores);
  BOOST_TEST_REQUIRE(from_scores.size() == 2u);
  BOOST_TEST(from_scores[1].index == 3u);
  BOOST_TEST(from_scores[1].predicted == 0);
  BOOST_TEST(from_scores[1].confidence == 0.6f);
  BOOST_CHECK_THROW(sg::eval::misclassified(std::vector<std::int32_t>{0}, scores), sg::shape_error);
}

BOOST_AUTO_TEST_CASE(the_course_cat_classifier_tally) {
  // 90% accuracy on 1000 dev examples: 100 errors, all examined. 10 dogs, 50 blurry, 10 big cats,
  // 30 other (untagged); 6 of the blurry ones are also mislabelled.
  std::vector<sg::eval::TaggedError> examined;
  for (std::size_t k = 0; k < 100; ++k) {
    sg::eval::TaggedError e{k, {}};
    if (k < 10)
      e.tags = {"dog"};
    else if (k < 60)
      e.tags = {"blurry", "blurry"};  // a repeated tag counts once
    else if (k < 70)
      e.tags = {"great cat"};
    if (k >= 10 && k < 16) e.tags.push_back(std::string(sg::eval::mislabelled_tag));
    examined.push_back(e);
  }
  const auto a = sg::eval::tally_tags(examined, 100, 1000);
  BOOST_TEST(a.accuracy == 0.9, tt::tolerance(1e-12));
  BOOST_TEST(a.untagged == 30u);
  BOOST_TEST_REQUIRE(a.tags.size() == 4u);
  BOOST_TEST(a.tags[0].tag == "blurry");
  BOOST_TEST(a.tags[0].count == 50u);
  BOOST_TEST(a.tags[0].share_of_errors == 0.5, tt::tolerance(1e-12));
  BOOST_TEST(a.tags[0].ceiling_accuracy == 0.95, tt::tolerance(1e-12));
  BOOST_TEST(a.tags[1].tag == "dog");  // 10 each: ties by name
  BOOST_TEST(a.tags[2].tag == "great cat");
  BOOST_TEST(a.tags[1].ceiling_accuracy == 0.91, tt::tolerance(1e-12));
  BOOST_TEST(a.tags[3].tag == "mislabelled");
  BOOST_TEST(a.tags[3].ceiling_accuracy == 0.906, tt::tolerance(1e-12));
  const std::string report = sg::eval::format_error_analysis(a);
  BOOST_TEST(report.find("correct the test set in the same way") != std::string::npos, report);
  BOOST_TEST(report.find("  blurry           50            50.0%           95.00%\n") != std::string::npos,
             report);
}

BOOST_AUTO_TEST_CASE(a_sample_of_the_errors_scales_to_all_of_them) {
  // 20 of 200 errors examined, 5 tagged "blurry": a quarter of all errors, ceiling 0.8 + 0.25 * 0.2.
  std::vector<sg::eval::TaggedError> examined(20);
  for (std::size_t k = 0; k < 5; ++k) examined[k].tags = {"blurry"};
  const auto a = sg::eval::tally_tags(examined, 200, 1000);
  BOOST_TEST(a.tags[0].ceiling_accuracy == 0.85, tt::tolerance(1e-12));
  BOOST_TEST(sg::eval::format_error_analysis(a).find("mislabelled") == std::string::npos);
  BOOST_CHECK_THROW(sg::eval::tally_tags(examined, 10, 1000), sg::shape_error);
  BOOST_CHECK_THROW(sg::eval::tally_tags({}, 10, 5), sg::shape_error);
}

BOOST_AUTO_TEST_CASE(contact_sheet_lays_tiles_out_in_a_grid) {
  // Four 2 x 3 images; image j is all (j + 1) / 4.
  sg::Matrix<float> x(6, 4);
  for (std::size_t j = 0; j < 4; ++j)
    for (std::size_t k = 0; k < 6; ++k) x(k, j) = static_cast<float>(j + 1) / 4.0f;
  x(5, 3) = NAN;
  const std::vector<std::size_t> pick = {3, 1, 0};
  const sg::eval::ContactSheetOptions o{.columns = 2, .scale = 2, .padding = 1, .background = 7};
  const auto img = sg::eval::contact_sheet(x, pick, 2, 3, o);
  BOOST_TEST(img.width == 2 * 6 + 3u);
  BOOST_TEST(img.height == 2 * 4 + 3u);
  const auto px = [&](std::size_t r, std::size_t c) { return img.pixels[r * img.width + c]; };
  BOOST_TEST(px(0, 0) == 7);
  BOOST_TEST(px(1, 1) == 255);  // tile 0 = image 3, value 1
  BOOST_TEST(px(4, 6) == 0);    // its NaN pixel (row 1, col 2), scaled by 2, is black
  BOOST_TEST(px(1, 8) == 128);  // tile 1 = image 1, value 0.5
  BOOST_TEST(px(6, 1) == 64);   // tile 2 = image 0, value 0.25, second grid row
  BOOST_TEST(px(6, 8) == 7);    // the empty fourth tile is background
  const std::vector<std::size_t> bad = {4};
  BOOST_CHECK_THROW(sg::eval::contact_sheet(x, bad, 2, 3), sg::shape_error);
  BOOST_CHECK_THROW(sg::eval::contact_sheet(x, pick, 3, 3), sg::shape_error);
}

BOOST_AUTO_TEST_CASE(contact_sheet_png_is_written_atomically) {
  sg::test::TempDir dir;
  sg::data::Dataset ds;
  ds.x.resize(4, 3);
  ds.x.fill(0.5f);
  ds.labels = {0, 1, 0};
  ds.num_classes = 2;
  ds.image_rows = ds.image_cols = 2;
  const std::vector<std::size_t> pick = {0, 2};
  const auto path = dir / "sheet.png";
  sg::eval::write_contact_sheet_png(path, ds, pick, {.columns = 10, .scale = 3, .padding = 2});
  std::ifstream in(path, std::ios::binary);
  const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                         std::istreambuf_iterator<char>());
  BOOST_TEST_REQUIRE(bytes.size() > 33u);
  const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  BOOST_TEST(std::equal(signature, signature + 8, bytes.begin()));
  const auto u32 = [&](std::size_t at) {
    return (std::uint32_t{bytes[at]} << 24) | (std::uint32_t{bytes[at + 1]} << 16) |
           (std::uint32_t{bytes[at + 2]} << 8) | bytes[at + 3];
  };
  BOOST_TEST(u32(16) == 2 * 6 + 3 * 2u);  // IHDR width: 2 tiles of 6 pixels and 3 paddings of 2
  BOOST_TEST(u32(20) == 6 + 2 * 2u);
  BOOST_TEST(bytes[24] == 8);  // bit depth
  BOOST_TEST(bytes[25] == 0);  // grey
  BOOST_TEST(std::string(bytes.end() - 8, bytes.end() - 4) == "IEND");
  // Nothing is left beside it.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  BOOST_TEST(files == 1u);
  // An unwritable place is an io_error naming the file.
  const std::string what = sg::test::message_of<sg::io_error>(
      [&] { sg::eval::write_contact_sheet_png(dir / "no-such-dir" / "s.png", ds, pick); });
  BOOST_TEST(what.find("no-such-dir") != std::string::npos, what);
  sg::data::Dataset flat;
  flat.x.resize(4, 1);
  BOOST_CHECK_THROW(sg::eval::write_contact_sheet_png(dir / "f.png", flat, pick), sg::shape_error);
}

BOOST_AUTO_TEST_SUITE_END()
