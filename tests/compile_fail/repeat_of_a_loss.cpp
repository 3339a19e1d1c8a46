// expect-error: sg::repeat<N>\(...\) cannot repeat a loss
// expect-max-bytes: 4096
//
// A loss inside sg::repeat is refused where the repeat is written (graph/repeat.hpp).
#include "staticgrad/staticgrad.hpp"

int main() {
  auto net = sg::sequential<8>(sg::Dense<8, 4>{}, sg::repeat<2>(sg::ReLU{}, sg::SoftmaxCrossEntropy{}));
  (void)net;
}
