// staticgrad/data/augment.hpp - on-the-fly image augmentation of a training mini-batch.
//
// Applied to each training mini-batch as it is drawn, never to dev or test (they measure the data the
// model will meet). Apply it to pixels on their raw scale, before a Normalizer: a shifted pixel would
// otherwise carry the statistics of its old position. Every random choice for column j of the batch at
// training step `step` is a function of (seed, step, j) only, so the result is bit-identical whatever
// the thread count, and the same (seed, step) reproduces a run.
#pragma once

#include <cstddef>
#include <cstdint>

#include "staticgrad/core/matrix.hpp"

namespace sg::data {

// Augmentation: which transformations to draw for each image. All off by default.
struct Augmentation {
  bool horizontal_flip = false;    // mirror left-right with probability 1/2
  int max_shift = 0;               // shift by whole pixels, uniform in [-max_shift, max_shift] per axis
  float max_rotation_degrees = 0;  // rotate about the centre, uniform in [-max, max] degrees
  float noise_stddev = 0;          // add N(0, noise_stddev^2) to every pixel
  float fill = 0;                  // value of pixels moved in from outside the image
};

// Transforms each column of `batch_columns` (an image_rows x image_cols picture stored row by row) in
// place: flip, then rotation, then shift (one resampling, bilinear, so a pure flip or shift is exact),
// then noise. Columns are processed in parallel with OpenMP. Requires batch_columns.rows ==
// image_rows * image_cols (sg::shape_error), max_shift >= 0, and finite, non-negative rotation and noise
// (sg::numeric_error).
void augment_batch(sg::MatrixView<float> batch_columns, std::size_t image_rows, std::size_t image_cols,
                   const Augmentation& augmentation, std::uint64_t seed, std::uint64_t step);

}  // namespace sg::data
