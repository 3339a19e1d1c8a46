// expect-error(GNU): static assertion failed: Square needs Rows == Cols
// expect-error(GNU): the comparison reduces to '\(3 == 4\)'
// expect-error(Clang): static assertion failed due to requirement '3UL == 4UL': Square needs Rows == Cols
//
// A sample of the compile-fail machinery (tests/CMakeLists.txt): a shape check that fails must say what
// it checked and print both extents. It includes a staticgrad header to prove that the test compiles
// with the include path and flags a user of staticgrad::staticgrad gets.
#include <cstddef>
#include <staticgrad/core/matrix.hpp>

template <std::size_t Rows, std::size_t Cols>
struct Square {
  static_assert(Rows == Cols, "Square needs Rows == Cols");
  sg::Matrix<float> storage{Rows, Cols};
};

int main() {
  Square<3, 4> s;
  return static_cast<int>(s.storage.rows());
}
