// A user's program: a 2 x 2 product through sg::gemm on sg::Matrix. Returns non-zero on a wrong result.
#include <cstdio>
#include <staticgrad/core/gemm.hpp>
#include <staticgrad/core/matrix.hpp>

int main() {
  sg::Matrix<float> a(2, 2), b(2, 2), c(2, 2);
  a(0, 0) = 1, a(0, 1) = 2, a(1, 0) = 3, a(1, 1) = 4;
  b(0, 0) = 5, b(0, 1) = 6, b(1, 0) = 7, b(1, 1) = 8;
  sg::gemm(sg::Transpose::no, sg::Transpose::no, 2, 2, 2, 1.0f, a.data(), 2, b.data(), 2, 0.0f, c.data(), 2);
  const float want[2][2] = {{19, 22}, {43, 50}};
  int wrong = 0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      if (c(i, j) != want[i][j]) {
        std::printf("C(%d,%d) = %g, want %g\n", i, j, c(i, j), want[i][j]);
        ++wrong;
      }
  std::printf("gemm runs on: %s\n", sg::blas_name());
  std::printf("%s\n", wrong ? "consumer: WRONG" : "consumer: ok");
  return wrong ? 1 : 0;
}
