// staticgrad/data/idx.hpp - the IDX format of MNIST and Fashion-MNIST (plain or gzip).
//
// An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions), one
// big-endian uint32 per dimension, then the elements in row-major order, big-endian. Image files are
// 0x00000803 (unsigned bytes, count x rows x cols); label files are 0x00000801 (unsigned bytes, count).
// Every error names the file, the byte offset (in the inflated data for a gzip file) and what was
// expected against what was found, e.g.
//   train-images.gz: byte 2: magic number 0x00000803 expected, found 0x00000903
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "staticgrad/data/dataset.hpp"

namespace sg::data {

// The element types an IDX file may hold, by their type code.
enum class IdxType : std::uint8_t { u8 = 0x08, i8 = 0x09, i16 = 0x0B, i32 = 0x0C, f32 = 0x0D, f64 = 0x0E };

// Bytes per element of `type`.
std::size_t idx_element_size(IdxType type);

// IdxArray: a parsed IDX file. Contract: the file's length matched its header exactly, so
// payload().size() == size() * idx_element_size(type).
struct IdxArray {
  IdxType type = IdxType::u8;
  std::vector<std::size_t> dims;    // extents, outermost (the sample count) first
  std::vector<std::uint8_t> bytes;  // the whole (inflated) file
  std::size_t data_offset = 0;      // where the elements start: 4 + 4 * dims.size()

  std::size_t size() const;  // product of dims: the number of elements
  std::span<const std::uint8_t> payload() const { return std::span(bytes).subspan(data_offset); }
  double value(std::size_t k) const;  // element k converted from big-endian, k < size()
};

// Parses an IDX file already in memory (inflated first when it is gzip). `name` is used in messages.
// Throws sg::format_error for a bad magic number, an unknown type code, zero dimensions, a header or
// payload cut short, an element count that overflows, or bytes left after the payload.
IdxArray parse_idx_array(std::vector<std::uint8_t> file_bytes, std::string_view name);

// Reads and parses an IDX file (sg::io_error when it cannot be read).
IdxArray read_idx_array(const std::string& path);

// Builds a Dataset from a parsed image file (0x00000803) and label file (0x00000801): pixels scaled from
// [0, 255] to [0, 1], one column per image. `num_classes` 0 infers it as the largest label + 1; otherwise
// every label must lie in [0, num_classes). Throws sg::format_error naming the file and byte for a wrong
// magic number, a zero image extent, label and image counts that differ, or a label out of range.
Dataset idx_dataset(const IdxArray& images, std::string_view images_name, const IdxArray& labels,
                    std::string_view labels_name, std::size_t num_classes = 0);

// read_idx_array on both files, then idx_dataset.
Dataset read_idx(const std::string& images, const std::string& labels,
                 std::size_t num_classes = 0);

}  // namespace sg::data
