// The IDX reader: round trips (plain, gzip, multi-member gzip), and every kind of corrupt file.
#include <boost/test/unit_test.hpp>

#include "data/helpers.hpp"
#include "staticgrad/core/error.hpp"
#include "staticgrad/data/idx.hpp"

using sg::test::Bytes;

namespace {

// Three 2 x 3 images labelled 2, 0, 1.
struct SmallIdx {
  sg::test::TempDir dir;
  Bytes images = sg::test::idx_images(3, 2, 3);
  Bytes labels = sg::test::idx_labels({2, 0, 1});
  std::filesystem::path images_path = dir / "images.idx";
  std::filesystem::path labels_path = sg::test::write_file(dir / "labels.idx", labels);
};

void check_small(const sg::data::Dataset& ds) {
  BOOST_TEST(ds.size() == 3u);
  BOOST_TEST(ds.features() == 6u);
  BOOST_TEST(ds.image_rows == 2u);
  BOOST_TEST(ds.image_cols == 3u);
  BOOST_TEST(ds.num_classes == 3u);
  BOOST_TEST(ds.labels == (std::vector<std::int32_t>{2, 0, 1}), boost::test_tools::per_element());
  for (std::size_t j = 0; j < 3; ++j)
    for (std::size_t k = 0; k < 6; ++k)
      BOOST_TEST(ds.x(k, j) == static_cast<float>(sg::test::idx_pixel(j, k)) / 255.0f);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(idx_reader)

BOOST_AUTO_TEST_CASE(reads_plain_and_gzip_alike) {
  SmallIdx f;
  sg::test::write_file(f.images_path, f.images);
  check_small(sg::data::read_idx(f.images_path, f.labels_path));
  // gzip is recognised by its magic bytes, whatever the name; small blocks give a multi-block stream.
  const auto gz = sg::test::write_file(f.dir / "images.gz", sg::test::gzip_stored(f.images, 5));
  check_small(
      sg::data::read_idx(gz, sg::test::write_file(f.dir / "labels-gz", sg::test::gzip_stored(f.labels))));
  // Two gzip members one after the other form one stream (what `cat a.gz b.gz` makes).
  const std::size_t half = f.images.size() / 2;
  Bytes two = sg::test::gzip_stored(Bytes(f.images.begin(), f.images.begin() + half));
  const Bytes second = sg::test::gzip_stored(Bytes(f.images.begin() + half, f.images.end()));
  two.insert(two.end(), second.begin(), second.end());
  check_small(sg::data::read_idx(sg::test::write_file(f.dir / "two.gz", two), f.labels_path));
}

BOOST_AUTO_TEST_CASE(given_num_classes_is_kept) {
  SmallIdx f;
  sg::test::write_file(f.images_path, f.images);
  BOOST_TEST(sg::data::read_idx(f.images_path, f.labels_path, 10).num_classes == 10u);
}

BOOST_AUTO_TEST_CASE(every_truncation_of_the_image_file_is_reported) {
  SmallIdx f;
  const std::string name = f.images_path.string();
  for (std::size_t n = 0; n < f.images.size(); ++n) {
    sg::test::write_file(f.images_path,
                         Bytes(f.images.begin(), f.images.begin() + static_cast<std::ptrdiff_t>(n)));
    const std::string what =
        sg::test::message_of<sg::format_error>([&] { sg::data::read_idx(f.images_path, f.labels_path); });
    BOOST_TEST_INFO("length " << n);
    BOOST_TEST(what.starts_with(name + ": byte " + std::to_string(n) + ": "), what);
    BOOST_TEST(what.find("end of file") != std::string::npos, what);
  }
  const auto at = [&](std::size_t n) {
    sg::test::write_file(f.images_path,
                         Bytes(f.images.begin(), f.images.begin() + static_cast<std::ptrdiff_t>(n)));
    return sg::test::message_of<sg::format_error>([&] { sg::data::read_idx(f.images_path, f.labels_path); });
  };
  BOOST_TEST(at(0) == name + ": byte 0: magic number 0x00000803 expected, found end of file");
  BOOST_TEST(at(6) == name + ": byte 6: dimension 1 of 3 (4 bytes at byte 4) expected, found end of file");
  BOOST_TEST(at(21) ==
             name +
                 ": byte 21: 18 bytes of data (3 x 2 x 3 unsigned bytes) expected after the 16-byte "
                 "header, found end of file after 5");
}

BOOST_AUTO_TEST_CASE(every_truncation_of_the_label_file_is_reported) {
  SmallIdx f;
  sg::test::write_file(f.images_path, f.images);
  for (std::size_t n = 0; n < f.labels.size(); ++n) {
    sg::test::write_file(f.labels_path,
                         Bytes(f.labels.begin(), f.labels.begin() + static_cast<std::ptrdiff_t>(n)));
    const std::string what =
        sg::test::message_of<sg::format_error>([&] { sg::data::read_idx(f.images_path, f.labels_path); });
    BOOST_TEST_INFO("length " << n);
    BOOST_TEST(what.starts_with(f.labels_path.string() + ": byte " + std::to_string(n) + ": "), what);
  }
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_gzip_file_is_reported) {
  SmallIdx f;
  for (std::size_t block : {std::size_t{7}, std::size_t{65535}}) {
    const Bytes gz = sg::test::gzip_stored(f.images, block);
    for (std::size_t n = 0; n < gz.size(); ++n) {
      sg::test::write_file(f.images_path, Bytes(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(n)));
      const std::string what =
          sg::test::message_of<sg::format_error>([&] { sg::data::read_idx(f.images_path, f.labels_path); });
      BOOST_TEST_INFO("block " << block << ", length " << n);
      BOOST_TEST(what.starts_with(f.images_path.string() + ": byte "), what);
      // From 2 bytes on the file is gzip: a cut stream is reported as such, never as bad IDX data.
      if (n >= 10) BOOST_TEST(what.find("(truncated)") != std::string::npos, what);
    }
  }
}

BOOST_AUTO_TEST_CASE(corrupt_gzip_is_reported_with_zlib_reason) {
  SmallIdx f;
  Bytes gz = sg::test::gzip_stored(f.images);
  gz[gz.size() - 6] ^= 0x55;  // inside the CRC-32
  sg::test::write_file(f.images_path, gz);
  std::string what =
      sg::test::message_of<sg::format_error>([&] { sg::data::read_idx(f.images_path, f.labels_path); });
  BOOST_TEST(
      what.find("valid gzip data expected, found corrupt data (incorrect data check)") != std::string::npos,
      what);

  gz = sg::test::gzip_stored(f.images);
  gz.push_back(0);  // a trailing byte that is not another member
  sg::test::write_file(f.images_path, gz);
  what = sg::test::message_of<sg::format_error>([&] { sg::data::read_idx(f.images_path, f.labels_path); });
  BOOST_TEST(what.find("end of file or another gzip member expected") != std::string::npos, what);
}

BOOST_AUTO_TEST_CASE(flipped_magic_names_the_first_wrong_byte) {
  SmallIdx f;
  Bytes bad = f.images;
  bad[2] = 0x09;
  sg::test::write_file(f.images_path, bad);
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] {
               sg::data::read_idx(f.images_path, f.labels_path);
             }) == f.images_path.string() + ": byte 2: magic number 0x00000803 expected, found 0x00000903");
  bad = f.images;
  bad[0] = 0x08;
  sg::test::write_file(f.images_path, bad);
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] {
               sg::data::read_idx(f.images_path, f.labels_path);
             }) == f.images_path.string() + ": byte 0: magic number 0x00000803 expected, found 0x08000803");
  // Images and labels swapped.
  sg::test::write_file(f.images_path, f.images);
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] {
               sg::data::read_idx(f.labels_path, f.images_path);
             }) == f.labels_path.string() + ": byte 3: magic number 0x00000803 expected, found 0x00000801");
}

