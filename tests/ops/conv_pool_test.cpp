// Convolution, pooling and the per-channel row-group ops: two-sided gradient checks in double (< 1e-7)
// over stride 2, padding, non-square inputs, no bias and 1 x 1 kernels; the forward values against a
// direct loop over the formula; max pooling's tie rule and NaN; the same bits for 1 and 2 threads.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include <omp.h>

#include "staticgrad/core/random.hpp"
#include "staticgrad/graph/gradient_check.hpp"
#include "staticgrad/ops/all.hpp"
#include "staticgrad/ops/conv2d.hpp"
#include "staticgrad/ops/pool2d.hpp"
#include "staticgrad/ops/row_groups.hpp"

using namespace sg;
using ops::WindowGeometry;

namespace {
void require_ok(const GradientCheckResult& r, const char* what) {
  BOOST_TEST_INFO(what << ": relative difference " << r.relative_difference << " worst at parameter "
                       << r.worst_parameter << "[" << r.worst_index << "]");
  BOOST_TEST(r.checked > 0u);
  BOOST_TEST(r.relative_difference < 1e-7);
}

template <WindowGeometry G, std::size_t Cout, bool Bias>
GradientCheckResult check_conv(std::uint64_t seed) {
  constexpr std::size_t patch = G.channels * G.kernel * G.kernel;
  if constexpr (Bias)
    return check_expression_gradient<Shape<G.in_size(), batch>, Shape<Cout, patch>, Shape<Cout, 1>>(
        [](auto x, auto w, auto b) { return conv2d<G, Cout>(x, w, b); }, {.seed = seed}, 3);
  else
    return check_expression_gradient<Shape<G.in_size(), batch>, Shape<Cout, patch>>(
        [](auto x, auto w) { return conv2d<G, Cout>(x, w); }, {.seed = seed}, 3);
}

template <class T>
Matrix<T> random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  Matrix<T> a(rows, cols);
  for (std::size_t k = 0; k < a.size(); ++k) a.data()[k] = static_cast<T>(random::normal(seed, 5, k));
  return a;
}

