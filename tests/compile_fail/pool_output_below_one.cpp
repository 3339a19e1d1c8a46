// expect-error(GNU): window_fits<sg::fixed_string<7>\{"layer4"\}, sg::fixed_string<7>\{"height"\}, 3, 0, 4, 4>
// expect-error(Clang): window_fits<fixed_string<7>\{"layer4"\}, fixed_string<7>\{"height"\}, 3, 0, 4, 4>
// expect-error: staticgrad shape error: kernel larger than its padded input
// expect-error(GNU): \(3 >= 4\)
// expect-error(Clang): requirement '3UL \+ 2 \* 0UL >= 4UL'
// expect-max-bytes: 4096
// (One error with either compiler: g++ 12 prints 3.3 KB, clang 16 1.6 KB.)
#include "staticgrad/staticgrad.hpp"

int main() {
  // 28 -conv 5, stride 3-> floor((28 - 5) / 3) + 1 = 8 -max pool 2-> 4 -conv 2-> 3 -max pool 4-> below 1.
  auto net = sg::sequential<sg::Image<1, 28, 28>>(sg::Conv2D<4, 5, sg::ConvOptions{.stride = 3}>{}, sg::MaxPool2D<2>{},
                                                  sg::Conv2D<4, 2>{}, sg::MaxPool2D<4>{});
  auto model = sg::make_model<float>(net);
  (void)model;
}
