// staticgrad/core/gemm.hpp - the matrix product every layer runs on: C = alpha * op(A) * op(B) + beta * C.
//
// WHAT THIS REPRESENTS: the BLAS GEMM on column-major storage (element (i, j) of a matrix with leading
// dimension ld at p[i + j * ld]), the layout of sg::Matrix. op(X) is X or its transpose as `Transpose`
// says. op(A) is m x k, op(B) is k x n, C is m x n.
//
// requires: lda >= max(1, rows of A as stored) (m for Transpose::no, k for Transpose::yes), likewise ldb
//           (k or n) and ldc >= max(1, m); a, b and c point to that much storage; C does not overlap A
//           or B. Pointers may be null when the matrix they stand for is empty.
// ensures:  C holds alpha * op(A) * op(B) + beta * C. As in BLAS, when beta == 0 C is only written, never
//           read (NaN or garbage in it is ignored); when alpha == 0 or k == 0, A and B are not read and C
//           becomes beta * C. m == 0 or n == 0 does nothing.
//
// Which kernel runs: the CBLAS staticgrad was built with (cblas_sgemm / cblas_dgemm, defined
// STATICGRAD_HAVE_CBLAS), else detail::gemm_portable, a cache-blocked OpenMP kernel that is
// deterministic: every element of C is summed over k in the same order whatever the number of threads,
// so results are bit-identical for any OMP_NUM_THREADS. OpenBLAS gives no such promise across thread
// counts, so with it C is cut into tiles whose bounds depend on the shape alone, one single-threaded
// BLAS call per tile, the tiles shared among the OpenMP threads: bit-identical too.
#pragma once

#include <cstddef>

namespace sg {

enum class Transpose : bool { no, yes };

void gemm(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
          const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
          std::size_t ldc);
void gemm(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, double alpha,
          const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
          std::size_t ldc);

// The same product, for callers that run many small ones and share them among the threads themselves
// (a convolution's per-sample products). When staticgrad is built with LIBXSMM (Debian's libxsmm-dev,
// STATICGRAD_HAVE_LIBXSMM), a product with alpha 1, beta 0 or 1 and m n k <= small_gemm_limit runs a
// kernel LIBXSMM generates for its shape on the calling thread (a transposed A is first copied, since
// those kernels do not transpose A, when n >= 64 makes the copy worth it); any other product is sg::gemm's. Same contract as sg::gemm, and
// deterministic too: the kernel is chosen by the shape and the scalars alone, never by the threads.
void small_gemm(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
                const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
                std::size_t ldc);
void small_gemm(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, double alpha,
                const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
                std::size_t ldc);
// The largest m n k small_gemm gives a generated kernel (about 200^3): they block for registers but not
// for caches, so beyond this the BLAS, which packs, is faster.
inline constexpr std::size_t small_gemm_limit = std::size_t(1) << 23;
// Whether small_gemm generates kernels (built with LIBXSMM), and the instruction set they target
// ("LIBXSMM 1.17, target cpx"), or "no LIBXSMM (sg::gemm)".
bool small_gemm_generates_kernels();
const char* small_gemm_name();

// The number of threads a large product uses: openblas_get_num_threads() for OpenBLAS, the OpenMP
// maximum for the portable kernel (and for another CBLAS, whose count staticgrad cannot ask).
int blas_threads();

// A one-line description of the kernel behind gemm, for benchmark and log headers, e.g.
// "OpenBLAS (OpenMP build, openblas_get_parallel() = 2, core SkylakeX): OpenBLAS 0.3.21 DYNAMIC_ARCH
// NO_AFFINITY Zen MAX_THREADS=64" (the core is the kernel set OpenBLAS chose: see scripts/lib/openblas-core.sh
// for a machine where it chooses badly), "CBLAS (not OpenBLAS)" or "portable OpenMP GEMM (deterministic)". OpenBLAS's
// threading is named as "OpenMP build", "pthreads build" or "sequential build". The pointer stays valid.
const char* blas_name();

namespace detail {
// The portable kernel, always compiled, so tests and benchmarks can compare it with the CBLAS.
// Same contract as sg::gemm.
void gemm_portable(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
                   const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
                   std::size_t ldc);
void gemm_portable(Transpose ta, Transpose tb, std::size_t m, std::size_t n, std::size_t k, double alpha,
                   const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
                   std::size_t ldc);
}  // namespace detail

}  // namespace sg
