// expect-error(GNU): input_channels<sg::fixed_string<7>\{"layer1"\}, 3, 1>
// expect-error(Clang): input_channels<fixed_string<7>\{"layer1"\}, 3, 1>
// expect-error: staticgrad shape error: layer fed the wrong number of channels
// expect-error(GNU): \(3 == 1\)
// expect-error(Clang): requirement '3UL == 1UL'
// expect-max-bytes: 4096
// (One error with either compiler: g++ 12 prints 2.7 KB, clang 16 1.1 KB.)
#include "staticgrad/staticgrad.hpp"

int main() {
  // The convolution states 3 input channels (RGB); the images are grey (1 channel).
  auto net = sg::sequential<sg::Image<1, 28, 28>>(sg::Conv2D<16, 5, sg::ConvOptions{.pad = 2, .in_channels = 3}>{});
  auto model = sg::make_model<float>(net);
  (void)model;
}
