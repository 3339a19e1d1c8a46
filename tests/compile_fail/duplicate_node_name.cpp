// expect-error(GNU): unique_node_name<sg::fixed_string<4>\{"fc1"\}, false>
// expect-error(Clang): unique_node_name<fixed_string<4>\{"fc1"\}, false>
// expect-error: two nodes of the network have the same name
// expect-max-bytes: 4096
//
// Node names must be unique: a node's inputs are found by name, so a second "fc1" would make "out"
// read whichever the search met first.
#include "staticgrad/staticgrad.hpp"

int main() {
  auto net = sg::network(sg::input<"x", 8>(), sg::layer<"fc1", "x">(sg::Dense<8, 4>{}),
                         sg::layer<"fc1", "fc1">(sg::Dense<4, 4>{}), sg::layer<"out", "fc1">(sg::Dense<4, 2>{}));
  auto model = sg::make_model<float>(net);
  (void)model;
}
