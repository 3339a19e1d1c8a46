// expect-error(GNU): same_image<sg::fixed_string<4>\{"sum"\}, 4, 5, 5, 3, 5, 5>
// expect-error(Clang): same_image<fixed_string<4>\{"sum"\}, 4, 5, 5, 3, 5, 5>
// expect-error: staticgrad shape error: inputs of different image shapes
// expect-max-bytes: 4096
// (One error with either compiler: g++ 12 prints 3.0 KB, clang 16 1.1 KB.)
#include "staticgrad/staticgrad.hpp"

int main() {
  // The block's convolution makes 4 channels; the shortcut carries 3.
  auto net = sg::network(sg::input<"x", sg::Image<3, 5, 5>>(),
                         sg::layer<"block", "x">(sg::Conv2D<4, 3, sg::ConvOptions{.pad = 1}>{}),
                         sg::layer<"sum", "block", "x">(sg::Add{}));
  auto model = sg::make_model<float>(net);
  (void)model;
}
