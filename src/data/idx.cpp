// The IDX reader: header validation, element decoding and the image + label Dataset.
#include "staticgrad/data/idx.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <string>

#include "staticgrad/core/error.hpp"
#include "staticgrad/data/bytes.hpp"

namespace sg::data {

namespace {

constexpr std::uint32_t images_magic = 0x00000803;
constexpr std::uint32_t labels_magic = 0x00000801;

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// The first four bytes as a big-endian number, missing bytes read as 0 (for messages only).
std::uint32_t big_endian_u32_prefix(std::span<const std::uint8_t> bytes) {
  std::uint8_t b[4] = {};
  std::memcpy(b, bytes.data(), std::min<std::size_t>(4, bytes.size()));
  return big_endian_u32(b);
}

bool known_type(std::uint8_t code) {
  return code == 0x08 || code == 0x09 || code == 0x0B || code == 0x0C || code == 0x0D || code == 0x0E;
}

const char* type_name(IdxType t) {
  switch (t) {
    case IdxType::u8:
      return "unsigned bytes";
    case IdxType::i8:
      return "signed bytes";
    case IdxType::i16:
      return "16-bit integers";
    case IdxType::i32:
      return "32-bit integers";
    case IdxType::f32:
      return "32-bit floats";
    case IdxType::f64:
      return "64-bit floats";
  }
  return "?";
}

std::string dims_text(const std::vector<std::size_t>& dims) {
  std::string s;
  for (std::size_t k = 0; k < dims.size(); ++k) s += fmt::format("{}{}", k ? " x " : "", dims[k]);
  return s;
}

// The magic number of a file that must hold a particular kind of array, checked before the generic
// header so that the message says which magic number this file needed.
void expect_magic(std::span<const std::uint8_t> bytes, std::string_view name, std::uint32_t expected) {
  for (std::size_t k = 0; k < 4; ++k) {
    if (k == bytes.size())
      throw sg::format_error(
          fmt::format("{}: byte {}: magic number 0x{:08x} expected, found end of file", name, k, expected));
    if (bytes[k] != ((expected >> (24 - 8 * k)) & 0xff))
      throw sg::format_error(fmt::format("{}: byte {}: magic number 0x{:08x} expected, found 0x{:08x}", name,
                                         k, expected, big_endian_u32_prefix(bytes)));
  }
}

}  // namespace

std::size_t idx_element_size(IdxType type) {
  switch (type) {
    case IdxType::u8:
    case IdxType::i8:
      return 1;
    case IdxType::i16:
      return 2;
    case IdxType::i32:
    case IdxType::f32:
      return 4;
    case IdxType::f64:
      return 8;
  }
  return 1;
}

std::size_t IdxArray::size() const {
  std::size_t n = 1;
  for (auto d : dims) n *= d;  // cannot overflow: parse_idx_array checked the product
  return n;
}

double IdxArray::value(std::size_t k) const {
  const std::size_t w = idx_element_size(type);
  const std::uint8_t* p = bytes.data() + data_offset + k * w;
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < w; ++i) u = (u << 8) | p[i];
  switch (type) {
    case IdxType::u8:
      return static_cast<double>(u);
    case IdxType::i8:
      return static_cast<double>(static_cast<std::int8_t>(u));
    case IdxType::i16:
      return static_cast<double>(static_cast<std::int16_t>(u));
    case IdxType::i32:
      return static_cast<double>(static_cast<std::int32_t>(u));
    case IdxType::f32:
      return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(u)));
    case IdxType::f64:
      return std::bit_cast<double>(u);
  }
  return 0.0;
}

