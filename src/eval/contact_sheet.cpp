// Contact sheets: tiles laid out in a grid, written as a grey PNG with libpng.
#include "staticgrad/eval/contact_sheet.hpp"

#include <fmt/core.h>
#include <png.h>

#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "staticgrad/core/error.hpp"

namespace sg::eval {

GreyImage contact_sheet(sg::MatrixView<const float> x, std::span<const std::size_t> indices,
                        std::size_t image_rows, std::size_t image_cols, const ContactSheetOptions& o) {
  if (x.rows != image_rows * image_cols || image_rows == 0 || image_cols == 0)
    throw sg::shape_error(
        fmt::format("contact_sheet: {} x {} images ({} features) expected, found {} features", image_rows,
                    image_cols, image_rows * image_cols, x.rows));
  if (o.columns == 0 || o.scale == 0)
    throw sg::shape_error(fmt::format("contact_sheet: columns >= 1 and scale >= 1 expected, found {} and {}",
                                      o.columns, o.scale));
  if (!(o.black < o.white))
    throw sg::shape_error(
        fmt::format("contact_sheet: black < white expected, found {} and {}", o.black, o.white));
  for (std::size_t k = 0; k < indices.size(); ++k)
    if (indices[k] >= x.cols)
      throw sg::shape_error(
          fmt::format("contact_sheet: position {}: an index below {} (the sample count) expected, found {}",
                      k, x.cols, indices[k]));

  const std::size_t tile_w = image_cols * o.scale, tile_h = image_rows * o.scale;
  const std::size_t grid_cols = indices.empty() ? 1 : std::min(o.columns, indices.size());
  const std::size_t grid_rows = indices.empty() ? 1 : (indices.size() + o.columns - 1) / o.columns;
  GreyImage img;
  img.width = grid_cols * tile_w + (grid_cols + 1) * o.padding;
  img.height = grid_rows * tile_h + (grid_rows + 1) * o.padding;
  if (indices.empty()) img.width = img.height = std::max<std::size_t>(1, 2 * o.padding);
  img.pixels.assign(img.width * img.height, o.background);

  const double span = static_cast<double>(o.white) - static_cast<double>(o.black);
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const float* image = x.column(indices[k]);
    const std::size_t left = o.padding + (k % o.columns) * (tile_w + o.padding);
    const std::size_t top = o.padding + (k / o.columns) * (tile_h + o.padding);
    for (std::size_t r = 0; r < tile_h; ++r)
      for (std::size_t c = 0; c < tile_w; ++c) {
        const float v = image[(r / o.scale) * image_cols + c / o.scale];
        const double t =
            std::isnan(v) ? 0.0 : std::clamp((v - static_cast<double>(o.black)) / span, 0.0, 1.0);
        img.pixels[(top + r) * img.width + left + c] = static_cast<std::uint8_t>(std::lround(255.0 * t));
      }
  }
  return img;
}

namespace {

// libpng's error message, copied out before it longjmps.
struct PngFailure {
  char message[256];
};

extern "C" void on_png_error(png_structp png, png_const_charp text) {
  auto* failure = static_cast<PngFailure*>(png_get_error_ptr(png));
  std::snprintf(failure->message, sizeof failure->message, "%s", text ? text : "libpng error");
  png_longjmp(png, 1);
}

extern "C" void on_png_warning(png_structp, png_const_charp) {}

// libpng reports errors by longjmp: this function holds no object with a destructor, so a jump skips no
// clean-up. Returns false with failure.message set when libpng failed.
bool write_png(std::FILE* file, const GreyImage& img, PngFailure& failure) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure, on_png_error, on_png_warning);
  if (!png) {
    std::snprintf(failure.message, sizeof failure.message, "libpng could not start");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_write_struct(&png, nullptr);
    std::snprintf(failure.message, sizeof failure.message, "libpng could not start");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, static_cast<png_uint_32>(img.width), static_cast<png_uint_32>(img.height), 8,
               PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (std::size_t r = 0; r < img.height; ++r) png_write_row(png, img.pixels.data() + r * img.width);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

void write_contact_sheet_png(const std::string& path_name, sg::MatrixView<const float> x,
                             std::span<const std::size_t> indices, std::size_t image_rows,
                             std::size_t image_cols, const ContactSheetOptions& options) {
  const std::filesystem::path path(path_name);
  const GreyImage img = contact_sheet(x, indices, image_rows, image_cols, options);
  if (img.width > 0x7fffffff || img.height > 0x7fffffff)
    throw sg::shape_error(fmt::format("{}: a PNG at most 2^31-1 pixels wide and high expected, found {} x {}",
                                      path.string(), img.width, img.height));
  // The temporary name is unique per process, so two programs writing the same sheet do not collide.
  std::filesystem::path temporary = path;
  temporary += fmt::format(".tmp{}", static_cast<long>(::getpid()));
  errno = 0;
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (!file)
    throw sg::io_error(
        fmt::format("{}: cannot open for writing: {}", temporary.string(), std::strerror(errno)));
  PngFailure failure{};
  const bool written = write_png(file, img, failure);
  const bool flushed = std::fflush(file) == 0;
  const int saved_errno = errno;
  const bool closed = std::fclose(file) == 0;
  std::error_code ec;
  if (!written || !flushed || !closed) {
    std::filesystem::remove(temporary, ec);
    throw sg::io_error(fmt::format("{}: cannot write the PNG: {}", path.string(),
                                   !written ? failure.message : std::strerror(saved_errno)));
  }
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw sg::io_error(
        fmt::format("{}: cannot rename {} over it: {}", path.string(), temporary.string(), ec.message()));
  }
}

void write_contact_sheet_png(const std::string& path, const sg::data::Dataset& ds,
                             std::span<const std::size_t> indices, const ContactSheetOptions& options) {
  if (ds.image_rows == 0 || ds.image_cols == 0)
    throw sg::shape_error(
        fmt::format("{}: a data set of images expected, found one without image extents", path));
  write_contact_sheet_png(path, ds.x.view(), indices, ds.image_rows, ds.image_cols, options);
}

}  // namespace sg::eval
