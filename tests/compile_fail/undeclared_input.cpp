// expect-error(GNU): input_declared<sg::fixed_string<5>\{"head"\}, sg::fixed_string<6>\{"trunc"\}, false>
// expect-error(Clang): input_declared<fixed_string<5>\{"head"\}, fixed_string<6>\{"trunc"\}, false>
// expect-error: a node reads an input that is not declared before it
// expect-max-bytes: 4096
#include "staticgrad/staticgrad.hpp"

int main() {
  auto net = sg::network(sg::input<"x", 10>(), sg::layer<"trunk", "x">(sg::Dense<10, 32>{}),
                         sg::layer<"head", "trunc">(sg::Dense<32, 2>{}));
  auto model = sg::make_model<float>(net);
  (void)model;
}
