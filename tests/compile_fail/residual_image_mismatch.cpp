// expect-error(GNU): same_image<sg::fixed_string<4>\{"sum"\}, 4, 5, 5, 3, 5, 5>
// expect-error(Clang): same_image<fixed_string<4>\{"sum"\}, 4, 5, 5, 3, 5, 5>
// expect-error: staticgrad shape error: inputs of different image shapes
// expect-max-bytes(GNU): 4096
// (clang 16 prints 12.4 KB here: after the failed check in the layer's bind() it falls back to the unbound
// layer and reports the errors that follow; the g++ bound holds, the clang one is open, issue 17.)
#include "staticgrad/staticgrad.hpp"

int main() {
  // The block's convolution makes 4 channels; the shortcut carries 3.
  auto net = sg::network(sg::input<"x", sg::Image<3, 5, 5>>(),
                         sg::layer<"block", "x">(sg::Conv2D<4, 3, sg::ConvOptions{.pad = 1}>{}),
                         sg::layer<"sum", "block", "x">(sg::Add{}));
  auto model = sg::make_model<float>(net);
  (void)model;
}
