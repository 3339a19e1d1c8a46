// expect-error: layer_width<sg::fixed_string<5>\{"head"\}, 64, sg::fixed_string<6>\{"trunk"\}, 32>
// expect-error: \(64 == 32\)
// expect-max-bytes: 4096
#include "staticgrad/staticgrad.hpp"

int main() {
  auto net = sg::network(sg::input<"x", 10>(), sg::layer<"trunk", "x">(sg::Dense<10, 32>{}),
                         sg::layer<"head", "trunk">(sg::Dense<64, 2>{}));
  auto model = sg::make_model<float>(net);
  (void)model;
}