BOOST_AUTO_TEST_CASE(wrong_dimension_counts) {
  SmallIdx f;
  Bytes bad = f.images;
  bad[3] = 2;  // a 2-dimensional array where images (3 dimensions) are expected
  sg::test::write_file(f.images_path, bad);
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] {
               sg::data::read_idx(f.images_path, f.labels_path);
             }) == f.images_path.string() + ": byte 3: magic number 0x00000803 expected, found 0x00000802");
  // The generic parser: no dimensions at all.
  BOOST_TEST(sg::test::message_of<sg::format_error>([] {
               sg::data::parse_idx_array({0, 0, 8, 0}, "a");
             }) == "a: byte 3: at least 1 dimension expected, found 0");
  BOOST_TEST(sg::test::message_of<sg::format_error>([] {
               sg::data::parse_idx_array({0, 0, 7, 1, 0, 0, 0, 0}, "a");
             }) == "a: byte 2: IDX type code (0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e) expected, found 0x07");
  BOOST_TEST(sg::test::message_of<sg::format_error>([] {
               sg::data::parse_idx_array({0, 1, 8, 1}, "a");
             }) == "a: byte 1: magic number starting 0x0000 expected, found 0x0001");
}

BOOST_AUTO_TEST_CASE(sizes_are_checked_against_the_file_length) {
  SmallIdx f;
  Bytes more = f.images;
  more[7] = 4;  // the header claims 4 images; the file holds 3
  sg::test::write_file(f.images_path, more);
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] {
               sg::data::read_idx(f.images_path, f.labels_path);
             }) == f.images_path.string() +
                       ": byte 34: 24 bytes of data (4 x 2 x 3 unsigned bytes) expected after the 16-byte "
                       "header, found end "
                       "of file after 18");
  Bytes extra = f.images;
  extra.push_back(1);
  extra.push_back(2);
  sg::test::write_file(f.images_path, extra);
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] {
               sg::data::read_idx(f.images_path, f.labels_path);
             }) == f.images_path.string() +
                       ": byte 34: end of file expected after 18 bytes of data (3 x 2 x 3 unsigned bytes), "
                       "found 2 more bytes");
  // A header whose element count overflows is rejected before anything is allocated.
  Bytes huge = {0, 0, 0x0E, 3};
  for (int k = 0; k < 3; ++k) sg::test::put_u32(huge, 0xffffffffu);
  const std::string what =
      sg::test::message_of<sg::format_error>([&] { sg::data::parse_idx_array(huge, "h"); });
  BOOST_TEST(what.find("an element count that fits in memory expected") != std::string::npos, what);
}

