// expect-error(GNU): layer_input_width<sg::fixed_string<5>\{"head"\}, sg::fixed_string<6>\{"Dense"\}, 64, sg::fixed_string<6>\{"trunk"\}, 32>
// expect-error(Clang): layer_input_width<fixed_string<5>\{"head"\}, fixed_string<6>\{"Dense"\}, 64, fixed_string<6>\{"trunk"\}, 32>
// expect-error(GNU): \(64 == 32\)
// expect-error(Clang): requirement '64UL == 32UL'
// expect-max-bytes: 4096
#include "staticgrad/staticgrad.hpp"

int main() {
  auto net = sg::network(sg::input<"x", 10>(), sg::layer<"trunk", "x">(sg::Dense<10, 32>{}),
                         sg::layer<"head", "trunk">(sg::Dense<64, 2>{}));
  auto model = sg::make_model<float>(net);
  (void)model;
}
