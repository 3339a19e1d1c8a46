// Temporary file, fsync, rename, fsync of the folder: the sequence POSIX makes atomic and durable; and
// the clean-up of temporary files that crashed writers left.
#include "staticgrad/io/atomic_file.hpp"

#include <filesystem>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/std.h>

#include "staticgrad/core/error.hpp"

namespace sg {
namespace {

std::atomic<unsigned> temp_counter{0};

// The k of this process's temporary files that a write is using now (several threads may write).
std::mutex in_flight_mutex;
std::set<unsigned> in_flight;

bool is_in_flight(unsigned k) {
  std::lock_guard lock(in_flight_mutex);
  return in_flight.count(k) != 0;
}

// `text` as a decimal number of at most `max` (no sign, no leading '+', at least one digit).
std::optional<unsigned long long> decimal(std::string_view text, unsigned long long max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  unsigned long long v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const unsigned digit = static_cast<unsigned>(c - '0');
    if (v > (max - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

// Whether process `pid` exists (kill with signal 0 only checks; EPERM: it exists but is not ours).
bool process_running(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

[[noreturn]] void fail(const std::filesystem::path& path, const char* doing, int err) {
  throw io_error(fmt::format("cannot write {}: {} failed: {}", path, doing, std::strerror(err)));
}

// Closes the descriptor and removes the temporary file unless released: every early exit cleans up.
// Holds the file's k in `in_flight` while it lives, so that remove_stray_temporary_files leaves it alone.
struct TempFile {
  std::filesystem::path path;
  unsigned k = 0;
  int fd = -1;
  bool keep = false;
  explicit TempFile(unsigned counter) : k(counter) {
    std::lock_guard lock(in_flight_mutex);
    in_flight.insert(k);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!keep) ::unlink(path.c_str());
    std::lock_guard lock(in_flight_mutex);
    in_flight.erase(k);
  }
};

}  // namespace

void write_file_atomically(const std::string& path_name, std::span<const std::byte> bytes) {
  const std::filesystem::path path(path_name);
  std::filesystem::path folder = path.parent_path();
  if (folder.empty()) folder = ".";
  remove_stray_temporary_files(path);  // first: a crash may have left them because the disk was full
  TempFile temp(temp_counter++);
  temp.path = folder / fmt::format("{}.tmp-{}-{}", path.filename().string(), ::getpid(), temp.k);
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

std::vector<std::string> remove_stray_temporary_files(const std::string& path_name) {
  const std::filesystem::path path(path_name);
  std::vector<std::string> removed;
  std::filesystem::path folder = path.parent_path();
  if (folder.empty()) folder = ".";
  const std::string prefix = path.filename().string() + ".tmp-";
  const pid_t self = ::getpid();
  std::error_code ec;
  std::filesystem::directory_iterator it(folder, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string_view rest = std::string_view(name).substr(prefix.size());  // "<pid>-<k>"
    const std::size_t dash = rest.find('-');
    if (dash == std::string_view::npos) continue;
    const auto pid = decimal(rest.substr(0, dash), static_cast<unsigned long long>(INT_MAX));
    const auto k = decimal(rest.substr(dash + 1), std::numeric_limits<unsigned>::max());
    if (!pid || !k || *pid == 0) continue;
    const auto p = static_cast<pid_t>(*pid);
    const bool stray = p == self ? !is_in_flight(static_cast<unsigned>(*k)) : !process_running(p);
    std::error_code file_ec;
    if (stray && it->is_regular_file(file_ec) && ::unlink(it->path().c_str()) == 0)
      removed.push_back(it->path().string());
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

void write_file_atomically(const std::string& path, std::string_view text) {
  write_file_atomically(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace sg
