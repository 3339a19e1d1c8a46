// Dataset invariants, subsets and concatenation.
#include "staticgrad/data/dataset.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "staticgrad/core/error.hpp"

namespace sg::data {

void validate(const Dataset& ds, std::string_view name) {
  if (ds.labels.size() != ds.x.cols())
    throw sg::shape_error(fmt::format("{}: one label per sample expected ({} samples), found {} labels", name,
                                      ds.x.cols(), ds.labels.size()));
  if ((ds.image_rows != 0 || ds.image_cols != 0) && ds.image_rows * ds.image_cols != ds.x.rows())
    throw sg::shape_error(fmt::format("{}: {} x {} images expected to have {} features, found {}", name,
                                      ds.image_rows, ds.image_cols, ds.image_rows * ds.image_cols,
                                      ds.x.rows()));
  for (std::size_t j = 0; j < ds.labels.size(); ++j)
    if (ds.labels[j] < 0 || static_cast<std::size_t>(ds.labels[j]) >= ds.num_classes)
      throw sg::format_error(fmt::format("{}: sample {}: class label in [0, {}) expected, found {}", name, j,
                                         ds.num_classes, ds.labels[j]));
  for (std::size_t j = 0; j < ds.x.cols(); ++j)
    for (std::size_t i = 0; i < ds.x.rows(); ++i)
      if (!std::isfinite(ds.x(i, j)))
        throw sg::numeric_error(fmt::format("{}: sample {}, feature {}: a finite value expected, found {}",
                                            name, j, i, ds.x(i, j)));
}

Dataset subset(const Dataset& ds, std::span<const std::size_t> indices) {
  Dataset out;
  out.num_classes = ds.num_classes;
  out.image_rows = ds.image_rows;
  out.image_cols = ds.image_cols;
  const std::size_t n = ds.features();
  out.x.resize(n, indices.size());
  out.labels.resize(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const std::size_t j = indices[k];
    if (j >= ds.size())
      throw sg::shape_error(fmt::format(
          "subset: position {}: an index below {} (the sample count) expected, found {}", k, ds.size(), j));
    if (n) std::memcpy(out.x.data() + k * n, ds.x.data() + j * n, n * sizeof(float));
    out.labels[k] = ds.labels[j];
  }
  return out;
}

Dataset concatenate(const Dataset& a, const Dataset& b) {
  if (a.features() != b.features() || a.image_rows != b.image_rows || a.image_cols != b.image_cols)
    throw sg::shape_error(
        fmt::format("concatenate: the same features expected on both sides, found {} ({} x {} images) and {} "
                    "({} x {} images)",
                    a.features(), a.image_rows, a.image_cols, b.features(), b.image_rows, b.image_cols));
  Dataset out;
  out.num_classes = std::max(a.num_classes, b.num_classes);
  out.image_rows = a.image_rows;
  out.image_cols = a.image_cols;
  out.x.resize(a.features(), a.size() + b.size());
  if (a.x.size()) std::memcpy(out.x.data(), a.x.data(), a.x.size() * sizeof(float));
  if (b.x.size()) std::memcpy(out.x.data() + a.x.size(), b.x.data(), b.x.size() * sizeof(float));
  out.labels = a.labels;
  out.labels.insert(out.labels.end(), b.labels.begin(), b.labels.end());
  return out;
}

}  // namespace sg::data
