// staticgrad/io/atomic_file.hpp - replace a file so that readers see the old or the new contents, never
// a mixture or a truncated file, even if the process or the machine dies half-way.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sg {

// Writes `bytes` to a new temporary file in the folder of `path` (named `<name>.tmp-<pid>-<k>`), flushes
// it to the disk (fsync), renames it over `path` and flushes the folder. Requires the folder to exist.
// Throws sg::io_error naming the path and the system's reason; on a throw the temporary file is removed
// and `path` is untouched. A crash leaves at most a stray `<name>.tmp-*` file beside an intact `path`;
// the next write of `path` removes it first (remove_stray_temporary_files).
void write_file_atomically(const std::string& path, std::span<const std::byte> bytes);

// The same for text (written byte for byte, no newline translation).
void write_file_atomically(const std::string& path, std::string_view text);

// Removes what crashed writers of `path` left behind: the files in its folder named exactly
// `<name>.tmp-<pid>-<k>` (decimal pid and k) whose process is not running, and those with this process's
// own pid that no write of this process is using (left by an earlier process that had the same pid, as
// in a container restarted after a crash). A file whose pid belongs to a running process is kept: that
// process may be writing it. Other names, and temporary files of other targets, are never touched.
// Never throws: a folder that cannot be read or a file that cannot be removed is skipped. Returns the
// files it removed, in name order. Pids are this machine's: a folder that processes on several machines
// write at once is outside what this can judge (such writers would already race for `path` itself).
std::vector<std::string> remove_stray_temporary_files(const std::string& path);

}  // namespace sg
