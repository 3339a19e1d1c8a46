// staticgrad/eval/contact_sheet.hpp - many small images on one PNG, so that a person can look at the
// misclassified examples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "staticgrad/core/matrix.hpp"
#include "staticgrad/data/dataset.hpp"

namespace sg::eval {

// ContactSheetOptions: layout and the value range mapped to black..white.
struct ContactSheetOptions {
  std::size_t columns = 10;  // tiles per row of the sheet
  std::size_t scale = 2;     // each pixel drawn as scale x scale
  std::size_t padding = 2;   // pixels of `background` between and around tiles
  float black = 0.0f;        // this value and below are drawn black
  float white = 1.0f;        // this value and above are drawn white
  std::uint8_t background = 128;
};

// GreyImage: 8-bit grey pixels, row by row.
struct GreyImage {
  std::size_t width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // width * height
};

// The sheet as pixels: tile k (left to right, top to bottom) shows column indices[k] of `x` as an
// image_rows x image_cols picture stored row by row. Requires x.rows == image_rows * image_cols,
// indices below x.cols and columns, scale >= 1, black < white (sg::shape_error otherwise). NaN is drawn
// black. An empty `indices` gives a sheet of padding only.
GreyImage contact_sheet(sg::MatrixView<const float> x, std::span<const std::size_t> indices,
                        std::size_t image_rows, std::size_t image_cols,
                        const ContactSheetOptions& options = {});

// Writes contact_sheet(...) as an 8-bit grey PNG (libpng). The file is written beside `path` under a
// temporary name and renamed over it when complete, so a reader never sees half a file. Throws
// sg::io_error naming the file when it cannot be written.
void write_contact_sheet_png(const std::string& path, sg::MatrixView<const float> x,
                             std::span<const std::size_t> indices, std::size_t image_rows,
                             std::size_t image_cols, const ContactSheetOptions& options = {});
// The same for an image Dataset (its image extents; sg::shape_error when it holds no images).
void write_contact_sheet_png(const std::string& path, const sg::data::Dataset& ds,
                             std::span<const std::size_t> indices, const ContactSheetOptions& options = {});

}  // namespace sg::eval
