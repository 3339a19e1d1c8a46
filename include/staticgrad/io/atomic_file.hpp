// staticgrad/io/atomic_file.hpp - replace a file so that readers see the old or the new contents, never
// a mixture or a truncated file, even if the process or the machine dies half-way.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>

namespace sg {

// Writes `bytes` to a new temporary file in the folder of `path` (named `<name>.tmp-<pid>-<k>`), flushes
// it to the disk (fsync), renames it over `path` and flushes the folder. Requires the folder to exist.
// Throws sg::io_error naming the path and the system's reason; on a throw the temporary file is removed
// and `path` is untouched. A crash leaves at most a stray `<name>.tmp-*` file beside an intact `path`.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes);

// The same for text (written byte for byte, no newline translation).
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace sg
