// expect-error(GNU): layer_width<sg::fixed_string<9>\{"layer101"\}, 16, sg::fixed_string<9>\{"layer100"\}, 32>
// expect-error(Clang): layer_width<fixed_string<9>\{"layer101"\}, 16, fixed_string<9>\{"layer100"\}, 32>
// expect-error(GNU): \(16 == 32\)
// expect-error(Clang): requirement '16UL == 32UL'
// expect-max-bytes: 4096
//
// One wrong width at the end of a 50-layer chain (103 nodes): the diagnostics stay within 4 KB. The
// check is reported from the model's own body (graph/model.hpp), so the "required from" chain above it is
// the model and this line, not every metafunction that resolved the 103 nodes.
#include "staticgrad/staticgrad.hpp"

int main() {
  auto net = sg::sequential<32>(
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<32, 32>{}, sg::ReLU{}, sg::Dense<32, 32>{}, sg::ReLU{},
      sg::Dense<16, 10>{}, sg::SoftmaxCrossEntropy{});
  auto model = sg::make_model<float>(net);
  (void)model;
}