IdxArray parse_idx_array(std::vector<std::uint8_t> file_bytes, std::string_view name) {
  if (is_gzip(file_bytes)) file_bytes = gunzip(file_bytes, name);
  const std::size_t n = file_bytes.size();
  const auto fail = [&](std::size_t at, std::string_view what) {
    return sg::format_error(fmt::format("{}: byte {}: {}", name, at, what));
  };
  if (n < 4)
    throw fail(n, "4-byte magic number (00 00, type code, dimension count) expected, found end of file");
  if (file_bytes[0] != 0 || file_bytes[1] != 0)
    throw fail(file_bytes[0] != 0 ? 0 : 1,
               fmt::format("magic number starting 0x0000 expected, found 0x{:02x}{:02x}", file_bytes[0],
                           file_bytes[1]));
  if (!known_type(file_bytes[2]))
    throw fail(2, fmt::format("IDX type code (0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e) expected, found 0x{:02x}",
                              file_bytes[2]));
  IdxArray a;
  a.type = static_cast<IdxType>(file_bytes[2]);
  const std::size_t ndims = file_bytes[3];
  if (ndims == 0) throw fail(3, "at least 1 dimension expected, found 0");
  a.data_offset = 4 + 4 * ndims;
  std::size_t count = 1;
  for (std::size_t k = 0; k < ndims; ++k) {
    const std::size_t at = 4 + 4 * k;
    if (at + 4 > n)
      throw fail(n, fmt::format("dimension {} of {} (4 bytes at byte {}) expected, found end of file", k + 1,
                                ndims, at));
    const std::size_t d = big_endian_u32(file_bytes.data() + at);
    a.dims.push_back(d);
    if (d != 0 && count > std::numeric_limits<std::size_t>::max() / d)
      throw fail(at, fmt::format("an element count that fits in memory expected, found {} x ...",
                                 dims_text(a.dims)));
    count *= d;
  }
  const std::size_t w = idx_element_size(a.type);
  if (count > std::numeric_limits<std::size_t>::max() / w)
    throw fail(a.data_offset,
               fmt::format("an element count that fits in memory expected, found {}", dims_text(a.dims)));
  const std::size_t expected = count * w;
  const std::size_t available = n - a.data_offset;
  if (available < expected)
    throw fail(
        n,
        fmt::format("{} bytes of data ({} {}) expected after the {}-byte header, found end of file after {}",
                    expected, dims_text(a.dims), type_name(a.type), a.data_offset, available));
  if (available > expected)
    throw fail(a.data_offset + expected,
               fmt::format("end of file expected after {} bytes of data ({} {}), found {} more bytes",
                           expected, dims_text(a.dims), type_name(a.type), available - expected));
  a.bytes = std::move(file_bytes);
  return a;
}

IdxArray read_idx_array(const std::string& path) {
  return parse_idx_array(read_file_bytes(path), path);
}

Dataset idx_dataset(const IdxArray& images, std::string_view images_name, const IdxArray& labels,
                    std::string_view labels_name, std::size_t num_classes) {
  expect_magic(images.bytes, images_name, images_magic);
  expect_magic(labels.bytes, labels_name, labels_magic);
  const std::size_t m = images.dims[0], rows = images.dims[1], cols = images.dims[2];
  if (rows == 0)
    throw sg::format_error(fmt::format("{}: byte 8: image rows >= 1 expected, found 0", images_name));
  if (cols == 0)
    throw sg::format_error(fmt::format("{}: byte 12: image columns >= 1 expected, found 0", images_name));
  if (labels.dims[0] != m)
    throw sg::format_error(fmt::format("{}: byte 4: {} labels expected (one per image in {}), found {}",
                                       labels_name, m, images_name, labels.dims[0]));
  if (num_classes > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw sg::shape_error(
        fmt::format("{}: num_classes at most 2^31-1 expected, found {}", labels_name, num_classes));

  Dataset ds;
  const auto label_bytes = labels.payload();
  std::size_t largest_plus_one = 0;
  ds.labels.resize(m);
  for (std::size_t j = 0; j < m; ++j) {
    const std::size_t y = label_bytes[j];
    if (num_classes != 0 && y >= num_classes)
      throw sg::format_error(fmt::format("{}: byte {}: class label in [0, {}) expected, found {}",
                                         labels_name, labels.data_offset + j, num_classes, y));
    ds.labels[j] = static_cast<std::int32_t>(y);
    largest_plus_one = std::max(largest_plus_one, y + 1);
  }
  ds.num_classes = num_classes != 0 ? num_classes : largest_plus_one;
  ds.image_rows = rows;
  ds.image_cols = cols;
  // IDX stores image j's pixels row by row, contiguous: exactly column j of the column-major x.
  const std::size_t features = rows * cols;
  ds.x.resize(features, m);
  const auto pixels = images.payload();
  float* x = ds.x.data();
  const std::size_t total = features * m;
  for (std::size_t k = 0; k < total; ++k) x[k] = static_cast<float>(pixels[k]) / 255.0f;
  return ds;
}

Dataset read_idx(const std::string& images, const std::string& labels, std::size_t num_classes) {
  // The expected magic number is checked before the generic header, so that a wrong file kind is
  // reported as such rather than as, say, an unknown type code.
  auto image_bytes = read_file_bytes(images);
  expect_magic(image_bytes, images, images_magic);
  const IdxArray image_array = parse_idx_array(std::move(image_bytes), images);
  auto label_bytes = read_file_bytes(labels);
  expect_magic(label_bytes, labels, labels_magic);
  const IdxArray label_array = parse_idx_array(std::move(label_bytes), labels);
  return idx_dataset(image_array, images, label_array, labels, num_classes);
}

}  // namespace sg::data
