// Locating and loading Debian's Fashion-MNIST.
#include "staticgrad/data/fashion_mnist.hpp"

#include <fmt/core.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "staticgrad/core/error.hpp"
#include "staticgrad/data/idx.hpp"

namespace sg::data {

namespace {

constexpr std::array<std::string_view, 4> file_names = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

// `dir/name.gz` or `dir/name`, whichever exists (gzip preferred: it is what Debian installs).
std::optional<std::filesystem::path> locate(const std::filesystem::path& dir, std::string_view name) {
  std::error_code ec;
  for (const auto& candidate : {dir / (std::string(name) + ".gz"), dir / std::string(name)})
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  return std::nullopt;
}

bool holds_all(const std::filesystem::path& dir) {
  for (auto name : file_names)
    if (!locate(dir, name)) return false;
  return true;
}

std::vector<std::filesystem::path> search_path(const std::optional<std::string>& dir) {
  if (dir) return {std::filesystem::path(*dir)};
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("STATICGRAD_FASHION_MNIST"); env && *env) dirs.emplace_back(env);
  dirs.emplace_back(fashion_mnist_default_dir);
  return dirs;
}

}  // namespace

std::optional<std::string> find_fashion_mnist(std::optional<std::string> dir) {
  for (const auto& d : search_path(dir))
    if (holds_all(d)) return d.string();
  return std::nullopt;
}

FashionMnist load_fashion_mnist(std::optional<std::string> dir) {
  const auto found = find_fashion_mnist(dir);
  if (!found) {
    std::string looked;
    for (const auto& d : search_path(dir))
      looked += fmt::format("{}{}", looked.empty() ? "" : ", ", d.string());
    throw sg::io_error(
        fmt::format("Fashion-MNIST not found: the four files {}, {}, {} and {} (each plain or .gz) expected "
                    "in {}, found none "
                    "or only some. Install Debian's copy with `apt-get install dataset-fashion-mnist`, or "
                    "pass the directory "
                    "(or set STATICGRAD_FASHION_MNIST) where you keep the files.",
                    file_names[0], file_names[1], file_names[2], file_names[3], looked));
  }
  const auto path = [&](std::size_t k) { return locate(*found, file_names[k])->string(); };
  constexpr std::size_t classes = 10;
  return FashionMnist{read_idx(path(0), path(1), classes), read_idx(path(2), path(3), classes)};
}

const std::array<std::string_view, 10>& fashion_mnist_class_names() {
  static constexpr std::array<std::string_view, 10> names = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace sg::data
