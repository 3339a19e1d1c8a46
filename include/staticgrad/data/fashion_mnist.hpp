// staticgrad/data/fashion_mnist.hpp - the default data set: Fashion-MNIST as Debian packages it.
//
// Debian's `dataset-fashion-mnist` installs the four IDX files (gzip) in /usr/share/datasets/fashion-mnist/.
// 60000 training and 10000 test images of 28 x 28 grey pixels in 10 classes of clothing.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "staticgrad/data/dataset.hpp"

namespace sg::data {

// Where Debian installs the data set.
inline constexpr std::string_view fashion_mnist_default_dir = "/usr/share/datasets/fashion-mnist";

// The directory holding the four Fashion-MNIST files (each as `name` or `name.gz`): `dir` when given
// (and nothing else), otherwise $STATICGRAD_FASHION_MNIST when set, then fashion_mnist_default_dir.
// Empty when none holds all four.
std::optional<std::string> find_fashion_mnist(std::optional<std::string> dir = {});

// FashionMnist: the standard split, pixels in [0, 1], num_classes 10, 28 x 28 images.
struct FashionMnist {
  Dataset train, test;
};

// Loads the data set found by find_fashion_mnist(dir). Throws sg::io_error, saying where it looked and
// `apt-get install dataset-fashion-mnist`, when it is absent; reader errors pass through.
FashionMnist load_fashion_mnist(std::optional<std::string> dir = {});

// The class names, by label: "T-shirt/top", "Trouser", ..., "Ankle boot".
const std::array<std::string_view, 10>& fashion_mnist_class_names();

}  // namespace sg::data
