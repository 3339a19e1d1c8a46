// Augmentation: each transformation's effect, determinism by (seed, step, column), thread independence.
#include <boost/test/unit_test.hpp>

#include <omp.h>
#include <cmath>

#include "data/helpers.hpp"
#include "staticgrad/core/error.hpp"
#include "staticgrad/data/augment.hpp"

namespace {

constexpr std::size_t rows = 5, cols = 6;

// m copies of a 5 x 6 image whose pixel (r, c) is 10 r + c + 1 (all distinct, none equal to the fill 0).
sg::Matrix<float> batch(std::size_t m) {
  sg::Matrix<float> x(rows * cols, m);
  for (std::size_t j = 0; j < m; ++j)
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) x(r * cols + c, j) = static_cast<float>(10 * r + c + 1);
  return x;
}

float at(const sg::Matrix<float>& x, std::size_t j, std::ptrdiff_t r, std::ptrdiff_t c) {
  return x(static_cast<std::size_t>(r) * cols + static_cast<std::size_t>(c), j);
}

bool equal(const sg::Matrix<float>& a, const sg::Matrix<float>& b) {
  for (std::size_t k = 0; k < a.size(); ++k)
    if (std::memcmp(&a[k], &b[k], sizeof(float)) != 0) return false;
  return a.size() == b.size();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(augment)

BOOST_AUTO_TEST_CASE(nothing_enabled_changes_nothing) {
  auto x = batch(8);
  sg::data::augment_batch(x, rows, cols, {}, 1, 0);
  BOOST_TEST(equal(x, batch(8)));
}

BOOST_AUTO_TEST_CASE(flip_mirrors_about_half_of_the_images_exactly) {
  auto x = batch(400);
  sg::data::augment_batch(x, rows, cols, {.horizontal_flip = true}, 3, 0);
  const auto original = batch(1);
  std::size_t flipped = 0;
  for (std::size_t j = 0; j < x.cols(); ++j) {
    bool same = true, mirrored = true;
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c) {
        const float v = x(r * cols + c, j);
        same = same && v == original(r * cols + c, 0);
        mirrored = mirrored && v == original(r * cols + (cols - 1 - c), 0);
      }
    BOOST_TEST((same || mirrored));
    flipped += mirrored;
  }
  BOOST_TEST(flipped > 160u);  // 200 expected
  BOOST_TEST(flipped < 240u);
}

BOOST_AUTO_TEST_CASE(shift_moves_by_whole_pixels_and_fills) {
  auto x = batch(300);
  sg::data::augment_batch(x, rows, cols, {.max_shift = 1, .fill = -1.0f}, 5, 2);
  std::size_t moved = 0;
  for (std::size_t j = 0; j < x.cols(); ++j) {
    // Find the shift from where pixel (2, 2) (value 23) went, then check the whole image.
    std::ptrdiff_t dr = 99, dc = 99;
    for (std::ptrdiff_t r = 1; r <= 3; ++r)
      for (std::ptrdiff_t c = 1; c <= 3; ++c)
        if (at(x, j, r, c) == 23.0f) dr = r - 2, dc = c - 2;
    BOOST_TEST_REQUIRE(std::abs(dr) <= 1);
    BOOST_TEST_REQUIRE(std::abs(dc) <= 1);
    moved += dr != 0 || dc != 0;
    for (std::ptrdiff_t r = 0; r < static_cast<std::ptrdiff_t>(rows); ++r)
      for (std::ptrdiff_t c = 0; c < static_cast<std::ptrdiff_t>(cols); ++c) {
        const std::ptrdiff_t sr = r - dr, sc = c - dc;
        const bool inside = sr >= 0 && sc >= 0 && sr < static_cast<std::ptrdiff_t>(rows) &&
                            sc < static_cast<std::ptrdiff_t>(cols);
        BOOST_TEST(at(x, j, r, c) == (inside ? static_cast<float>(10 * sr + sc + 1) : -1.0f));
      }
  }
  BOOST_TEST(moved > 230u);  // 8 of 9 shifts move: about 267
}