BOOST_AUTO_TEST_CASE(labels_must_match_images_and_lie_in_range) {
  SmallIdx f;
  sg::test::write_file(f.images_path, f.images);
  sg::test::write_file(f.labels_path, sg::test::idx_labels({1, 2}));
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] {
               sg::data::read_idx(f.images_path, f.labels_path);
             }) == f.labels_path.string() + ": byte 4: 3 labels expected (one per image in " +
                       f.images_path.string() + "), found 2");
  sg::test::write_file(f.labels_path, sg::test::idx_labels({1, 5, 0}));
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] {
               sg::data::read_idx(f.images_path, f.labels_path, 3);
             }) == f.labels_path.string() + ": byte 9: class label in [0, 3) expected, found 5");
  BOOST_TEST(sg::data::read_idx(f.images_path, f.labels_path).num_classes == 6u);  // inferred
}

BOOST_AUTO_TEST_CASE(zero_image_extent_is_rejected) {
  SmallIdx f;
  Bytes bad = sg::test::idx_images(3, 0, 3);
  sg::test::write_file(f.images_path, bad);
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] {
               sg::data::read_idx(f.images_path, f.labels_path);
             }) == f.images_path.string() + ": byte 8: image rows >= 1 expected, found 0");
}

BOOST_AUTO_TEST_CASE(other_element_types_decode_big_endian) {
  Bytes b = {0, 0, 0x0B, 1};  // 16-bit integers
  sg::test::put_u32(b, 2);
  b.insert(b.end(), {0xff, 0xfe, 0x01, 0x00});
  const auto a = sg::data::parse_idx_array(b, "i16");
  BOOST_TEST(a.size() == 2u);
  BOOST_TEST(a.value(0) == -2.0);
  BOOST_TEST(a.value(1) == 256.0);
  Bytes g = {0, 0, 0x0D, 1};  // 32-bit floats
  sg::test::put_u32(g, 1);
  g.insert(g.end(), {0x3f, 0xc0, 0x00, 0x00});
  BOOST_TEST(sg::data::parse_idx_array(g, "f32").value(0) == 1.5);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_io_error) {
  sg::test::TempDir dir;
  const std::string what = sg::test::message_of<sg::io_error>(
      [&] { sg::data::read_idx(dir / "absent-images", dir / "absent-labels"); });
  BOOST_TEST(what ==
             (dir / "absent-images").string() + ": cannot open for reading: No such file or directory");
}

BOOST_AUTO_TEST_SUITE_END()
