// staticgrad/graph/model_gradient_check.hpp - gradient checking a whole model (double precision).
//
// Runs forward and backward once at the current parameters, then compares the gradient of every
// parameter that is not frozen with two-sided differences of the cost (see gradient_check.hpp). The
// model's mode and step are kept fixed during the check, so a dropout mask is the same in every
// evaluation. Use at points away from kinks (ReLU at exactly 0).
#pragma once

#include <span>
#include <vector>

#include "staticgrad/graph/gradient_check.hpp"
#include "staticgrad/graph/model.hpp"

namespace sg {

template <class Net>
GradientCheckResult check_model_gradient(Model<double, Net>& model, double epsilon = 1e-7) {
  model.forward();
  model.backward();
  const std::vector<double> analytic(model.gradients().begin(), model.gradients().end());
  std::vector<NamedParameter> params;
  for (const ParamSlice& s : model.slices()) {
    if (s.frozen) continue;
    params.push_back({std::string(s.name), model.parameters().subspan(s.offset, s.size),
                      std::span<const double>(analytic).subspan(s.offset, s.size)});
  }
  return gradient_check(params, [&] { return model.forward(); }, epsilon);
}

}  // namespace sg
