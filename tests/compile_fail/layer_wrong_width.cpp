// expect-error(GNU): layer_input_width<sg::fixed_string<7>\{"layer3"\}, sg::fixed_string<6>\{"Dense"\}, 128, sg::fixed_string<7>\{"layer2"\}, 256>
// expect-error(Clang): layer_input_width<fixed_string<7>\{"layer3"\}, fixed_string<6>\{"Dense"\}, 128, fixed_string<7>\{"layer2"\}, 256>
// expect-error: staticgrad shape error: layer fed the wrong width
// expect-error(GNU): \(128 == 256\)
// expect-error(Clang): requirement '128UL == 256UL'
// expect-max-bytes: 4096
#include "staticgrad/staticgrad.hpp"

int main() {
  // layer3 expects 128 inputs; layer2 (the ReLU after Dense<784, 256>) produces 256.
  auto net = sg::sequential<784>(sg::Dense<784, 256>{}, sg::ReLU{}, sg::Dense<128, 10>{});
  auto model = sg::make_model<float>(net);
  (void)model;
}
