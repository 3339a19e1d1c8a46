// expect-error(GNU): rows_broadcast<sg::fixed_string<4>\{"add"\}, 3, 5>
// expect-error(Clang): rows_broadcast<fixed_string<4>\{"add"\}, 3, 5>
// expect-error: staticgrad shape error: elementwise op on operands with different row extents
// expect-max-bytes: 4096
#include "staticgrad/ops/add.hpp"

int main() {
  auto sum = sg::add(sg::ParamLeaf<float, 3, 4>{0}, sg::ParamLeaf<float, 5, 4>{1});
  (void)sum;
}
