// staticgrad/io/model_checkpoint.hpp - saving and restoring a model (and its optimiser) in a checkpoint.
//
// `save_checkpoint(path, model, optimizer, meta)` stores every parameter slot as a named tensor
// ("fc1.W", batch-norm running statistics included), the optimiser's state arrays and step counts (the
// per-slice ones by slice name), the architecture's fingerprint and text, and where training stood
// (meta's epoch and history; the model's step and seed, which key dropout masks), atomically
// (io/checkpoint.hpp). An optimiser without slice_steps() saves only its single count.
// `load_checkpoint(path, model, optimizer)` reads and validates the whole file, then checks it against
// the model (fingerprint, every tensor's name, shape and element type, the optimiser's name and state)
// and only then copies: on any error it throws, naming the file and the first mismatch, and the model
// and optimiser are unchanged. Pass `nullptr` as optimiser to save or load the weights alone.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "staticgrad/core/error.hpp"
#include "staticgrad/io/checkpoint.hpp"
#include "staticgrad/optim/param_slice.hpp"

namespace sg {

struct NoOptimizer {};

namespace detail {
template <class T>
constexpr ElementType element_type_of() {
  return std::is_same_v<T, float> ? ElementType::float32 : ElementType::float64;
}
template <class Model>
std::vector<TensorSpec> parameter_specs(const Model& model) {
  using T = typename Model::value_type;
  std::vector<TensorSpec> specs;
  for (std::size_t s = 0; s < Model::slot_count; ++s) {
    const auto [rows, cols] = model.parameter_shape(s);
    specs.push_back({model.parameter_names()[s], rows, cols, element_type_of<T>()});
  }
  return specs;
}
// The counts of `saved` in the order of `slices` (empty when `saved` is). Throws sg::format_error naming
// the first slice that is missing from `saved` or the first name of `saved` that is no slice.
inline std::vector<std::uint64_t> slice_steps_for(std::span<const SliceStepCount> saved,
                                                  std::span<const ParamSlice> slices) {
  std::vector<std::uint64_t> counts;
  if (saved.empty()) return counts;
  for (const ParamSlice& s : slices) {
    const auto match =
        std::find_if(saved.begin(), saved.end(), [&](const auto& c) { return c.name == s.name; });
    if (match == saved.end())
      throw format_error(
          fmt::format("optimizer slice step count \"{}\": expected in the checkpoint, not found", s.name));
    counts.push_back(match->steps);
  }
  for (const SliceStepCount& c : saved)
    if (std::none_of(slices.begin(), slices.end(), [&](const ParamSlice& s) { return s.name == c.name; }))
      throw format_error(
          fmt::format("optimizer slice step count \"{}\": in the checkpoint but not expected", c.name));
  return counts;
}
}  // namespace detail

template <class Model, class Optimizer = NoOptimizer>
void save_checkpoint(const std::string& path, const Model& model, const Optimizer* optimizer = nullptr,
                     CheckpointMeta meta = {}) {
  using T = typename Model::value_type;
  Checkpoint c;
  c.fingerprint = model.fingerprint();
  c.architecture = model.architecture();
  c.meta = std::move(meta);
  c.meta.step = model.step();
  c.meta.rng_state = {model.seed()};  // keys the dropout masks: a resumed run draws the same ones
  const auto params = model.parameters();
  for (std::size_t s = 0; s < Model::slot_count; ++s) {
    const auto [rows, cols] = model.parameter_shape(s);
    const auto& slice = model.slices()[s];
    c.tensors.push_back({model.parameter_names()[s], rows, cols,
                         std::vector<T>(params.begin() + slice.offset, params.begin() + slice.offset + slice.size)});
  }
  if constexpr (!std::is_same_v<Optimizer, NoOptimizer>) {
    if (optimizer) {
      c.meta.optimizer = std::string(Optimizer::name);
      c.meta.optimizer_steps = optimizer->step_count();
      const auto state = optimizer->state();
      const std::size_t n = params.size();
      if (state.size() == Optimizer::state_names.size() * n)
        for (std::size_t k = 0; k < Optimizer::state_names.size(); ++k)
          c.optimizer_state.push_back({std::string(Optimizer::state_names[k]), n, 1,
                                       std::vector<T>(state.begin() + k * n, state.begin() + (k + 1) * n)});
      c.meta.optimizer_slice_steps.clear();
      if constexpr (requires { optimizer->slice_steps(); }) {
        const auto counts = optimizer->slice_steps();  // empty before the first step
        const auto slices = model.slices();
        if (!counts.empty() && counts.size() != slices.size())
          throw shape_error(fmt::format("save_checkpoint {}: the optimizer counts steps for {} slices, "
                                        "the model has {}",
                                        path, counts.size(), slices.size()));
        for (std::size_t k = 0; k < counts.size(); ++k)
          c.meta.optimizer_slice_steps.push_back({std::string(slices[k].name), counts[k]});
      }
    }
  }
  save_checkpoint(path, c);
}

// Returns the checkpoint's metadata (epoch, step, seed, history) so that training can resume where it
// stood: FitOptions::initial_epoch = meta.epoch, FitOptions::initial_history = meta.history. The
// optimiser's per-slice step counts must name exactly the model's slices; a checkpoint without them
// (format version 1) gives every slice the single count.
template <class Model, class Optimizer = NoOptimizer>
CheckpointMeta load_checkpoint(const std::string& path, Model& model, Optimizer* optimizer = nullptr) {
  using T = typename Model::value_type;
  const Checkpoint c = load_checkpoint(path);  // validates the file itself
  const auto specs = detail::parameter_specs(model);
  std::vector<T> state;
  std::vector<std::uint64_t> slice_steps;  // in the model's slice order
  try {
    check_compatible(c, model.fingerprint(), specs);
    if constexpr (!std::is_same_v<Optimizer, NoOptimizer>) {
      if (optimizer) {
        const std::size_t n = model.parameters().size();
        std::vector<TensorSpec> expected;
        if (!c.optimizer_state.empty())
          for (auto name : Optimizer::state_names) expected.push_back({name, n, 1, detail::element_type_of<T>()});
        check_optimizer_state(c, Optimizer::name, expected);
        for (auto name : Optimizer::state_names)  // in the optimiser's order, whatever the file's
          for (const auto& r : c.optimizer_state)
            if (r.name == name) {
              auto v = r.template values<T>();
              state.insert(state.end(), v.begin(), v.end());
            }
        slice_steps = detail::slice_steps_for(c.meta.optimizer_slice_steps, model.slices());
      }
    }
  } catch (const error& e) {
    throw format_error(fmt::format("{}: {}", path, e.what()));
  }
  // Everything is validated: now change the model.
  auto params = model.parameters();
  for (const TensorRecord& r : c.tensors) {  // check_compatible matched every name, in any order
    auto v = r.template values<T>();
    std::copy(v.begin(), v.end(), params.begin() + model.slices()[model.find_parameter(r.name)].offset);
  }
  if constexpr (!std::is_same_v<Optimizer, NoOptimizer>)
    if (optimizer) {
      optimizer->load_state(state, c.meta.optimizer_steps);
      if constexpr (requires { optimizer->load_slice_steps(std::span<const std::uint64_t>(slice_steps)); })
        optimizer->load_slice_steps(std::span<const std::uint64_t>(slice_steps));  // validated: cannot throw
    }
  model.set_step(c.meta.step);
  if (!c.meta.rng_state.empty()) model.set_seed(c.meta.rng_state[0]);
  return c.meta;
}

}  // namespace sg
