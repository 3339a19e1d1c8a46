// staticgrad/train/feed.hpp - how a mini-batch of a data set reaches a model's inputs.
//
// A feed knows the number of samples and binds the samples at given indices to the model:
//   std::size_t size() const;
//   void bind(Model& model, std::span<const std::size_t> indices, bool training, std::uint64_t step);
// (`step` is the global training step: it keys the random augmentation, so a resumed run repeats it).
// `ClassificationFeed` is the common case: features gathered column by column straight into a buffer
// the feed owns (planned once at the largest batch, so no allocation per step) and bound to input
// "x"; labels written to input "y" as one-hot columns (or as 0/1 when "y" has a single row, for
// binary classification). In training it can augment images on the fly (never in evaluation).
// Write your own feed for other inputs (multi-task labels with a mask, several input streams).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <fmt/core.h>

#include "staticgrad/core/error.hpp"
#include "staticgrad/core/fixed_string.hpp"
#include "staticgrad/core/matrix.hpp"
#include "staticgrad/core/parallel.hpp"
#include "staticgrad/data/augment.hpp"
#include "staticgrad/data/dataset.hpp"

namespace sg {

template <class T, fixed_string XName = "x", fixed_string YName = "y">
class ClassificationFeed {
 public:
  // `data` must outlive the feed.
  explicit ClassificationFeed(const data::Dataset& data, std::optional<data::Augmentation> augmentation = {},
                              std::uint64_t augmentation_seed = 0)
      : data_(&data), augmentation_(augmentation), augmentation_seed_(augmentation_seed) {}

  std::size_t size() const { return data_->size(); }
  const data::Dataset& dataset() const { return *data_; }

  template <class Model>
  void bind(Model& model, std::span<const std::size_t> indices, bool training, std::uint64_t step = 0) {
    const std::size_t n = data_->features(), m = indices.size();
    x_.resize(n, m);
    const float* src = data_->x.data();
    T* dst = x_.data();
    parallel::for_each_index(m, n, [&](std::size_t j) {
      const float* column = src + indices[j] * n;
      std::copy(column, column + n, dst + j * n);
    });
    if (training && augmentation_) {
      if constexpr (std::is_same_v<T, float>)
        data::augment_batch(x_.view(), data_->image_rows, data_->image_cols, *augmentation_, augmentation_seed_,
                            step);
      else
        throw error("staticgrad: image augmentation needs a float model");
    }
    model.template bind<XName>(ConstView<T>(x_.view()));
    if constexpr (Model::template has_input<YName>()) bind_labels(model, indices);
  }

 private:
  template <class Model>
  void bind_labels(Model& model, std::span<const std::size_t> indices) {
    constexpr std::size_t rows = Model::template input_rows<YName>();
    const std::size_t m = indices.size();
    y_.resize(rows, m);
    y_.fill(T(0));
    for (std::size_t j = 0; j < m; ++j) {
      const auto label = static_cast<std::size_t>(data_->labels[indices[j]]);
      if constexpr (rows == 1) {
        y_(0, j) = static_cast<T>(label);  // binary classification: the label is the target
      } else {
        if (label >= rows)
          throw shape_error(fmt::format("staticgrad: label {} of sample {} does not fit the {} rows of input \"{}\"",
                                        label, indices[j], rows, YName.view()));
        y_(label, j) = T(1);
      }
    }
    model.template bind<YName>(ConstView<T>(y_.view()));
  }

  const data::Dataset* data_;
  std::optional<data::Augmentation> augmentation_;
  std::uint64_t augmentation_seed_;
  Matrix<T> x_, y_;
};

}  // namespace sg
