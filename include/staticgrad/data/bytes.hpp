// staticgrad/data/bytes.hpp - whole-file reads, with gzip recognised by its magic bytes.
//
// The data readers first turn a file into bytes with these functions, so every reader accepts plain and
// gzip-compressed files alike. A file is gzip when it starts with 1f 8b, whatever its name says: a
// browser that saved `train-images-idx3-ubyte.gz` already decompressed is still read correctly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sg::data {

// Default ceiling on the inflated size of a gzip file (4 GiB): a corrupt or hostile file fails with a
// message instead of exhausting memory.
inline constexpr std::size_t default_max_inflated_bytes = std::size_t{1} << 32;

// True when `bytes` starts with the gzip magic number 1f 8b.
bool is_gzip(std::span<const std::uint8_t> bytes);

// Inflates one or more concatenated gzip members, checking each member's CRC and length. Throws
// sg::format_error naming `name` and the compressed byte offset when the stream is corrupt, truncated,
// followed by bytes that are not another member, or inflates to more than `max_output` bytes.
std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> bytes, std::string_view name,
                                 std::size_t max_output = default_max_inflated_bytes);

// The contents of `path`, inflated when it is gzip. Throws sg::io_error when the file cannot be read
// and sg::format_error (from gunzip) when it is a corrupt gzip file.
std::vector<std::uint8_t> read_file_bytes(const std::string& path,
                                          std::size_t max_output = default_max_inflated_bytes);

}  // namespace sg::data
