// Byte-level helpers for checkpoint tests: the file CRC, and turning a current (version 2) file into the
// version 1 layout that older staticgrad releases wrote, to check that such files still load.
//
// Version 2 differs from version 1 only by two lists after the optimiser step count: the per-slice step
// counts and the history (docs/checkpoints.md has the byte table). Removing them, writing 1 as the
// version and recomputing the file CRC gives exactly the file version 1 wrote for the same checkpoint
// without those two parts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace sg_test {

// zlib's crc32 (the ISO-HDLC / gzip polynomial, reflected), bit by bit: slow, but short and independent
// of the code under test.
inline std::uint32_t crc32(const char* p, std::size_t n) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    crc ^= static_cast<std::uint8_t>(p[i]);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline std::uint64_t read_le(const std::vector<char>& b, std::size_t at, std::size_t bytes) {
  if (at + bytes > b.size()) throw std::out_of_range("checkpoint_bytes: read past the end");
  std::uint64_t v = 0;
  for (std::size_t k = 0; k < bytes; ++k)
    v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(b[at + k])) << (8 * k);
  return v;
}
inline void write_le(std::vector<char>& b, std::size_t at, std::uint64_t v, std::size_t bytes) {
  for (std::size_t k = 0; k < bytes; ++k)
    b[at + k] = static_cast<char>(static_cast<std::uint8_t>(v >> (8 * k)));
}

// Recomputes the file CRC (the u32 before the 8-byte end marker) after a test changed other bytes, so
// that the reader gets past it to the check under test.
inline void fix_file_crc(std::vector<char>& b) {
  const std::size_t crc_at = b.size() - 12;
  write_le(b, crc_at, crc32(b.data(), crc_at), 4);
}

// The offset of the per-slice step counts in a version 2 file: after the header (24 bytes and the
// architecture string), epoch, step and seed, the RNG words, the optimiser name and its step count.
inline std::size_t slice_steps_offset(const std::vector<char>& b) {
  std::size_t at = 24;
  at += 4 + read_le(b, at, 4);      // architecture
  at += 24;                         // epoch, step, seed
  at += 4 + 8 * read_le(b, at, 4);  // RNG words
  at += 4 + read_le(b, at, 4);      // optimiser name
  return at + 8;                    // optimiser step count
}

// The same checkpoint as a version 1 file: without the per-slice step counts and the history.
inline std::vector<char> as_version_1(const std::vector<char>& v2) {
  if (read_le(v2, 8, 4) != 2) throw std::invalid_argument("as_version_1: not a version 2 checkpoint");
  const std::size_t begin = slice_steps_offset(v2);
  std::size_t at = begin;
  const std::uint64_t slices = read_le(v2, at, 4);
  at += 4;
  for (std::uint64_t k = 0; k < slices; ++k) at += 4 + read_le(v2, at, 4) + 8;
  const std::uint64_t records = read_le(v2, at, 4);
  at += 4;
  for (std::uint64_t k = 0; k < records; ++k) {
    at += 8 + 3 * 8;
    const std::uint64_t metrics = read_le(v2, at, 4);
    at += 4;
    for (std::uint64_t m = 0; m < metrics; ++m) at += 4 + read_le(v2, at, 4) + 8;
  }
  std::vector<char> v1(v2.begin(), v2.begin() + static_cast<std::ptrdiff_t>(begin));
  v1.insert(v1.end(), v2.begin() + static_cast<std::ptrdiff_t>(at), v2.end());
  write_le(v1, 8, 1, 4);
  fix_file_crc(v1);
  return v1;
}

}  // namespace sg_test
