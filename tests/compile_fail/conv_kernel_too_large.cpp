// expect-error(GNU): window_fits<sg::fixed_string<7>\{"layer3"\}, sg::fixed_string<7>\{"height"\}, 4, 0, 5, 1>
// expect-error(Clang): window_fits<fixed_string<7>\{"layer3"\}, fixed_string<7>\{"height"\}, 4, 0, 5, 1>
// expect-error: staticgrad shape error: kernel larger than its padded input
// expect-error(GNU): \(4 >= 5\)
// expect-error(Clang): requirement '4UL \+ 2 \* 0UL >= 5UL'
// expect-max-bytes: 4096
// (One error with either compiler: g++ 12 prints 3.1 KB, clang 16 1.6 KB.)
#include "staticgrad/staticgrad.hpp"

int main() {
  // 9 x 9 -> max pool 2 -> 4 x 4; a 5 x 5 kernel without padding does not fit: floor((4 + 0 - 5) / 1) + 1 < 1.
  auto net = sg::sequential<sg::Image<1, 9, 9>>(sg::Conv2D<4, 3, sg::ConvOptions{.pad = 1}>{}, sg::MaxPool2D<2>{},
                                                sg::Conv2D<8, 5>{});
  auto model = sg::make_model<float>(net);
  (void)model;
}
