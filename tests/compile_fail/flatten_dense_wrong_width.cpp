// expect-error(GNU): layer_input_width<sg::fixed_string<7>\{"layer6"\}, sg::fixed_string<6>\{"Dense"\}, 1600, sg::fixed_string<7>\{"layer5"\}, 1568>
// expect-error(Clang): layer_input_width<fixed_string<7>\{"layer6"\}, fixed_string<6>\{"Dense"\}, 1600, fixed_string<7>\{"layer5"\}, 1568>
// expect-error: staticgrad shape error: layer fed the wrong width
// expect-error(GNU): \(1600 == 1568\)
// expect-error(Clang): requirement '1600UL == 1568UL'
// expect-max-bytes: 4096
#include "staticgrad/staticgrad.hpp"

int main() {
  // 32 x 7 x 7 = 1568 values after the second pool; the dense layer states 1600 (a 5 x 5 map, wrongly).
  auto net = sg::sequential<sg::Image<1, 28, 28>>(
      sg::Conv2D<16, 5, sg::ConvOptions{.pad = 2}>{}, sg::MaxPool2D<2>{}, sg::Conv2D<32, 5, sg::ConvOptions{.pad = 2}>{},
      sg::MaxPool2D<2>{}, sg::Flatten{}, sg::Dense<1600, 10>{}, sg::SoftmaxCrossEntropy{});
  auto model = sg::make_model<float>(net);
  (void)model;
}