// Y[o, y, x] = b[o] + sum_{c,i,j} W[o, (c,i,j)] X[c, y S - P + i, x S - P + j], straight from the formula.
template <WindowGeometry G, std::size_t Cout>
Matrix<double> direct_conv(const Matrix<double>& x, const Matrix<double>& w, const Matrix<double>& b) {
  constexpr std::size_t ho = G.out_height(), wo = G.out_width(), k = G.kernel;
  Matrix<double> y(Cout * ho * wo, x.cols());
  for (std::size_t n = 0; n < x.cols(); ++n)
    for (std::size_t o = 0; o < Cout; ++o)
      for (std::size_t oy = 0; oy < ho; ++oy)
        for (std::size_t ox = 0; ox < wo; ++ox) {
          double s = b(o, 0);
          for (std::size_t c = 0; c < G.channels; ++c)
            for (std::size_t i = 0; i < k; ++i)
              for (std::size_t j = 0; j < k; ++j) {
                const long iy = long(oy * G.stride + i) - long(G.pad), ix = long(ox * G.stride + j) - long(G.pad);
                if (iy < 0 || ix < 0 || iy >= long(G.height) || ix >= long(G.width)) continue;
                s += w(o, (c * k + i) * k + j) * x((c * G.height + std::size_t(iy)) * G.width + std::size_t(ix), n);
              }
          y((o * ho + oy) * wo + ox, n) = s;
        }
  return y;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(conv_pool_ops)

BOOST_AUTO_TEST_CASE(conv2d_passes_the_gradient_check) {
  // channels, height, width, kernel, stride, pad
  require_ok(check_conv<WindowGeometry{2, 5, 4, 3, 1, 1}, 3, true>(1), "3x3, stride 1, pad 1, 5x4 input");
  require_ok(check_conv<WindowGeometry{3, 7, 6, 3, 2, 1}, 2, true>(2), "3x3, stride 2, pad 1, 7x6 input");
  require_ok(check_conv<WindowGeometry{1, 6, 5, 2, 2, 0}, 4, false>(3), "2x2, stride 2, no bias");
  require_ok(check_conv<WindowGeometry{4, 3, 5, 1, 1, 0}, 2, true>(4), "1x1 kernel");
  require_ok(check_conv<WindowGeometry{2, 6, 6, 5, 1, 2}, 2, true>(5), "5x5, pad 2");
}

BOOST_AUTO_TEST_CASE(conv2d_forward_follows_the_formula) {
  constexpr WindowGeometry g{3, 7, 6, 3, 2, 1};
  constexpr std::size_t cout = 4, patch = 3 * 3 * 3, m = 5;
  static_assert(g.out_height() == 4 && g.out_width() == 3);  // floor((7 + 2 - 3) / 2) + 1, floor((6 + 2 - 3) / 2) + 1
  const auto x = random_matrix<double>(g.in_size(), m, 1), w = random_matrix<double>(cout, patch, 2),
             b = random_matrix<double>(cout, 1, 3);
  Matrix<double> y(cout * g.out_pixels(), m);
  ops::Conv2D<g, cout, true>{}.forward<double>(y.view(), x.view(), w.view(), ConstView<double>(b.view()));
  const Matrix<double> expected = direct_conv<g, cout>(x, w, b);
  double worst = 0;
  for (std::size_t k = 0; k < y.size(); ++k) worst = std::max(worst, std::abs(y.data()[k] - expected.data()[k]));
  BOOST_TEST(worst < 1e-12);
}

BOOST_AUTO_TEST_CASE(max_and_average_pooling_pass_the_gradient_check) {
  // Uniform random inputs: no two values of a window tie, so max is differentiable there.
  require_ok(check_expression_gradient<Shape<2 * 6 * 5, batch>>(
                 [](auto x) { return max_pool2d<WindowGeometry{2, 6, 5, 2, 2, 0}>(x); }, {.seed = 7}),
             "max 2x2 stride 2 on 6x5");
  require_ok(check_expression_gradient<Shape<3 * 7 * 6, batch>>(
                 [](auto x) { return max_pool2d<WindowGeometry{3, 7, 6, 3, 2, 1}>(x); }, {.seed = 8}),
             "max 3x3 stride 2 pad 1 on 7x6");
  require_ok(check_expression_gradient<Shape<2 * 5 * 4, batch>>(
                 [](auto x) { return avg_pool2d<WindowGeometry{2, 5, 4, 3, 1, 1}>(x); }, {.seed = 9}),
             "average 3x3 stride 1 pad 1 on 5x4");
  require_ok(check_expression_gradient<Shape<2 * 6 * 6, batch>>(
                 [](auto x) { return avg_pool2d<WindowGeometry{2, 6, 6, 2, 2, 0}>(x); }, {.seed = 10}),
             "average 2x2 stride 2");
}

BOOST_AUTO_TEST_CASE(max_pooling_sends_a_tie_to_the_first_maximum) {
  constexpr WindowGeometry g{1, 2, 4, 2, 2, 0};  // one 2 x 4 channel, two 2 x 2 windows
  ops::Pool2D<g, ops::PoolKind::max> pool;
  // Window 1 (columns 0-1): all four equal. Window 2 (columns 2-3): the maximum 5 at (0,3) and (1,2).
  Matrix<double> x(8, 1), y(2, 1), dy(2, 1), dx(8, 1);
  const double v[8] = {1, 1, 4, 5, 1, 1, 5, 2};  // row-major 2 x 4
  for (std::size_t k = 0; k < 8; ++k) x[k] = v[k];
  pool.forward<double>(y.view(), x.view());
  BOOST_TEST(y[0] == 1.0);
  BOOST_TEST(y[1] == 5.0);
  dy[0] = 10;
  dy[1] = 20;
  pool.backward<double>(dy.view(), y.view(), x.view(), dx.view());
  const double expected[8] = {10, 0, 0, 20, 0, 0, 0, 0};  // first in window order: (0,0) and (0,3)
  for (std::size_t k = 0; k < 8; ++k) BOOST_TEST(dx[k] == expected[k]);
}

BOOST_AUTO_TEST_CASE(max_pooling_tie_rule_holds_for_overlapping_windows_and_adds_to_dx) {
  // Overlapping 2 x 2 windows (stride 1) and a padded 3 x 3 window take the general path, not the
  // vector loop of non-overlapping windows; dX already holds 1 everywhere and is added to.
  constexpr WindowGeometry g{1, 2, 3, 2, 1, 0};  // 2 x 3 image: windows at columns 0-1 and 1-2
  ops::Pool2D<g, ops::PoolKind::max> pool;
  Matrix<double> x(6, 1), y(2, 1), dy(2, 1), dx(6, 1);
  for (std::size_t k = 0; k < 6; ++k) x[k] = 7;  // every element ties
  dx.fill(1);
  pool.forward<double>(y.view(), x.view());
  dy[0] = 10;
  dy[1] = 20;
  pool.backward<double>(dy.view(), y.view(), x.view(), dx.view());
  const double expected[6] = {11, 21, 1, 1, 1, 1};  // each window's first position: (0,0) and (0,1)
  for (std::size_t k = 0; k < 6; ++k) BOOST_TEST(dx[k] == expected[k]);

  constexpr WindowGeometry padded{1, 2, 2, 3, 1, 1};  // 3 x 3 windows over a 2 x 2 image, padding 1
  ops::Pool2D<padded, ops::PoolKind::max> pad_pool;
  Matrix<double> px(4, 1), py(4, 1), pdy(4, 1), pdx(4, 1);
  const double pv[4] = {3, 5, 5, 1};  // every window covers the whole image: maximum 5 at (0,1) and (1,0)
  for (std::size_t k = 0; k < 4; ++k) px[k] = pv[k];
  pad_pool.forward<double>(py.view(), px.view());
  for (std::size_t k = 0; k < 4; ++k) {
    BOOST_TEST(py[k] == 5.0);
    pdy[k] = double(k + 1);
  }
  pad_pool.backward<double>(pdy.view(), py.view(), px.view(), pdx.view());
  const double pad_expected[4] = {0, 1 + 2 + 3 + 4, 0, 0};  // all four gradients to the first maximum
  for (std::size_t k = 0; k < 4; ++k) BOOST_TEST(pdx[k] == pad_expected[k]);
}

BOOST_AUTO_TEST_CASE(max_pooling_sends_a_nan_gradient_to_the_maximum_only) {
  constexpr WindowGeometry g{1, 2, 2, 2, 2, 0};
  ops::Pool2D<g, ops::PoolKind::max> pool;
  Matrix<float> x(4, 1), y(1, 1), dy(1, 1), dx(4, 1);
  const float v[4] = {1, 4, 3, 2};
  for (std::size_t k = 0; k < 4; ++k) x[k] = v[k];
  pool.forward<float>(y.view(), x.view());
  dy[0] = std::numeric_limits<float>::quiet_NaN();
  pool.backward<float>(dy.view(), y.view(), x.view(), dx.view());
  BOOST_TEST(std::isnan(dx[1]));
  BOOST_TEST(dx[0] == 0.0f);
  BOOST_TEST(dx[2] == 0.0f);
  BOOST_TEST(dx[3] == 0.0f);
}

BOOST_AUTO_TEST_CASE(max_pooling_propagates_nan) {
  constexpr WindowGeometry g{1, 2, 2, 2, 2, 0};
  Matrix<float> x(4, 1), y(1, 1);
  x[0] = 1;
  x[1] = std::numeric_limits<float>::quiet_NaN();
  x[2] = 3;
  x[3] = 2;
  ops::Pool2D<g, ops::PoolKind::max>{}.forward<float>(y.view(), x.view());
  BOOST_TEST(std::isnan(y[0]));
}

BOOST_AUTO_TEST_CASE(channel_row_groups_pass_the_gradient_check) {
  require_ok(check_expression_gradient<Shape<3 * 4, batch>>([](auto x) { return sum_row_groups<4>(x); }),
             "sum_row_groups");
  require_ok(check_expression_gradient<Shape<3, 1>>([](auto x) { return repeat_rows<5>(x); }), "repeat_rows");
  require_ok(check_expression_gradient<Shape<2 * 6, batch>, Shape<2, 1>>(
                 [](auto x, auto g) { return square(x - repeat_rows<6>(g)); }),
             "broadcast of a repeated channel vector");
}

// A convolution large enough to run its samples, its dW chunks and GEMM tiles in parallel.
BOOST_AUTO_TEST_CASE(conv2d_and_pooling_give_the_same_bits_for_one_and_two_threads) {
  constexpr WindowGeometry g{8, 14, 14, 5, 1, 2};
  constexpr WindowGeometry p{16, 14, 14, 2, 2, 0};
  constexpr std::size_t cout = 16, patch = 8 * 25, m = 37;
  const auto x = random_matrix<float>(g.in_size(), m, 1), w = random_matrix<float>(cout, patch, 2),
             b = random_matrix<float>(cout, 1, 3);
  const auto dz = random_matrix<float>(cout * 49, m, 4);
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    ops::Conv2D<g, cout, true> conv;
    ops::Pool2D<p, ops::PoolKind::max> pool;
    Matrix<float> y(cout * 196, m), z(cout * 49, m), dy(cout * 196, m), dx(g.in_size(), m), dw(cout, patch), db(cout, 1);
    dy.fill(0.f);
    dx.fill(0.f);
    dw.fill(0.f);
    db.fill(0.f);
    conv.forward<float>(y.view(), x.view(), w.view(), ConstView<float>(b.view()));
    pool.forward<float>(z.view(), y.view());
    pool.backward<float>(dz.view(), z.view(), y.view(), dy.view());
    conv.backward<float>(dy.view(), y.view(), x.view(), w.view(), b.view(), dx.view(), dw.view(), db.view());
    std::vector<float> all;
    for (const Matrix<float>* mat : {&y, &z, &dy, &dx, &dw, &db}) all.insert(all.end(), mat->data(), mat->data() + mat->size());
    return all;
  };
  const int before = omp_get_max_threads();
  const auto one = run(1), two = run(2);
  omp_set_num_threads(before);
  BOOST_REQUIRE(one.size() == two.size());
  BOOST_TEST(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
  float peak = 0;
  for (float v : one) peak = std::max(peak, std::abs(v));
  BOOST_TEST(peak > 0.f);  // the check compares real values
}

BOOST_AUTO_TEST_SUITE_END()
