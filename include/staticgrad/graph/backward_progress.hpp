// staticgrad/graph/backward_progress.hpp - told, during a backward pass, which gradients are final, so
// that they can be sent on (reduced over processes) while the rest of the pass still runs.
//
// Model::backward(progress) and Model::backward_together(..., &progress) (graph/model.hpp) call
// progress.final_from(offset) after the backward of each node that owns parameters, in the order the
// nodes run (the reverse of the network's). From then on, every element of model.gradients() at an
// index >= offset holds its final value for this pass: parameters are laid out in node order, a node's
// parameters receive gradient from its own expression only (and from the L2 term, which runs before the
// first node), and the nodes after it have run. The offsets of one pass decrease; the last call has
// offset 0. Nodes that are frozen or not computed are reported too (their gradients stay zero).
#pragma once

#include <cstddef>

namespace sg {

class BackwardProgress {
 public:
  virtual ~BackwardProgress() = default;
  virtual void final_from(std::size_t offset) = 0;
};

}  // namespace sg
