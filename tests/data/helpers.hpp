// tests/data/helpers.hpp - small generated files for the data and eval tests: IDX images and labels,
// gzip without zlib (stored blocks, so the tests do not depend on how zlib compresses), temporary
// folders, and a check that an exception has the expected type and message.
#pragma once

#include <boost/test/unit_test.hpp>

#include <unistd.h>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace sg::test {

using Bytes = std::vector<std::uint8_t>;

inline void put_u32(Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

// An IDX image file of n images of rows x cols; pixel k of image j is (j * 31 + k * 7) % 256.
inline Bytes idx_images(std::uint32_t n, std::uint32_t rows, std::uint32_t cols) {
  Bytes b;
  put_u32(b, 0x00000803);
  put_u32(b, n);
  put_u32(b, rows);
  put_u32(b, cols);
  for (std::uint32_t j = 0; j < n; ++j)
    for (std::uint32_t k = 0; k < rows * cols; ++k)
      b.push_back(static_cast<std::uint8_t>((j * 31 + k * 7) % 256));
  return b;
}

inline std::uint8_t idx_pixel(std::size_t j, std::size_t k) {
  return static_cast<std::uint8_t>((j * 31 + k * 7) % 256);
}

inline Bytes idx_labels(std::initializer_list<std::uint8_t> labels) {
  Bytes b;
  put_u32(b, 0x00000801);
  put_u32(b, static_cast<std::uint32_t>(labels.size()));
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

inline std::uint32_t crc32(const Bytes& data) {
  std::uint32_t c = 0xffffffffu;
  for (std::uint8_t byte : data) {
    c ^= byte;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

// A one-member gzip file holding `data` in stored (uncompressed) deflate blocks of at most `block` bytes.
inline Bytes gzip_stored(const Bytes& data, std::size_t block = 65535) {
  Bytes g = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  std::size_t at = 0;
  do {
    const std::size_t n = std::min(block, data.size() - at);
    const bool last = at + n == data.size();
    g.push_back(last ? 1 : 0);
    g.push_back(static_cast<std::uint8_t>(n));
    g.push_back(static_cast<std::uint8_t>(n >> 8));
    g.push_back(static_cast<std::uint8_t>(~n));
    g.push_back(static_cast<std::uint8_t>(~n >> 8));
    g.insert(g.end(), data.begin() + static_cast<std::ptrdiff_t>(at),
             data.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  } while (at < data.size());
  const std::uint32_t crc = crc32(data), size = static_cast<std::uint32_t>(data.size());
  for (int s = 0; s < 32; s += 8) g.push_back(static_cast<std::uint8_t>(crc >> s));
  for (int s = 0; s < 32; s += 8) g.push_back(static_cast<std::uint8_t>(size >> s));
  return g;
}

// A folder removed (with its contents) when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("staticgrad-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline std::filesystem::path write_file(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

inline std::filesystem::path write_text(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return path;
}

// The message of the E that f() throws; a test failure (and "") when it throws nothing or another type.
template <class E, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    BOOST_ERROR("another exception type than expected: " << e.what());
    return {};
  }
  BOOST_ERROR("no exception thrown");
  return {};
}

}  // namespace sg::test
