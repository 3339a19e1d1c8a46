// staticgrad/graph/transfer.hpp - transfer learning: start a network from another's parameters.
//
// `copy_parameters(from, to)` copies every parameter of `from` whose full name ("node.param") exists in
// `to` with the same shape: name the reused body's nodes the same in both networks, give the new head
// other names, and the head keeps its fresh random initialisation. Returns the names it copied; a name
// found in both with different shapes is not copied and, when `skipped` is given, is listed there. Then
// freeze the body (`to.freeze("fc1")`...) to train the head alone, and unfreeze to fine-tune.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "staticgrad/graph/model.hpp"

namespace sg {

template <class T, class NetFrom, class NetTo>
std::vector<std::string> copy_parameters(const Model<T, NetFrom>& from, Model<T, NetTo>& to,
                                         std::vector<std::string>* skipped = nullptr) {
  std::vector<std::string> copied;
  const auto names = from.parameter_names();
  for (std::size_t s = 0; s < names.size(); ++s) {
    const std::size_t t = to.find_parameter(names[s]);
    if (t == Model<T, NetTo>::slot_count) continue;
    if (to.parameter_shape(t) != from.parameter_shape(s)) {
      if (skipped) skipped->push_back(names[s]);
      continue;
    }
    auto src = from.param_view(s);
    auto dst = to.param_view(t);
    std::copy(src.data, src.data + src.size(), dst.data);
    copied.push_back(names[s]);
  }
  return copied;
}

}  // namespace sg
