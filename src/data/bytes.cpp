// Whole-file reads and gzip inflation (zlib) for the data readers.
#include "staticgrad/data/bytes.hpp"

#include <fmt/core.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>

#include "staticgrad/core/error.hpp"

namespace sg::data {

bool is_gzip(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

namespace {

struct InflateStream {
  z_stream s{};
  bool open = false;
  ~InflateStream() {
    if (open) inflateEnd(&s);
  }
};

}  // namespace

std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> bytes, std::string_view name,
                                 std::size_t max_output) {
  InflateStream z;
  // 15 + 16: a gzip wrapper only; zlib checks each member's header, CRC-32 and length.
  if (inflateInit2(&z.s, 15 + 16) != Z_OK) throw sg::format_error(fmt::format("{}: zlib cannot start", name));
  z.open = true;

  // One byte of room beyond max_output tells "exactly max_output" from "more than max_output".
  const std::size_t limit =
      max_output == std::numeric_limits<std::size_t>::max() ? max_output : max_output + 1;
  constexpr std::size_t chunk = std::size_t{1} << 20;
  constexpr std::size_t max_step = std::numeric_limits<uInt>::max();
  std::vector<std::uint8_t> out;
  std::size_t produced = 0;
  std::size_t consumed = 0;  // compressed bytes fed to zlib so far, over all members
  std::size_t member_start = 0;
  for (;;) {
    if (produced == out.size()) out.resize(std::min(limit, std::max(chunk, out.size() * 2)));
    z.s.next_in = const_cast<Bytef*>(bytes.data() + consumed);
    z.s.avail_in = static_cast<uInt>(std::min(bytes.size() - consumed, max_step));
    z.s.next_out = out.data() + produced;
    z.s.avail_out = static_cast<uInt>(std::min(out.size() - produced, max_step));
    const uInt in_before = z.s.avail_in, out_before = z.s.avail_out;
    const int rc = inflate(&z.s, Z_NO_FLUSH);
    consumed += in_before - z.s.avail_in;
    produced += out_before - z.s.avail_out;
    if (produced > max_output)
      throw sg::format_error(
          fmt::format("{}: byte {} (compressed): at most {} inflated bytes expected, found more", name,
                      consumed, max_output));
    if (rc == Z_OK) continue;
    if (rc == Z_STREAM_END) {
      if (consumed == bytes.size()) break;
      const auto rest = bytes.subspan(consumed);
      if (!is_gzip(rest))
        throw sg::format_error(
            fmt::format("{}: byte {} (compressed): end of file or another gzip member expected after the "
                        "member at byte {}, "
                        "found {} more bytes starting 0x{:02x}",
                        name, consumed, member_start, rest.size(), rest[0]));
      member_start = consumed;
      inflateReset(&z.s);
      continue;
    }
    // Z_BUF_ERROR: no progress was possible. Output room was offered, so the input ran out.
    if (rc == Z_BUF_ERROR && consumed == bytes.size())
      throw sg::format_error(fmt::format(
          "{}: byte {} (compressed): the rest of the gzip stream expected, found end of file (truncated)",
          name, consumed));
    const char* why = z.s.msg ? z.s.msg : (rc == Z_MEM_ERROR ? "out of memory" : "corrupt data");
    throw sg::format_error(fmt::format(
        "{}: byte {} (compressed): valid gzip data expected, found corrupt data ({})", name, consumed, why));
  }
  out.resize(produced);
  return out;
}

std::vector<std::uint8_t> read_file_bytes(const std::string& path_name, std::size_t max_output) {
  const std::filesystem::path path(path_name);
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  errno = 0;
  std::unique_ptr<std::FILE, Closer> f(std::fopen(path.c_str(), "rb"));
  if (!f)
    throw sg::io_error(fmt::format("{}: cannot open for reading: {}", path.string(), std::strerror(errno)));
  std::vector<std::uint8_t> bytes;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec) bytes.reserve(static_cast<std::size_t>(size));
  std::uint8_t buffer[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, f.get());
    bytes.insert(bytes.end(), buffer, buffer + n);
    if (n < sizeof buffer) break;
  }
  if (std::ferror(f.get()))
    throw sg::io_error(
        fmt::format("{}: read failed after byte {}: {}", path.string(), bytes.size(), std::strerror(errno)));
  if (is_gzip(bytes)) return gunzip(bytes, path.string(), max_output);
  return bytes;
}

}  // namespace sg::data
