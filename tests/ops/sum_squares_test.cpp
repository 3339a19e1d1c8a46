// sum_squares: the course's gradient check, agreement with sum_all(square(a)), every size's tail, the same
// bits for any thread count, and the L2 penalty built on it.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstring>

#include <omp.h>

#include "staticgrad/core/random.hpp"
#include "staticgrad/graph/gradient_check.hpp"
#include "staticgrad/ops/all.hpp"

using namespace sg;

namespace {
template <class T>
Matrix<T> random_matrix(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  Matrix<T> a(rows, cols);
  for (std::size_t k = 0; k < a.size(); ++k) a.data()[k] = static_cast<T>(random::normal(seed, 3, k));
  return a;
}
template <class T>
T forward(const Matrix<T>& a) {
  Matrix<T> out(1, 1);
  ops::SumSquares{}.forward<T>(out.view(), ConstView<T>(a.view()));
  return out(0, 0);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(sum_squares_op)

BOOST_AUTO_TEST_CASE(passes_the_gradient_check) {
  for (const auto& r : {check_expression_gradient<Shape<3, 4>>([](auto a) { return sum_squares(a); }),
                        check_expression_gradient<Shape<5, batch>>([](auto a) { return sum_squares(a); }, {}, 7),
                        check_expression_gradient<Shape<1, 1>>([](auto a) { return sum_squares(a); })}) {
    BOOST_TEST(r.checked > 0u);
    BOOST_TEST(r.relative_difference < 1e-7);
  }
}

// Sizes below, at and above the lane and chunk counts, and one large enough to run in parallel.
BOOST_AUTO_TEST_CASE(equals_the_plain_sum_of_squares_for_every_size) {
  for (auto [rows, cols] : {std::pair<std::size_t, std::size_t>{1, 1}, {1, 7}, {8, 1}, {3, 5}, {64, 1}, {65, 3},
                            {129, 5}, {512, 784}}) {
    const Matrix<double> a = random_matrix<double>(rows, cols, rows * 31 + cols);
    long double exact = 0;
    for (std::size_t k = 0; k < a.size(); ++k) exact += static_cast<long double>(a.data()[k]) * a.data()[k];
    BOOST_TEST_INFO(rows << " x " << cols);
    BOOST_TEST(forward(a) == static_cast<double>(exact), boost::test_tools::tolerance(1e-12));
  }
}

// float: the chunked, laned sum is closer to the exact value than one serial chain of 401,408 additions.
BOOST_AUTO_TEST_CASE(float_sum_is_accurate) {
  const Matrix<float> a = random_matrix<float>(512, 784, 3);
  double exact = 0;
  for (std::size_t k = 0; k < a.size(); ++k) exact += static_cast<double>(a.data()[k]) * a.data()[k];
  BOOST_TEST(std::abs(forward(a) - exact) / exact < 1e-6);
}

BOOST_AUTO_TEST_CASE(same_bits_for_one_two_and_three_threads) {
  const Matrix<float> a = random_matrix<float>(512, 784, 5);
  const int saved = omp_get_max_threads();
  std::vector<float> values, grads;
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    values.push_back(forward(a));
    Matrix<float> out(1, 1), dout(1, 1), da(a.rows(), a.cols());
    dout(0, 0) = 0.37f;
    da.fill(0.5f);
    ops::SumSquares{}.backward<float>(ConstView<float>(dout.view()), ConstView<float>(out.view()),
                                      ConstView<float>(a.view()), da.view());
    grads.push_back(da(17, 401));
    BOOST_TEST(da(17, 401) == 0.5f + 2 * 0.37f * a(17, 401));
  }
  omp_set_num_threads(saved);
  BOOST_TEST(std::memcmp(&values[0], &values[1], sizeof(float)) == 0);
  BOOST_TEST(std::memcmp(&values[0], &values[2], sizeof(float)) == 0);
  BOOST_TEST(grads[0] == grads[2]);
}

BOOST_AUTO_TEST_CASE(frobenius_norm_squared_is_sum_squares) {
  const auto r = check_expression_gradient<Shape<4, 6>>([](auto w) { return frobenius_norm_squared(w); });
  BOOST_TEST(r.relative_difference < 1e-7);
  static_assert(std::is_same_v<decltype(frobenius_norm_squared(ParamLeaf<float, 2, 3>{0})),
                               decltype(sum_squares(ParamLeaf<float, 2, 3>{0}))>);
}

BOOST_AUTO_TEST_SUITE_END()
