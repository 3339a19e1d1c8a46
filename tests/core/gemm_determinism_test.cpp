// sg::gemm gives bit-identical products for any number of threads, for the shapes a training step uses
// (OpenBLAS alone does not: its split between threads changes its summation order at the edges).
#include <boost/test/unit_test.hpp>

#include <omp.h>

#include <cstring>
#include <vector>

#include "staticgrad/core/gemm.hpp"
#include "staticgrad/core/random.hpp"

BOOST_AUTO_TEST_SUITE(gemm_determinism)

BOOST_AUTO_TEST_CASE(same_bits_for_one_two_and_three_threads) {
  struct Case {
    sg::Transpose ta, tb;
    std::size_t m, n, k;
  };
  const sg::Transpose no = sg::Transpose::no, yes = sg::Transpose::yes;
  // Forward W A, backward W^T dZ and dZ A^T of a 784-512-256-10 network at batch 128 and 1, and odd sizes.
  const Case cases[] = {{no, no, 512, 128, 784}, {yes, no, 784, 128, 512}, {no, yes, 512, 784, 128},
                        {no, no, 10, 128, 256},  {no, no, 512, 1, 784},     {yes, yes, 333, 77, 129},
                        {no, yes, 1000, 3, 500}};
  const int saved = omp_get_max_threads();
  for (const Case& c : cases) {
    const std::size_t a_rows = c.ta == no ? c.m : c.k, a_cols = c.ta == no ? c.k : c.m;
    const std::size_t b_rows = c.tb == no ? c.k : c.n, b_cols = c.tb == no ? c.n : c.k;
    std::vector<float> a(a_rows * a_cols), b(b_rows * b_cols);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(sg::random::normal(1, 1, i));
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(sg::random::normal(1, 2, i));
    std::vector<std::vector<float>> results;
    for (int threads : {1, 2, 3}) {
      omp_set_num_threads(threads);
      std::vector<float> out(c.m * c.n, 0.5f);
      sg::gemm(c.ta, c.tb, c.m, c.n, c.k, 1.0f, a.data(), a_rows, b.data(), b_rows, 1.0f, out.data(), c.m);
      results.push_back(out);
    }
    BOOST_TEST_INFO("m " << c.m << " n " << c.n << " k " << c.k);
    BOOST_TEST(std::memcmp(results[0].data(), results[1].data(), results[0].size() * sizeof(float)) == 0);
    BOOST_TEST(std::memcmp(results[0].data(), results[2].data(), results[0].size() * sizeof(float)) == 0);
  }
  omp_set_num_threads(saved);
}

BOOST_AUTO_TEST_SUITE_END()
