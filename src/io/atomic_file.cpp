// Temporary file, fsync, rename, fsync of the folder: the sequence POSIX makes atomic and durable.
#include "staticgrad/io/atomic_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/std.h>

#include "staticgrad/core/error.hpp"

namespace sg {
namespace {

std::atomic<unsigned> temp_counter{0};

[[noreturn]] void fail(const std::filesystem::path& path, const char* doing, int err) {
  throw io_error(fmt::format("cannot write {}: {} failed: {}", path, doing, std::strerror(err)));
}

// Closes the descriptor and removes the temporary file unless released: every early exit cleans up.
struct TempFile {
  std::filesystem::path path;
  int fd = -1;
  bool keep = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!keep) ::unlink(path.c_str());
  }
};

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  std::filesystem::path folder = path.parent_path();
  if (folder.empty()) folder = ".";
  TempFile temp;
  temp.path = folder / fmt::format("{}.tmp-{}-{}", path.filename().string(), ::getpid(), temp_counter++);
  temp.fd = ::open(temp.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (temp.fd < 0) {
    temp.keep = true;  // nothing was created (or it is someone else's file)
    fail(path, "creating a temporary file in its folder", errno);
  }
  const std::byte* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(temp.fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, "writing", errno);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(temp.fd) != 0) fail(path, "fsync", errno);
  const int fd = temp.fd;
  temp.fd = -1;
  if (::close(fd) != 0) fail(path, "closing", errno);
  if (::rename(temp.path.c_str(), path.c_str()) != 0) fail(path, "renaming the temporary file", errno);
  temp.keep = true;
  // Make the rename itself durable. A failure here is not reported: the new contents are in place and
  // some file systems do not support fsync on a folder.
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  write_file_atomically(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace sg
