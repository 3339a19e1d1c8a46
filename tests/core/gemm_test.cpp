// tests/core/gemm_test.cpp - sg::gemm and the portable kernel against a naive triple loop.
//
// Every transpose combination, odd sizes, leading dimensions larger than the rows, beta 0 (C filled with
// NaN, which must be ignored) and beta 1, for float and double; sizes large enough for several tiles and
// k-slices of the portable kernel; its results bit-identical for 1, 2 and 3 threads.
#include "staticgrad/core/gemm.hpp"

#include <omp.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "staticgrad/core/random.hpp"

namespace {

using sg::Transpose;

struct Shape {
  std::size_t m, n, k;
};
constexpr Shape shapes[] = {{1, 1, 1}, {3, 5, 7}, {64, 33, 129}, {130, 110, 270}, {97, 7, 513}};
constexpr Transpose ops[] = {Transpose::no, Transpose::yes};

// Storage for a matrix of `cols` columns with leading dimension ld, all of it (padding included) filled
// with uniform values in [-1, 1).
template <class T>
std::vector<T> random_matrix(std::size_t cols, std::size_t ld, std::uint64_t stream) {
  std::vector<T> x(ld * cols);
  for (std::size_t k = 0; k < x.size(); ++k)
    x[k] = static_cast<T>(2.0 * sg::random::uniform(7, stream, k) - 1.0);
  return x;
}

template <class T>
T op_at(const std::vector<T>& x, std::size_t ld, Transpose t, std::size_t i, std::size_t j) {
  return t == Transpose::no ? x[i + j * ld] : x[j + i * ld];
}

// Runs `kernel` on every shape, transpose pair and beta, and compares with a long-double triple loop.
template <class T, class F>
void check_against_naive(F kernel, const char* what, T alpha = T(0.75)) {
  const T eps = std::numeric_limits<T>::epsilon();
  for (const Shape& s : shapes) {
    for (Transpose ta : ops) {
      for (Transpose tb : ops) {
        for (T beta : {T(0), T(1)}) {
          const std::size_t a_rows = ta == Transpose::no ? s.m : s.k,
                            a_cols = ta == Transpose::no ? s.k : s.m;
          const std::size_t b_rows = tb == Transpose::no ? s.k : s.n,
                            b_cols = tb == Transpose::no ? s.n : s.k;
          const std::size_t lda = a_rows + 3, ldb = b_rows + 1, ldc = s.m + 2;
          const auto a = random_matrix<T>(a_cols, lda, 1);
          const auto b = random_matrix<T>(b_cols, ldb, 2);
          auto c = random_matrix<T>(s.n, ldc, 3);
          if (beta == T(0)) std::fill(c.begin(), c.end(), std::numeric_limits<T>::quiet_NaN());
          const auto c0 = c;
          kernel(ta, tb, s.m, s.n, s.k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);

          std::size_t bad = 0;
          for (std::size_t j = 0; j < s.n; ++j) {
            for (std::size_t i = 0; i < s.m; ++i) {
              long double sum = 0, mag = 0;
              for (std::size_t p = 0; p < s.k; ++p) {
                const long double t = (long double)op_at(a, lda, ta, i, p) * op_at(b, ldb, tb, p, j);
                sum += t;
                mag += std::fabs(t);
              }
              long double want = alpha * sum;
              if (beta != T(0)) want += beta * (long double)c0[i + j * ldc];
              const long double tol = 4 * eps * (s.k + 2) * (mag + 1);
              const T got = c[i + j * ldc];
              if (!(std::fabs(got - want) <= tol) && bad++ < 3)
                BOOST_ERROR(what << " m,n,k=" << s.m << "," << s.n << "," << s.k << " ta=" << int(ta)
                                 << " tb=" << int(tb) << " beta=" << beta << " C(" << i << "," << j
                                 << ")=" << got << " want " << double(want));
            }
          }
          // The padding rows between m and ldc must be untouched.
          for (std::size_t j = 0; j < s.n; ++j)
            for (std::size_t i = s.m; i < ldc; ++i)
              if (std::memcmp(&c[i + j * ldc], &c0[i + j * ldc], sizeof(T)) != 0 && bad++ < 3)
                BOOST_ERROR(what << " wrote outside C at row " << i);
          BOOST_CHECK_EQUAL(bad, 0u);
        }
      }
    }
  }
}

template <class T>
void gemm_public(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                 std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  sg::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
template <class T>
void gemm_fallback(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha,
                   const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  sg::detail::gemm_portable(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

template <class T>
void gemm_small(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  sg::small_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// Restores the OpenMP thread count a test changed.
struct ThreadCount {
  int saved = omp_get_max_threads();
  ~ThreadCount() { omp_set_num_threads(saved); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(gemm)

BOOST_AUTO_TEST_CASE(float_matches_naive) {
  check_against_naive<float>(gemm_public<float>, "sg::gemm<float>");
}
BOOST_AUTO_TEST_CASE(double_matches_naive) {
  check_against_naive<double>(gemm_public<double>, "sg::gemm<double>");
}
BOOST_AUTO_TEST_CASE(portable_float_matches_naive) {
  check_against_naive<float>(gemm_fallback<float>, "gemm_portable<float>");
}
BOOST_AUTO_TEST_CASE(portable_double_matches_naive) {
  check_against_naive<double>(gemm_fallback<double>, "gemm_portable<double>");
}

// alpha 1 (with beta 0 and 1): LIBXSMM's generated kernels when built with it, a transposed A copied
// first; alpha 0.75: sg::gemm.
BOOST_AUTO_TEST_CASE(small_gemm_float_matches_naive) {
  check_against_naive<float>(gemm_small<float>, "sg::small_gemm<float>, alpha 1", 1.0f);
  check_against_naive<float>(gemm_small<float>, "sg::small_gemm<float>, alpha 0.75", 0.75f);
}
BOOST_AUTO_TEST_CASE(small_gemm_double_matches_naive) {
  check_against_naive<double>(gemm_small<double>, "sg::small_gemm<double>, alpha 1", 1.0);
  check_against_naive<double>(gemm_small<double>, "sg::small_gemm<double>, alpha 0.75", 0.75);
}

// A convolution's three per-sample products, each sample's on whichever thread: the bits may not
// depend on the thread count, nor on whether the call is inside a parallel region.
BOOST_AUTO_TEST_CASE(small_gemm_gives_the_same_bits_on_any_thread) {
  ThreadCount restore;
  struct Case {
    Transpose ta, tb;
    std::size_t m, n, k;
    float beta;
  };
  const Case cases[] = {{Transpose::no, Transpose::yes, 196, 32, 400, 0.0f},
                        {Transpose::yes, Transpose::no, 32, 400, 196, 1.0f},
                        {Transpose::no, Transpose::no, 196, 400, 32, 0.0f}};
  for (const Case& c : cases) {
    const std::size_t a_rows = c.ta == Transpose::no ? c.m : c.k, a_cols = c.ta == Transpose::no ? c.k : c.m;
    const std::size_t b_rows = c.tb == Transpose::no ? c.k : c.n, b_cols = c.tb == Transpose::no ? c.n : c.k;
    const auto a = random_matrix<float>(a_cols, a_rows, 21);
    const auto b = random_matrix<float>(b_cols, b_rows, 22);
    const auto c0 = random_matrix<float>(c.n, c.m, 23);
    const auto product = [&] {
      std::vector<float> out = c0;
      sg::small_gemm(c.ta, c.tb, c.m, c.n, c.k, 1.0f, a.data(), a_rows, b.data(), b_rows, c.beta, out.data(), c.m);
      return out;
    };
    omp_set_num_threads(1);
    const std::vector<float> reference = product();
    for (int threads : {2, 3}) {
      omp_set_num_threads(threads);
      const std::vector<float> outside = product();
      std::vector<std::vector<float>> inside(static_cast<std::size_t>(threads));
#pragma omp parallel num_threads(threads)
      inside[std::size_t(omp_get_thread_num())] = product();
      BOOST_TEST_CONTEXT("m,n,k=" << c.m << "," << c.n << "," << c.k << " threads=" << threads) {
        BOOST_CHECK(std::memcmp(outside.data(), reference.data(), reference.size() * sizeof(float)) == 0);
        for (const std::vector<float>& r : inside)
          BOOST_CHECK(std::memcmp(r.data(), reference.data(), reference.size() * sizeof(float)) == 0);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(small_gemm_says_what_it_runs) {
  const std::string name = sg::small_gemm_name();
  BOOST_TEST_MESSAGE("small_gemm runs on: " << name);
  if (sg::small_gemm_generates_kernels())
    BOOST_CHECK(name.find("LIBXSMM") == 0 && name.find("target") != std::string::npos);
  else
    BOOST_CHECK(name == "no LIBXSMM (sg::gemm)");
}

BOOST_AUTO_TEST_CASE(alpha_zero_and_empty_k_do_not_read_a_or_b) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> a(12, nan), b(12, nan), c(4, 2.0);
  sg::gemm(Transpose::no, Transpose::no, 2, 2, 3, 0.0, a.data(), 2, b.data(), 3, 0.5, c.data(), 2);
  for (double x : c) BOOST_CHECK_EQUAL(x, 1.0);
  sg::gemm(Transpose::no, Transpose::yes, 2, 2, 0, 1.0, nullptr, 2, nullptr, 2, 0.0, c.data(), 2);
  for (double x : c) BOOST_CHECK_EQUAL(x, 0.0);
  sg::gemm(Transpose::no, Transpose::no, 0, 0, 3, 1.0, nullptr, 1, nullptr, 3, 0.0, nullptr, 1);
}

BOOST_AUTO_TEST_CASE(portable_kernel_is_deterministic_across_thread_counts) {
  ThreadCount restore;
  const std::size_t m = 250, n = 190, k = 600;
  const auto a = random_matrix<float>(m, k, 11);  // used transposed
  const auto b = random_matrix<float>(n, k, 12);
  std::vector<float> reference;
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    std::vector<float> c(m * n, std::numeric_limits<float>::quiet_NaN());
    sg::detail::gemm_portable(Transpose::yes, Transpose::no, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f,
                              c.data(), m);
    if (reference.empty()) {
      reference = c;
    } else {
      BOOST_TEST_CONTEXT("threads = " << threads) {
        BOOST_CHECK(std::memcmp(c.data(), reference.data(), c.size() * sizeof(float)) == 0);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(reports_the_blas_that_runs) {
  const std::string name = sg::blas_name();
  BOOST_TEST_MESSAGE("gemm runs on: " << name << ", threads: " << sg::blas_threads());
  BOOST_CHECK_GE(sg::blas_threads(), 1);
#if defined(STATICGRAD_OPENBLAS)
  BOOST_CHECK(name.find("OpenBLAS") != std::string::npos);
#elif defined(STATICGRAD_HAVE_CBLAS)
  BOOST_CHECK(name.find("CBLAS") != std::string::npos);
#else
  BOOST_CHECK(name.find("portable") != std::string::npos);
#endif
#if defined(STATICGRAD_TEST_EXPECT_OPENBLAS_OPENMP)
  // Built against Debian's OpenMP OpenBLAS: the RUNPATH must make the loader pick that build even when
  // update-alternatives points libopenblas.so.0 at the pthreads one.
  BOOST_CHECK_MESSAGE(name.find("OpenMP build") != std::string::npos, "loaded: " << name);
#endif
}

BOOST_AUTO_TEST_SUITE_END()