BOOST_AUTO_TEST_CASE(rotation_keeps_the_centre_and_stays_within_the_range) {
  // A 5 x 5 image with a bright centre: a rotation about the centre keeps it; values stay in [0, 1].
  sg::Matrix<float> x(25, 50);
  x.fill(0.0f);
  for (std::size_t j = 0; j < 50; ++j) x(12, j) = 1.0f;
  sg::data::augment_batch(x, 5, 5, {.max_rotation_degrees = 15}, 8, 0);
  for (std::size_t j = 0; j < 50; ++j) {
    BOOST_TEST(x(12, j) > 0.5f);
    for (std::size_t k = 0; k < 25; ++k) BOOST_TEST((x(k, j) >= 0.0f && x(k, j) <= 1.0f));
  }
  // A 90-degree bound allows large turns: a horizontal bar becomes visibly different in some image.
  sg::Matrix<float> bar(25, 20);
  bar.fill(0.0f);
  for (std::size_t j = 0; j < 20; ++j)
    for (std::size_t c = 0; c < 5; ++c) bar(2 * 5 + c, j) = 1.0f;
  sg::data::augment_batch(bar, 5, 5, {.max_rotation_degrees = 90}, 8, 0);
  float most_vertical = 0;
  for (std::size_t j = 0; j < 20; ++j) most_vertical = std::max(most_vertical, bar(0 * 5 + 2, j));
  BOOST_TEST(most_vertical > 0.3f);
}

BOOST_AUTO_TEST_CASE(noise_has_the_requested_spread) {
  sg::Matrix<float> x(100, 100);
  x.fill(0.5f);
  sg::data::augment_batch(x, 10, 10, {.noise_stddev = 0.1f}, 4, 1);
  double sum = 0, squares = 0;
  for (std::size_t k = 0; k < x.size(); ++k) sum += x[k] - 0.5;
  for (std::size_t k = 0; k < x.size(); ++k) squares += (x[k] - 0.5) * (x[k] - 0.5);
  BOOST_TEST(sum / 10000 == 0.0, boost::test_tools::tolerance(0.005));
  BOOST_TEST(std::sqrt(squares / 10000) == 0.1, boost::test_tools::tolerance(0.05));
}

BOOST_AUTO_TEST_CASE(same_seed_and_step_reproduce_and_thread_count_does_not_matter) {
  const sg::data::Augmentation all{
      .horizontal_flip = true, .max_shift = 2, .max_rotation_degrees = 10, .noise_stddev = 0.05f};
  const int threads = omp_get_max_threads();
  auto one = batch(64), two = batch(64), other_step = batch(64);
  omp_set_num_threads(1);
  sg::data::augment_batch(one, rows, cols, all, 17, 3);
  omp_set_num_threads(2);
  sg::data::augment_batch(two, rows, cols, all, 17, 3);
  sg::data::augment_batch(other_step, rows, cols, all, 17, 4);
  omp_set_num_threads(threads);
  BOOST_TEST(equal(one, two));  // bit-identical
  BOOST_TEST(!equal(one, other_step));
  // A column's augmentation depends on its position in the batch, not on the batch's size.
  auto prefix = batch(10);
  sg::data::augment_batch(prefix, rows, cols, all, 17, 3);
  for (std::size_t k = 0; k < prefix.size(); ++k) BOOST_TEST(prefix[k] == one[k]);
}

BOOST_AUTO_TEST_CASE(bad_arguments_are_rejected) {
  auto x = batch(2);
  BOOST_TEST(sg::test::message_of<sg::shape_error>([&] { sg::data::augment_batch(x, 4, 4, {}, 0, 0); }) ==
             "augment_batch: 4 x 4 = 16 features per column expected, found 30");
  BOOST_CHECK_THROW(sg::data::augment_batch(x, rows, cols, {.max_shift = -1}, 0, 0), sg::shape_error);
  BOOST_CHECK_THROW(sg::data::augment_batch(x, rows, cols, {.max_rotation_degrees = NAN}, 0, 0),
                    sg::numeric_error);
  BOOST_CHECK_THROW(sg::data::augment_batch(x, rows, cols, {.noise_stddev = -1}, 0, 0), sg::numeric_error);
}

BOOST_AUTO_TEST_SUITE_END()
