// src/core/gemm.cpp - sg::gemm: the CBLAS when staticgrad was built with one, else the portable kernel.
//
// The portable kernel follows the Goto/BLIS structure in its simplest form: C is cut into MC x NC tiles,
// each tile is owned by one thread, which walks k in KC-long slices, packs the slice of op(A) and op(B)
// into contiguous panels and runs an MR x NR register-blocked micro-kernel over them, accumulating into
// a per-thread tile buffer. Only at the end is C read (unless beta == 0) and written. Because a tile
// belongs to one thread and k is always walked from 0 upwards, the sum behind each element of C is the
// same sequence of operations whatever the thread count: the result is deterministic.
#include "staticgrad/core/gemm.hpp"

#include <omp.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#if defined(STATICGRAD_HAVE_CBLAS)
#include <cblas.h>
#endif
#if defined(STATICGRAD_HAVE_LIBXSMM)
#include <libxsmm.h>
#endif

namespace sg {
namespace detail {
namespace {

template <class T>
struct Blocking {
  static constexpr std::size_t mr = 32 / sizeof(T);  // 8 floats or 4 doubles: two SSE / one AVX register
  static constexpr std::size_t nr = 6;
  static constexpr std::size_t mc = 96;  // multiple of mr
  static constexpr std::size_t nc = 96;  // multiple of nr
  static constexpr std::size_t kc = 256;
  static_assert(mc % mr == 0 && nc % nr == 0);
};

constexpr std::size_t round_up(std::size_t x, std::size_t to) { return (x + to - 1) / to * to; }

// Element (i, j) of op(X), X stored column-major with leading dimension ld.
template <class T>
inline T op_at(const T* x, std::size_t ld, Transpose t, std::size_t i, std::size_t j) {
  return t == Transpose::no ? x[i + j * ld] : x[j + i * ld];
}

// C = beta * C without reading C when beta == 0 (the BLAS convention).
template <class T>
void scale_c(std::size_t m, std::size_t n, T beta, T* c, std::size_t ldc) {
  for (std::size_t j = 0; j < n; ++j) {
    T* cj = c + j * ldc;
    if (beta == T(0)) {
      std::fill(cj, cj + m, T(0));
    } else if (beta != T(1)) {
      for (std::size_t i = 0; i < m; ++i) cj[i] *= beta;
    }
  }
}

// acc (an mr x nr block of the tile buffer, leading dimension ld) += ap-panel * bp-panel over kc steps.
template <class T>
inline void micro_kernel(std::size_t kc, const T* ap, const T* bp, T* acc, std::size_t ld) {
  constexpr std::size_t mr = Blocking<T>::mr, nr = Blocking<T>::nr;
  T r[nr][mr];
  for (std::size_t s = 0; s < nr; ++s)
    for (std::size_t q = 0; q < mr; ++q) r[s][q] = acc[q + s * ld];
  for (std::size_t p = 0; p < kc; ++p) {
    const T* av = ap + p * mr;
    const T* bv = bp + p * nr;
    for (std::size_t s = 0; s < nr; ++s) {
      const T bs = bv[s];
#pragma omp simd
      for (std::size_t q = 0; q < mr; ++q) r[s][q] += av[q] * bs;
    }
  }
  for (std::size_t s = 0; s < nr; ++s)
    for (std::size_t q = 0; q < mr; ++q) acc[q + s * ld] = r[s][q];
}

// Per-thread buffers, sized once per thread: no heap allocation after a thread's first product.
template <class T>
struct Workspace {
  std::vector<T> a = std::vector<T>(Blocking<T>::mc * Blocking<T>::kc);
  std::vector<T> b = std::vector<T>(Blocking<T>::kc * Blocking<T>::nc);
  std::vector<T> acc = std::vector<T>(Blocking<T>::mc * Blocking<T>::nc);
};

template <class T>
void tile(Transpose ta, Transpose tb, std::size_t ic, std::size_t mc, std::size_t jc, std::size_t nc,
          std::size_t k, T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
          std::size_t ldc) {
  using B = Blocking<T>;
  thread_local Workspace<T> ws;
  const std::size_t mc_pad = round_up(mc, B::mr), nc_pad = round_up(nc, B::nr);
  T* acc = ws.acc.data();
  for (std::size_t j = 0; j < nc_pad; ++j) std::fill(acc + j * B::mc, acc + j * B::mc + mc_pad, T(0));

  for (std::size_t pc = 0; pc < k; pc += B::kc) {
    const std::size_t kc = std::min(B::kc, k - pc);
    // Pack op(A)[ic .. ic+mc, pc .. pc+kc] as mr-row panels, k-major inside a panel, zero-padded.
    T* ap = ws.a.data();
    for (std::size_t ir = 0; ir < mc_pad; ir += B::mr) {
      T* panel = ap + ir * kc;
      for (std::size_t p = 0; p < kc; ++p)
        for (std::size_t q = 0; q < B::mr; ++q)
          panel[p * B::mr + q] = ir + q < mc ? op_at(a, lda, ta, ic + ir + q, pc + p) : T(0);
    }
    // Pack op(B)[pc .. pc+kc, jc .. jc+nc] as nr-column panels, k-major inside a panel, zero-padded.
    T* bp = ws.b.data();
    for (std::size_t jr = 0; jr < nc_pad; jr += B::nr) {
      T* panel = bp + jr * kc;
      for (std::size_t p = 0; p < kc; ++p)
        for (std::size_t s = 0; s < B::nr; ++s)
          panel[p * B::nr + s] = jr + s < nc ? op_at(b, ldb, tb, pc + p, jc + jr + s) : T(0);
    }
    for (std::size_t jr = 0; jr < nc_pad; jr += B::nr)
      for (std::size_t ir = 0; ir < mc_pad; ir += B::mr)
        micro_kernel(kc, ap + ir * kc, bp + jr * kc, acc + ir + jr * B::mc, B::mc);
  }

  for (std::size_t j = 0; j < nc; ++j) {
    T* cj = c + ic + (jc + j) * ldc;
    const T* accj = acc + j * B::mc;
    if (beta == T(0)) {
      for (std::size_t i = 0; i < mc; ++i) cj[i] = alpha * accj[i];
    } else {
      for (std::size_t i = 0; i < mc; ++i) cj[i] = alpha * accj[i] + beta * cj[i];
    }
  }
}

template <class T>
void portable(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
              std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  using B = Blocking<T>;
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == T(0)) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  const std::size_t mt = (m + B::mc - 1) / B::mc, nt = (n + B::nc - 1) / B::nc;
  const long tiles = static_cast<long>(mt * nt);
  // Threads only pay off above a few hundred thousand multiply-adds; the split never changes the result.
  const bool parallel = tiles > 1 && static_cast<double>(m) * n * k > 2.0e5;
#pragma omp parallel for schedule(static) if (parallel)
  for (long t = 0; t < tiles; ++t) {
    const std::size_t ic = (static_cast<std::size_t>(t) % mt) * B::mc;
    const std::size_t jc = (static_cast<std::size_t>(t) / mt) * B::nc;
    tile(ta, tb, ic, std::min(B::mc, m - ic), jc, std::min(B::nc, n - jc), k, alpha, a, lda, b, ldb, beta, c,
         ldc);
  }
}

#if defined(STATICGRAD_HAVE_CBLAS)
inline CBLAS_TRANSPOSE cblas_op(Transpose t) { return t == Transpose::no ? CblasNoTrans : CblasTrans; }

// CBLAS takes int sizes; beyond that (never in practice) the portable kernel takes over.
bool fits_int(std::size_t m, std::size_t n, std::size_t k, std::size_t lda, std::size_t ldb,
              std::size_t ldc) {
  const std::size_t lim = INT_MAX;
  return m <= lim && n <= lim && k <= lim && lda <= lim && ldb <= lim && ldc <= lim;
}
#endif

}  // namespace

void gemm_portable(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
                   const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
                   std::size_t ldc) {
  portable(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void gemm_portable(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, double alpha,
                   const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
                   std::size_t ldc) {
  portable(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace detail

#if defined(STATICGRAD_HAVE_CBLAS)
namespace detail {

// OpenBLAS splits a product between its threads at boundaries that depend on the thread count, and its
// edge kernels sum in another order than its main kernel, so the same product can differ in the last
// bit between OMP_NUM_THREADS=1 and 2 (the flagship's checkpoints did). staticgrad therefore cuts C into
// at most four tiles whose boundaries depend only on the shape, along the larger of its two extents
// (the smaller operand is the one packed again per tile), and makes one BLAS call per tile inside an
// active OpenMP parallel region, where OpenBLAS's OpenMP build runs single-threaded. Each tile is then
// computed by the same single-threaded code whatever the thread count: bit-identical results.
template <class T, class Call>
void tiled_blas(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc, Call call) {
  constexpr std::size_t min_tile = 64, max_tiles = 4;
  const bool split_columns = n >= m;
  const std::size_t extent = split_columns ? n : m;
  const std::size_t tiles = std::min(max_tiles, std::max<std::size_t>(1, extent / min_tile));
  const std::size_t step = (extent + tiles - 1) / tiles;
  const long long count = static_cast<long long>(tiles);
#pragma omp parallel for schedule(static)
  for (long long t = 0; t < count; ++t) {
    const std::size_t first = static_cast<std::size_t>(t) * step;
    if (first >= extent) continue;
    const std::size_t size = std::min(step, extent - first);
    if (split_columns)  // columns [first, first + size) of C and of op(B)
      call(ta, tb, m, size, k, alpha, a, lda, tb == Transpose::no ? b + first * ldb : b + first, ldb, beta,
           c + first * ldc, ldc);
    else  // rows [first, first + size) of C and of op(A)
      call(ta, tb, size, n, k, alpha, ta == Transpose::no ? a + first : a + first * lda, lda, b, ldb, beta,
           c + first, ldc);
  }
}

}  // namespace detail
#endif

void gemm(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
          const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
          std::size_t ldc) {
#if defined(STATICGRAD_HAVE_CBLAS)
  // k == 0 and alpha == 0 go to the portable kernel, which then only scales C: a caller's lda (maybe 0
  // for an empty A) never reaches the BLAS, and A and B are certainly not read.
  if (m == 0 || n == 0) return;
  if (k > 0 && alpha != 0.0f && detail::fits_int(m, n, k, lda, ldb, ldc)) {
    detail::tiled_blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                       [](Transpose ta_, Transpose tb_, std::size_t m_, std::size_t n_, std::size_t k_, float alpha_,
                          const float* a_, std::size_t lda_, const float* b_, std::size_t ldb_, float beta_, float* c_,
                          std::size_t ldc_) {
                         cblas_sgemm(CblasColMajor, detail::cblas_op(ta_), detail::cblas_op(tb_), int(m_), int(n_),
                                     int(k_), alpha_, a_, int(lda_), b_, int(ldb_), beta_, c_, int(ldc_));
                       });
    return;
  }
#endif
  detail::gemm_portable(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void gemm(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, double alpha,
          const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
          std::size_t ldc) {
#if defined(STATICGRAD_HAVE_CBLAS)
  if (m == 0 || n == 0) return;
  if (k > 0 && alpha != 0.0 && detail::fits_int(m, n, k, lda, ldb, ldc)) {
    detail::tiled_blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                       [](Transpose ta_, Transpose tb_, std::size_t m_, std::size_t n_, std::size_t k_,
                          double alpha_, const double* a_, std::size_t lda_, const double* b_, std::size_t ldb_,
                          double beta_, double* c_, std::size_t ldc_) {
                         cblas_dgemm(CblasColMajor, detail::cblas_op(ta_), detail::cblas_op(tb_), int(m_), int(n_),
                                     int(k_), alpha_, a_, int(lda_), b_, int(ldb_), beta_, c_, int(ldc_));
                       });
    return;
  }
#endif
  detail::gemm_portable(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// ---- small_gemm ----------------------------------------------------------------------------------------
#if defined(STATICGRAD_HAVE_LIBXSMM)
namespace detail {
namespace {
// op(A) = A^T as an m x k column-major matrix in a buffer of the calling thread (grows only: no
// allocation once the largest product has been seen).
template <class T>
const T* transposed_copy(const T* a, std::size_t lda, std::size_t m, std::size_t k) {
  thread_local std::vector<T> buffer;
  if (buffer.size() < m * k) buffer.resize(m * k);
  T* t = buffer.data();
  for (std::size_t i = 0; i < m; ++i)  // A is k x m: column i of A is row i of op(A)
    for (std::size_t j = 0; j < k; ++j) t[i + j * m] = a[j + i * lda];
  return t;
}

// C = op(A) op(B) + beta C with a LIBXSMM kernel for the shape; false when LIBXSMM has none.
template <class T>
bool generated_gemm(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, const T* a,
                    std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
  static const bool initialised = [] {
    libxsmm_init();
    return true;
  }();
  (void)initialised;
  if (ta == Transpose::yes) {
    a = transposed_copy(a, lda, m, k);
    lda = m;
  }
  const libxsmm_blasint im = libxsmm_blasint(m), in = libxsmm_blasint(n), ik = libxsmm_blasint(k);
  const libxsmm_blasint ilda = libxsmm_blasint(lda), ildb = libxsmm_blasint(ldb), ildc = libxsmm_blasint(ldc);
  const int flags = (beta == T(0) ? LIBXSMM_GEMM_FLAG_BETA_0 : LIBXSMM_GEMM_FLAG_NONE) |
                    (tb == Transpose::yes ? LIBXSMM_GEMM_FLAG_TRANS_B : LIBXSMM_GEMM_FLAG_NONE);
  const T one = 1;
  if constexpr (std::is_same_v<T, float>) {
    const libxsmm_smmfunction kernel = libxsmm_smmdispatch(im, in, ik, &ilda, &ildb, &ildc, &one, &beta, &flags, nullptr);
    if (!kernel) return false;
    kernel(a, b, c);
  } else {
    const libxsmm_dmmfunction kernel = libxsmm_dmmdispatch(im, in, ik, &ilda, &ildb, &ildc, &one, &beta, &flags, nullptr);
    if (!kernel) return false;
    kernel(a, b, c);
  }
  return true;
}
}  // namespace
}  // namespace detail
#endif

namespace {
template <class T>
void small_gemm_impl(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                     std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
#if defined(STATICGRAD_HAVE_LIBXSMM)
  const bool fits = m > 0 && n > 0 && k > 0 && m <= small_gemm_limit / n / k && lda <= INT_MAX && ldb <= INT_MAX &&
                    ldc <= INT_MAX;
  // Copying a transposed A costs about m k memory moves against m n k multiply-adds: for a narrow C the
  // copy costs as much as the product (16x25x784: 13.7 us with it, 6.9 us through sg::gemm).
  const bool copy_pays = ta == Transpose::no || n >= 64;
  if (fits && copy_pays && alpha == T(1) && (beta == T(0) || beta == T(1)) &&
      detail::generated_gemm(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc))
    return;
#endif
  gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
}  // namespace

void small_gemm(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
                const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
                std::size_t ldc) {
  small_gemm_impl(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void small_gemm(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, double alpha,
                const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
                std::size_t ldc) {
  small_gemm_impl(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

bool small_gemm_generates_kernels() {
#if defined(STATICGRAD_HAVE_LIBXSMM)
  return true;
#else
  return false;
#endif
}

const char* small_gemm_name() {
  static const std::string name = [] {
#if defined(STATICGRAD_HAVE_LIBXSMM)
    libxsmm_init();
    return std::string("LIBXSMM ") + LIBXSMM_VERSION + ", target " + libxsmm_get_target_arch();
#else
    return std::string("no LIBXSMM (sg::gemm)");
#endif
  }();
  return name.c_str();
}

int blas_threads() {
#if defined(STATICGRAD_OPENBLAS)
  return openblas_get_num_threads();
#else
  return omp_get_max_threads();
#endif
}

const char* blas_name() {
  static const std::string name = [] {
#if defined(STATICGRAD_OPENBLAS)
    const int mode = openblas_get_parallel();
    const char* build = mode == 2 ? "OpenMP build" : mode == 1 ? "pthreads build" : "sequential build";
    return std::string("OpenBLAS (") + build + ", openblas_get_parallel() = " + std::to_string(mode) +
           ", core " + openblas_get_corename() + "): " + openblas_get_config();
#elif defined(STATICGRAD_HAVE_CBLAS)
    return std::string("CBLAS (not OpenBLAS)");
#else
    return std::string("portable OpenMP GEMM (deterministic)");
#endif
  }();
  return name.c_str();
}

}  // namespace sg
