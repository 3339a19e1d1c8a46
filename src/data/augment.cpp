// Image augmentation: one inverse-mapped, bilinear resampling per image for flip + rotation + shift,
// then Gaussian noise, all drawn from sg::random keyed by (seed, step, column).
#include "staticgrad/data/augment.hpp"

#include <fmt/core.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "staticgrad/core/error.hpp"
#include "staticgrad/core/random.hpp"

namespace sg::data {

namespace {

// The draws of one image, and the stream its noise comes from.
struct Draw {
  bool flip = false;
  double dx = 0, dy = 0;  // shift in pixels (columns, rows)
  double angle = 0;       // radians
  std::uint64_t key = 0;
};

Draw draw_for(const Augmentation& a, std::uint64_t seed, std::uint64_t step, std::size_t column) {
  namespace rnd = sg::random;
  Draw d;
  // One key per (seed, step, column); the individual draws are indices 0..3 under it.
  d.key = rnd::bits(seed, rnd::stream_id("sg.data.augment", step), column);
  if (a.horizontal_flip) d.flip = rnd::uniform(d.key, 0, 0) < 0.5;
  if (a.max_shift > 0) {
    const auto span = static_cast<std::uint64_t>(2 * a.max_shift + 1);
    d.dx = static_cast<double>(static_cast<std::int64_t>(rnd::below(span, d.key, 0, 1)) - a.max_shift);
    d.dy = static_cast<double>(static_cast<std::int64_t>(rnd::below(span, d.key, 0, 2)) - a.max_shift);
  }
  if (a.max_rotation_degrees > 0)
    d.angle = (2.0 * rnd::uniform(d.key, 0, 3) - 1.0) * a.max_rotation_degrees * std::numbers::pi / 180.0;
  return d;
}

// Output pixel (r, c) takes the source image at the point that the forward transform (flip, rotate about
// the centre, shift) carries onto it: apply the inverse to (r, c) and sample there, bilinearly.
void resample(const float* source, float* out, std::size_t rows, std::size_t cols, const Draw& d,
              float fill) {
  const double cy = (static_cast<double>(rows) - 1) / 2, cx = (static_cast<double>(cols) - 1) / 2;
  const double cos_a = std::cos(d.angle), sin_a = std::sin(d.angle);
  const auto pixel = [&](std::ptrdiff_t r, std::ptrdiff_t c) -> double {
    if (r < 0 || c < 0 || r >= static_cast<std::ptrdiff_t>(rows) || c >= static_cast<std::ptrdiff_t>(cols))
      return fill;
    return source[static_cast<std::size_t>(r) * cols + static_cast<std::size_t>(c)];
  };
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      // Undo the shift, then the rotation (by -angle), then the flip; coordinates relative to the centre.
      const double y = static_cast<double>(r) - d.dy - cy, x = static_cast<double>(c) - d.dx - cx;
      const double yr = cos_a * y - sin_a * x;
      double xr = sin_a * y + cos_a * x;
      if (d.flip) xr = -xr;
      const double sy = yr + cy, sx = xr + cx;
      const double fy = std::floor(sy), fx = std::floor(sx);
      const double ty = sy - fy, tx = sx - fx;
      const auto r0 = static_cast<std::ptrdiff_t>(fy), c0 = static_cast<std::ptrdiff_t>(fx);
      double v;
      if (ty == 0 && tx == 0) {
        v = pixel(r0, c0);  // exact for flips and whole-pixel shifts
      } else {
        v = (1 - ty) * ((1 - tx) * pixel(r0, c0) + tx * pixel(r0, c0 + 1)) +
            ty * ((1 - tx) * pixel(r0 + 1, c0) + tx * pixel(r0 + 1, c0 + 1));
      }
      out[r * cols + c] = static_cast<float>(v);
    }
  }
}

}  // namespace

void augment_batch(sg::MatrixView<float> batch_columns, std::size_t image_rows, std::size_t image_cols,
                   const Augmentation& augmentation, std::uint64_t seed, std::uint64_t step) {
  const Augmentation& a = augmentation;
  if (batch_columns.rows != image_rows * image_cols)
    throw sg::shape_error(fmt::format("augment_batch: {} x {} = {} features per column expected, found {}",
                                      image_rows, image_cols, image_rows * image_cols, batch_columns.rows));
  if (a.max_shift < 0)
    throw sg::shape_error(fmt::format("augment_batch: max_shift >= 0 expected, found {}", a.max_shift));
  if (!std::isfinite(a.max_rotation_degrees) || a.max_rotation_degrees < 0)
    throw sg::numeric_error(fmt::format(
        "augment_batch: a finite max_rotation_degrees >= 0 expected, found {}", a.max_rotation_degrees));
  if (!std::isfinite(a.noise_stddev) || a.noise_stddev < 0)
    throw sg::numeric_error(
        fmt::format("augment_batch: a finite noise_stddev >= 0 expected, found {}", a.noise_stddev));
  if (!std::isfinite(a.fill))
    throw sg::numeric_error(fmt::format("augment_batch: a finite fill expected, found {}", a.fill));

  const bool geometric = a.horizontal_flip || a.max_shift > 0 || a.max_rotation_degrees > 0;
  const std::size_t n = batch_columns.rows;
  const auto m = static_cast<std::ptrdiff_t>(batch_columns.cols);
#pragma omp parallel
  {
    std::vector<float> original(geometric ? n : 0);  // one scratch image per thread
#pragma omp for schedule(static)
    for (std::ptrdiff_t jj = 0; jj < m; ++jj) {
      const auto j = static_cast<std::size_t>(jj);
      float* column = batch_columns.column(j);
      const Draw d = draw_for(a, seed, step, j);
      if (geometric && (d.flip || d.dx != 0 || d.dy != 0 || d.angle != 0)) {
        std::copy(column, column + n, original.begin());
        resample(original.data(), column, image_rows, image_cols, d, a.fill);
      }
      if (a.noise_stddev > 0)
        for (std::size_t k = 0; k < n; ++k)
          column[k] += static_cast<float>(a.noise_stddev * sg::random::normal(d.key, 1, k));
    }
  }
}

}  // namespace sg::data
