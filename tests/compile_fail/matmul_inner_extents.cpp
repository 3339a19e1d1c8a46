// expect-error(GNU): inner_extents<sg::fixed_string<7>\{"matmul"\}, 4, 5>
// expect-error(Clang): inner_extents<fixed_string<7>\{"matmul"\}, 4, 5>
// expect-error(GNU): static assertion failed: staticgrad shape error: matrix product with different inner extents
// expect-error(GNU): \(4 == 5\)
// expect-error(Clang): static assertion failed due to requirement '4UL == 5UL': staticgrad shape error: matrix product with different inner extents
// expect-max-bytes: 4096
#include "staticgrad/ops/matmul.hpp"

int main() {
  auto product = sg::matmul(sg::ParamLeaf<float, 3, 4>{0}, sg::ParamLeaf<float, 5, sg::batch>{1});
  (void)product;
}
