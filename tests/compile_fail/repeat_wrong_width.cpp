// expect-error(GNU): layer_input_width<sg::fixed_string<9>\{"layer401"\}, sg::fixed_string<6>\{"Dense"\}, 16, sg::fixed_string<9>\{"layer400"\}, 32>
// expect-error(Clang): layer_input_width<fixed_string<9>\{"layer401"\}, fixed_string<6>\{"Dense"\}, 16, fixed_string<9>\{"layer400"\}, 32>
// expect-error(GNU): \(16 == 32\)
// expect-error(Clang): requirement '16UL == 32UL'
// expect-max-bytes: 4096
//
// One wrong width after a 400-layer repeated block (402 layers, 404 nodes): g++ prints 1.1 KB, within
// 4 KB, because the model's type, which the compiler quotes, names the block once (graph/repeat.hpp).
// Written out, the same chain's error grows by about 29 bytes a layer (deep_chain_wrong_width.cpp).
#include "staticgrad/staticgrad.hpp"

int main() {
  auto net = sg::sequential<32>(sg::repeat<200>(sg::Dense<32, 32>{}, sg::ReLU{}), sg::Dense<16, 10>{},
                                sg::SoftmaxCrossEntropy{});
  auto model = sg::make_model<float>(net);
  (void)model;
}
