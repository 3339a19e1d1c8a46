// staticgrad/graph/model.hpp - a network instantiated for a scalar type: parameters, buffers, autodiff.
//
// `sg::Model<T, Net>` owns
//   - every parameter in ONE contiguous buffer and every gradient in another of the same length (so an
//     optimiser update is one fused pass, a checkpoint is one table, an allreduce is one call), described
//     by `slices()` (name "fc1.W", offset, size, frozen);
//   - each layer's expression for training and for evaluation, with their buffers, planned on the first
//     pass at a batch size and reused afterwards (a steady-state step allocates nothing).
// Use:
//   model.bind<"x">(X); model.bind<"y">(Y);   // views of n x m data; extents checked
//   T cost = model.forward();                  // in model.mode(): train or eval
//   model.backward();                          // gradients of the cost into gradients()
//   auto logits = model.output<"logits">();
// A node is computed only when all the inputs it depends on are bound, so `bind<"x">` alone followed by
// forward() in evaluation mode is inference: the losses, which need labels, are skipped.
// The cost is sum_k weight_k * loss_k + lambda / (2 m) * sum over weights ||W||_F^2 (see set_l2); its
// gradient, L2 included, is derived by the autodiff. The L2 term belongs to the training objective: in
// evaluation mode the cost is the data cost alone, comparable across values of lambda.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/core.h>

#include "staticgrad/core/error.hpp"
#include "staticgrad/core/indexed_tuple.hpp"
#include "staticgrad/core/random.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/backward_progress.hpp"
#include "staticgrad/graph/batch_exchange.hpp"
#include "staticgrad/graph/layer.hpp"
#include "staticgrad/graph/network.hpp"
#include "staticgrad/graph/nodes.hpp"
#include "staticgrad/graph/profile.hpp"
#include "staticgrad/init/initializer.hpp"
#include "staticgrad/ops/cross_entropy.hpp"
#include "staticgrad/optim/param_slice.hpp"

namespace sg {

// What a layer's before_forward/after_forward hooks see.
template <class T, class Model, class Node>
struct LayerAccess {
  Model& model;
  Node& node;
  std::size_t m;
  Mode mode;
  std::uint64_t seed;
  std::uint64_t step;
  std::size_t index = node.index;
  Matrix<T>& state(std::size_t k) { return node.state[k]; }
  template <std::size_t J> ConstView<T> input() { return model.output(node.inputs[J]); }
  View<T> param(std::size_t k) { return model.param_view(node.first_slot + k); }
  ConstView<T> output() { return node.value(mode); }
};

namespace detail {
// Parameter elements of a network: all of them, or those training updates (statistics excluded).
template <class T, class Net, std::size_t K>
constexpr std::size_t node_parameter_count(bool include_statistics) {
  using N = typename node_at<T, Net, K>::type;
  std::size_t n = 0;
  if constexpr (!N::is_input)
    for (const ParamDecl& d : N::layer_type::params)
      n += (include_statistics || d.role != ParamRole::statistic) ? d.rows * d.cols : 0;
  return n;
}
// (An array of per-node values, not a fold: a fold over N nodes is an expression N levels deep, which
// g++ walks in time O(N^2).)
template <class T, class Net, std::size_t... K>
constexpr std::size_t count_parameters(bool include_statistics, std::index_sequence<K...>) {
  const std::size_t counts[] = {0, node_parameter_count<T, Net, K>(include_statistics)...};
  std::size_t n = 0;
  for (std::size_t c : counts) n += c;
  return n;
}
// The first input of node K if it is a loss, Net::size otherwise.
template <class T, class Net, std::size_t K>
constexpr std::size_t loss_input() {
  using N = typename node_at<T, Net, K>::type;
  if constexpr (!N::is_input) {
    if constexpr (N::is_loss) return input_indices<Net, K>()[0];
    else return Net::size;
  } else {
    return Net::size;
  }
}
template <class T, class Net, std::size_t... K>
constexpr std::size_t first_loss_input(std::index_sequence<K...>) {
  const std::size_t inputs[] = {Net::size, loss_input<T, Net, K>()...};
  for (std::size_t in : inputs)
    if (in != Net::size) return in;
  return Net::size;
}
}  // namespace detail

namespace detail {
// Whether node type N is a layer whose training op shares its batch sums (graph/batch_exchange.hpp).
template <class N>
constexpr bool syncs_batch() {
  if constexpr (N::is_input) return false;
  else return requires { N::train_expression::op_type::sync_width; };
}
template <class T, class Net, std::size_t... K>
constexpr std::size_t count_batch_sync(std::index_sequence<K...>) {
  const bool syncs[] = {false, syncs_batch<typename node_at<T, Net, K>::type>()...};
  std::size_t n = 0;
  for (bool s : syncs) n += s ? 1 : 0;
  return n;
}
}  // namespace detail

template <class T, class Net>
class Model {
  static_assert(detail::resolve_in_order<T, Net>(std::make_index_sequence<Net::size>{}));
  // The network's checks, reported from here (see detail::layer_inputs): names are unique, and the
  // first input problem, a name read before it is declared or a declared width that differs from the
  // producer's.
  static constexpr std::size_t duplicate_ = first_duplicate_name(Net::names);
  static_assert(check::unique_node_name<detail::decl_t<Net, duplicate_ < Net::size ? duplicate_ : 0>::name,
                                        duplicate_ == Net::size>::ok);
  static constexpr detail::InputProblem input_problem_ =
      detail::first_input_problem<T, Net>(std::make_index_sequence<Net::size>{});
  static_assert(check::input_declared<detail::decl_t<Net, input_problem_.node>::name,
                                      detail::read_name<Net, input_problem_.node, input_problem_.input>(),
                                      !input_problem_.missing>::ok);
  static_assert(check::layer_input_width<detail::decl_t<Net, input_problem_.node>::name,
                                         detail::decl_kind<detail::decl_t<Net, input_problem_.node>>(),
                                         input_problem_.expected,
                                         detail::decl_t<Net, input_problem_.producer>::name,
                                         input_problem_.actual>::ok);
  template <std::size_t... I>
  static auto node_tuple(std::index_sequence<I...>) -> indexed_tuple<typename detail::node_at<T, Net, I>::type...>;
  using Nodes = decltype(node_tuple(std::make_index_sequence<Net::size>{}));

  template <std::size_t K>
  using node_t = typename detail::node_at<T, Net, K>::type;

  template <fixed_string Name>
  static constexpr std::size_t index_of() {
    constexpr std::size_t k = find_node(Net::names, Name.view(), Net::size);
    static_assert(check::input_declared<"model", Name, (k < Net::size)>::ok);
    return k;
  }

 public:
  using value_type = T;
  using network_type = Net;
  static constexpr std::size_t node_count = Net::size;
  static constexpr std::size_t slot_count = detail::slot_base<Net>[Net::size];

  // Number of parameter elements: all, and those that training updates (statistics excluded).
  static constexpr std::size_t parameter_count =
      detail::count_parameters<T, Net>(true, std::make_index_sequence<Net::size>{});
  static constexpr std::size_t trainable_parameter_count =
      detail::count_parameters<T, Net>(false, std::make_index_sequence<Net::size>{});

  // Initialise every parameter from `seed` by its layer's scheme (He, Xavier, zeros, ...).
  explicit Model(const Net& net, std::uint64_t seed = 0)
      : nodes_(make_nodes(net, std::make_index_sequence<Net::size>{})), net_(net), seed_(seed) {
    params_.resize(parameter_count, 1);
    grads_.resize(parameter_count, 1);
    params_.fill(T(0));
    grads_.fill(T(0));
    std::size_t offset = 0;
    for_each_element(nodes_, [&](auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (!N::is_input) {
        for (std::size_t k = 0; k < N::layer_type::params.size(); ++k) {
          const ParamDecl& d = N::layer_type::params[k];
          names_.push_back(fmt::format("{}.{}", node.name, d.name));
          shapes_.push_back({d.rows, d.cols});
          roles_.push_back(d.role);
          slices_.push_back({{}, offset, d.rows * d.cols, d.role == ParamRole::statistic});
          owner_.push_back(node.index);
          offset += d.rows * d.cols;
        }
      }
    });
    for (std::size_t s = 0; s < slot_count; ++s) slices_[s].name = names_[s];
    reinitialize(seed);
    update_backward_needs();
  }

  Model(Model&&) noexcept = default;
  Model& operator=(Model&&) noexcept = default;
  Model(const Model&) = delete;  // expressions refer to parameters by slot; copy parameters explicitly
  Model& operator=(const Model&) = delete;

  // Draw every parameter again from `seed`, by its layer's initialisation scheme.
  void reinitialize(std::uint64_t seed) {
    seed_ = seed;
    for_each_element(nodes_, [&](auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (!N::is_input)
        for (std::size_t k = 0; k < N::layer_type::params.size(); ++k)
          initialize(param_view(node.first_slot + k), initial_scheme(node.layer, k), seed,
                     random::stream_id("init", node.first_slot + k));
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Data and passes

  // Bind data input `Name` to `data` (rows x m) for the next passes. The view must outlive them.
  template <fixed_string Name>
  void bind(ConstView<T> data) {
    auto& node = get_node<index_of<Name>()>();
    static_assert(std::remove_cvref_t<decltype(node)>::is_input, "staticgrad: bind<Name>() needs a data input");
    check::rows_extent(fmt::format("input \"{}\"", Name.view()), std::remove_cvref_t<decltype(node)>::shape::rows,
                       data.rows);
    node.bound = data;
    node.is_bound = true;
    outputs_[node.index] = data;
  }
  // Whether the network has a data input called `Name`, and its number of rows.
  template <fixed_string Name>
  static constexpr bool has_input() {
    constexpr std::size_t k = find_node(Net::names, Name.view(), Net::size);
    if constexpr (k < Net::size) return node_t<k>::is_input;
    else return false;
  }
  template <fixed_string Name>
  static constexpr std::size_t input_rows() {
    return node_t<index_of<Name>()>::shape::rows;
  }

  template <fixed_string Name>
  void unbind() {
    get_node<index_of<Name>()>().is_bound = false;
  }
  void unbind_all() {
    for_each_element(nodes_, [](auto& n) {
      if constexpr (std::remove_cvref_t<decltype(n)>::is_input) n.is_bound = false;
    });
  }

  // Evaluate every node whose inputs are bound, in the current mode; returns the cost (0 without losses).
  T forward() {
    begin_forward();
    for_each_element(nodes_, [&](auto& node) { forward_node(node); });
    return finish_forward();
  }

  // Gradients of the last forward's cost with respect to every parameter that is not frozen.
  void backward() { run_backward(nullptr); }
  // The same, telling `progress` after each node which gradients are final (graph/backward_progress.hpp).
  void backward(BackwardProgress& progress) { run_backward(&progress); }

  // ------------------------------------------------------------------------------------------------
  // Shards of one batch in lockstep (synchronised batch norm: graph/batch_exchange.hpp)

  // Whether a layer's training expression sums over the batch in a way the shards can share.
  static constexpr bool has_batch_sync =
      detail::count_batch_sync<T, Net>(std::make_index_sequence<Net::size>{}) > 0;

  // A model of the same network holding this one's parameters, frozen parameters, mode, L2, seed, step.
  Model replica() const {
    Model r(net_, seed_);
    copy_state_to(r);
    return r;
  }
  // Makes `r` (a replica) hold this model's parameters, frozen parameters, mode, L2, seed and step.
  void copy_state_to(Model& r) const {
    std::copy(params_.data(), params_.data() + params_.size(), r.params_.data());
    bool frozen_changed = false;
    for (std::size_t s = 0; s < slot_count; ++s)
      if (r.slices_[s].frozen != slices_[s].frozen) {
        r.slices_[s].frozen = slices_[s].frozen;
        frozen_changed = true;
      }
    if (frozen_changed) r.update_backward_needs();
    r.mode_ = mode_;
    r.l2_lambda_ = l2_lambda_;
    r.seed_ = seed_;
    r.step_ = step_;
  }
  // Copies the data bound to every input into buffers of this model (planned once, reused), so that the
  // caller's buffers may change before the passes run: shards bound one after another through one feed.
  void hold_bound_inputs() {
    held_inputs_.resize(Net::size);
    for_each_element(nodes_, [&](auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (N::is_input)
        if (node.is_bound) {
          Matrix<T>& held = held_inputs_[node.index];
          held.resize(node.bound.rows, node.bound.cols);
          std::copy(node.bound.data, node.bound.data + node.bound.rows * node.bound.cols, held.data());
          node.bound = ConstView<T>(held.view());
          outputs_[node.index] = node.bound;
        }
    });
  }
  // forward() of every model in `shards` (each bound to its shard of the batch; this model may be one of
  // them, and they may be none), node by node together: at a node whose op shares its batch sums (in
  // training mode), every shard's partial goes through `exchange`, so each normalises with the whole
  // batch's statistics. Each shard's cost() is its own. Every process of a job calls it with its shards.
  void forward_together(std::span<Model* const> shards, BatchExchange& exchange) {
    for (Model* s : shards) s->begin_forward();
    collect_nodes(shards);
    for_each_element(nodes_, [&](auto& node) { forward_node_together(node, shards, exchange); });
    for (Model* s : shards) s->finish_forward();
  }
  // backward() of every model in `shards` after forward_together, node by node in reverse together, the
  // batch sums of the synchronised ops through `exchange`. `progress`, if given, is told after each node
  // which gradients are final in every shard's model (graph/backward_progress.hpp).
  void backward_together(std::span<Model* const> shards, BatchExchange& exchange,
                         BackwardProgress* progress = nullptr) {
    for (Model* s : shards) s->begin_backward();
    collect_nodes(shards);
    for_each_element_reversed(nodes_, [&](auto& node) {
      backward_node_together(node, shards, exchange);
      report_final(node, progress);
    });
  }

  // The value of node `Name` after the last forward (rows x m).
  template <fixed_string Name>
  ConstView<T> output() const {
    return output<index_of<Name>()>();
  }
  // The adjoint dCost/dValue of node `Name` after the last backward (empty for data inputs and for
  // nodes that need no backward pass).
  template <fixed_string Name>
  ConstView<T> gradient_of() {
    return adjoint<index_of<Name>()>();
  }
  // Buffer k of node `Name`'s state (a dropout mask).
  template <fixed_string Name>
  ConstView<T> state_of(std::size_t k) const {
    return state<index_of<Name>()>(k);
  }
  T cost() const { return cost_; }
  std::size_t batch_size() const { return m_; }

  // The node a model predicts with: the first input of its first loss (the logits, for a classifier),
  // or the last node when there is no loss.
  static constexpr std::size_t prediction_index = [] {
    const std::size_t first = detail::first_loss_input<T, Net>(std::make_index_sequence<Net::size>{});
    return first < Net::size ? first : Net::size - 1;
  }();
  static constexpr std::string_view prediction_name = Net::names[prediction_index];
  using prediction_shape = typename node_t<prediction_index>::shape;
  ConstView<T> prediction() const { return output<prediction_index>(); }

  // The first node, in forward order, whose last output holds a NaN or an infinity ("" when none): where
  // a diverging run first went wrong.
  std::string_view first_non_finite_node() const {
    std::string_view found;
    for_each_element(nodes_, [&](const auto& node) {
      if (!found.empty() || !computed_[node.index]) return;
      ConstView<T> v = outputs_[node.index];
      for (std::size_t k = 0; k < v.size(); ++k)
        if (!std::isfinite(v.data[k])) {
          found = node.name;
          return;
        }
    });
    return found;
  }

  // ------------------------------------------------------------------------------------------------
  // Parameters

  std::span<T> parameters() { return {params_.data(), params_.size()}; }
  std::span<const T> parameters() const { return {params_.data(), params_.size()}; }
  std::span<T> gradients() { return {grads_.data(), grads_.size()}; }
  std::span<const T> gradients() const { return {grads_.data(), grads_.size()}; }
  std::span<const ParamSlice> slices() const { return slices_; }
  std::span<const std::string> parameter_names() const { return names_; }
  ParamRole role(std::size_t slot) const { return roles_[slot]; }
  std::pair<std::size_t, std::size_t> parameter_shape(std::size_t slot) const { return shapes_[slot]; }
  View<T> param_view(std::size_t slot) {
    return {params_.data() + slices_[slot].offset, shapes_[slot].first, shapes_[slot].second};
  }
  ConstView<T> param_view(std::size_t slot) const {
    return {params_.data() + slices_[slot].offset, shapes_[slot].first, shapes_[slot].second};
  }
  // The slot of parameter "node.param", or slot_count when there is none.
  std::size_t find_parameter(std::string_view full_name) const {
    for (std::size_t s = 0; s < slot_count; ++s)
      if (names_[s] == full_name) return s;
    return slot_count;
  }

  // Freeze (or unfreeze) every parameter of node `node_name`: no gradient is computed for it and no
  // optimiser updates it. Statistics stay frozen whatever is asked.
  void freeze(std::string_view node_name, bool frozen = true) {
    bool found = false;
    for (std::size_t s = 0; s < slot_count; ++s)
      if (Net::names[owner_[s]] == node_name) {
        slices_[s].frozen = frozen || roles_[s] == ParamRole::statistic;
        found = true;
      }
    if (!found && find_node(Net::names, node_name, Net::size) == Net::size)
      throw error(fmt::format("staticgrad: freeze(\"{}\"): no node of that name", node_name));
    update_backward_needs();
  }
  void unfreeze(std::string_view node_name) { freeze(node_name, false); }
  void unfreeze_all() {
    for (std::size_t s = 0; s < slot_count; ++s) freeze(Net::names[owner_[s]], false);
  }
  bool frozen(std::size_t slot) const { return slices_[slot].frozen; }

  // L2 regularisation strength lambda (0: none); weights only (role weight), biases excluded.
  void set_l2(double lambda) { l2_lambda_ = lambda; }
  double l2() const { return l2_lambda_; }

  // ------------------------------------------------------------------------------------------------
  // Modes, randomness

  Mode mode() const { return mode_; }
  void set_mode(Mode m) { mode_ = m; }
  std::uint64_t seed() const { return seed_; }
  void set_seed(std::uint64_t s) { seed_ = s; }
  // The training step counter keys random masks (dropout): a fresh mask per step, the same mask when a
  // step is re-evaluated (gradient checking).
  std::uint64_t step() const { return step_; }
  void set_step(std::uint64_t s) { step_ = s; }

  // ------------------------------------------------------------------------------------------------
  // The context protocol used by expressions (see graph/expression.hpp).

  ConstView<T> param(std::size_t slot) const { return param_view(slot); }
  View<T> param_grad(std::size_t slot) {
    if (slices_[slot].frozen) return {};
    return {grads_.data() + slices_[slot].offset, shapes_[slot].first, shapes_[slot].second};
  }
  template <std::size_t I>
  ConstView<T> output() const {
    const auto& node = get_node<I>();
    if constexpr (std::remove_cvref_t<decltype(node)>::is_input) return node.bound;
    else return node.value(mode_);
  }
  template <std::size_t I>
  View<T> adjoint() {
    auto& node = get_node<I>();
    if constexpr (std::remove_cvref_t<decltype(node)>::is_input) return {};
    else return needs_backward_[I] ? node.visit(mode_, [](auto& e) { return e.adjoint(); }) : View<T>{};
  }
  // Node i's output and adjoint for an index known at run time (OutputLeaf, LayerAccess::input): the
  // views the current passes recorded (an output once the node is computed, an adjoint once backward()
  // has zeroed it; empty for data inputs and for nodes that need no backward pass).
  ConstView<T> output(std::size_t i) const { return outputs_[i]; }
  View<T> adjoint(std::size_t i) { return adjoints_[i]; }
  // Buffer k of the state of the layer whose expression is being run (StateLeaf).
  ConstView<T> layer_state(std::size_t k) const { return layer_state_[k].view(); }
  template <std::size_t I>
  ConstView<T> state(std::size_t k) const {
    return get_node<I>().state[k].view();
  }

  // ------------------------------------------------------------------------------------------------
  // Description

  // One line per node: name, kind, inputs, output shape, parameter shapes. Two models with the same
  // architecture text can exchange checkpoints.
  std::string architecture() const {
    std::string text;
    for_each_element(nodes_, [&](const auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (N::is_input) {
        text += fmt::format("{} input {}xm{}\n", node.name, N::shape::rows, image_note<N>());
      } else {
        text += fmt::format("{} {} <-", node.name, N::layer_type::kind.view());
        for (std::size_t in : node.inputs) text += fmt::format(" {}", Net::names[in]);
        text += fmt::format(" : {}x{}{}", N::shape::rows, shape_text(N::shape::cols), image_note<N>());
        for (const ParamDecl& d : N::layer_type::params) text += fmt::format(" {}[{}x{}]", d.name, d.rows, d.cols);
        text += "\n";
      }
    });
    return text;
  }
  // FNV-1a hash of architecture(): stored in checkpoints to refuse loading into another network.
  std::uint64_t fingerprint() const {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : architecture()) h = (h ^ c) * 0x100000001b3ull;
    return h;
  }

  // Calls f(node) for each node in declaration (topological) order, with the node as a const reference:
  // node.name, node.index, N::is_input, N::shape, N::image, and for a layer N::layer_type, N::is_loss,
  // node.inputs, node.first_slot and node.layer. For exporters (io/onnx.hpp) that walk the graph without touching the passes.
  template <class F>
  void for_each_node(F&& f) const {
    for_each_element(nodes_, [&](const auto& node) { f(node); });
  }

  // Time every layer node's passes from now on (graph/profile.hpp), or stop; turning it on clears
  // the times so far.
  void set_profiling(bool on) {
    profiling_ = on;
    if (on) timings_ = {};
  }
  bool profiling() const { return profiling_; }
  // The times summed since profiling was last turned on.
  Profile profile() const {
    Profile p;
    for_each_element(nodes_, [&](const auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (!N::is_input)
        p.nodes.push_back({std::string(node.name), std::string(N::layer_type::kind.view()),
                           timings_[node.index].forward, timings_[node.index].backward});
    });
    return p;
  }

  // A table of node, kind, output shape and parameter count, with the totals.
  std::string summary() const {
    std::string out = fmt::format("{:<16} {:<26} {:<12} {:>10}\n", "node", "kind", "output", "params");
    out += std::string(67, '-') + "\n";
    for_each_element(nodes_, [&](const auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (N::is_input) {
        out += fmt::format("{:<16} {:<26} {:<12} {:>10}\n", node.name, "Input",
                           fmt::format("{}xm", image_text<typename N::image>()), 0);
      } else {
        std::size_t count = 0;
        for (const ParamDecl& d : N::layer_type::params) count += d.rows * d.cols;
        out += fmt::format("{:<16} {:<26} {:<12} {:>10}\n", node.name, N::layer_type::kind.view(),
                           fmt::format("{}x{}", image_text<typename N::image>(), shape_text(N::shape::cols)), count);
      }
    });
    out += std::string(67, '-') + "\n";
    out += fmt::format("total parameters: {} (trainable {}, statistics {})\n", parameter_count,
                       trainable_parameter_count, parameter_count - trainable_parameter_count);
    return out;
  }

 private:
  template <std::size_t K>
  using node_inputs_t = decltype(detail::node_inputs<Net, K>());
  template <std::size_t... K>
  static Nodes make_nodes(const Net& net, std::index_sequence<K...>) {
    return Nodes(from_makers,
                 detail::build_node<node_t<K>, detail::decl_t<Net, K>, node_inputs_t<K>>{
                     get<K>(net.decls), K, detail::slot_base<Net>[K], detail::node_inputs<Net, K>()}...);
  }
  static std::string shape_text(std::size_t cols) { return cols == batch ? "m" : fmt::format("{}", cols); }
  // " image CxHxW" for a node whose samples are images; nothing for plain features (so the
  // architecture text, and with it the checkpoint fingerprint, of a network without images is unchanged).
  template <class N>
  static std::string image_note() {
    if constexpr (N::image::is_flat) return {};
    else return fmt::format(" image {}", image_text<typename N::image>());
  }

  void begin_forward() {
    m_ = batch_extent();
    pass_cost_ = 0;
    losses_computed_ = 0;
  }
  T finish_forward() {
    if (l2_lambda_ > 0 && mode_ == Mode::train)
      pass_cost_ += static_cast<T>(l2_lambda_ / (2.0 * static_cast<double>(m_))) * l2_penalty();
    cost_ = pass_cost_;
    return cost_;
  }
  void run_backward(BackwardProgress* progress) {
    begin_backward();
    for_each_element_reversed(nodes_, [&](auto& node) {
      backward_node(node);
      report_final(node, progress);
    });
  }
  template <class N>
  void report_final(const N& node, BackwardProgress* progress) const {
    if constexpr (!N::is_input)
      if constexpr (N::layer_type::params.size() > 0)
        if (progress) progress->final_from(slices_[node.first_slot].offset);
  }
  void begin_backward() {
    if (losses_computed_ == 0)
      throw error("staticgrad: backward() after a forward() that computed no loss (are the labels bound?)");
    grads_.fill(T(0));
    for_each_element(nodes_, [&](auto& node) { seed_adjoint(node); });
    if (l2_lambda_ > 0 && mode_ == Mode::train) l2_backward();
  }

  // Lockstep: node `index` of shard i is together_nodes_[i * Net::size + index] (its type is known where
  // it is read).
  void collect_nodes(std::span<Model* const> shards) {
    together_nodes_.resize(shards.size() * Net::size);
    for (std::size_t i = 0; i < shards.size(); ++i)
      for_each_element(shards[i]->nodes_,
                       [&](auto& node) { together_nodes_[i * Net::size + node.index] = &node; });
  }
  template <class N>
  N& node_of_shard(std::size_t i, const N& node) const {
    return *static_cast<N*>(together_nodes_[i * Net::size + node.index]);
  }
  // Rounds [first, last) of node's synchronised op: every shard's partial, one exchange, the totals back.
  template <class N>
  void exchange_batch_sums(const N& node, std::span<Model* const> shards, BatchExchange& exchange,
                           std::size_t first, std::size_t last, bool weighted) {
    using Op = typename N::train_expression::op_type;
    for (std::size_t round = first; round < last; ++round) {
      std::span<double> partials = exchange.partials(shards.size(), Op::sync_width);
      for (std::size_t i = 0; i < shards.size(); ++i) {
        auto& e = node_of_shard(i, node).train_expr;
        e.op.sync_partial(round, std::get<0>(e.inputs).value(*shards[i]), ConstView<T>(e.adjoint()),
                          partials.subspan(i * Op::sync_width, Op::sync_width));
      }
      const std::span<const double> total = exchange.sum(Op::sync_width, weighted);
      for (std::size_t i = 0; i < shards.size(); ++i)
        node_of_shard(i, node).train_expr.op.sync_total(round, total);
    }
  }
  template <class N>
  [[gnu::noinline]] void forward_node_together(N& node, std::span<Model* const> shards,
                                               BatchExchange& exchange) {
    if constexpr (detail::syncs_batch<N>())
      if (mode_ == Mode::train) {
        constexpr std::size_t rounds = N::train_expression::op_type::sync_forward_rounds;
        exchange_batch_sums(node, shards, exchange, 0, rounds, false);
      }
    for (std::size_t i = 0; i < shards.size(); ++i) shards[i]->forward_node(node_of_shard(i, node));
  }
  template <class N>
  [[gnu::noinline]] void backward_node_together(N& node, std::span<Model* const> shards,
                                                BatchExchange& exchange) {
    if constexpr (detail::syncs_batch<N>())
      if (mode_ == Mode::train && needs_backward_[node.index]) {
        constexpr std::size_t round = N::train_expression::op_type::sync_forward_rounds;
        exchange_batch_sums(node, shards, exchange, round, round + 1, true);
      }
    for (std::size_t i = 0; i < shards.size(); ++i) shards[i]->backward_node(node_of_shard(i, node));
  }

  // The passes, node by node. forward() and backward() are a sequence of calls, one per node, of these
  // functions (through sg::for_each_element), which are templates of the node type only and not inlined: a network of 200 Dense<32, 32>
  // layers compiles one forward_node for all of them, and no function body grows with the depth (one body
  // with every node's pass inlined cost the optimiser super-linear time).
  template <class N>
  [[gnu::noinline]] void forward_node(N& node) {
    if constexpr (N::is_input) {
      computed_[node.index] = node.is_bound;
    } else {
      bool ready = true;
      for (std::size_t in : node.inputs) ready = ready && computed_[in];
      computed_[node.index] = ready;
      if (!ready) return;
      detail::ScopedPassTimer timer(profiling_ ? &timings_[node.index].forward : nullptr);
      LayerAccess<T, Model, N> access{*this, node, m_, mode_, seed_, step_};
      if constexpr (requires { node.layer.before_forward(access); }) node.layer.before_forward(access);
      layer_state_ = node.state.data();
      node.visit(mode_, [&](auto& e) { e.forward(*this, m_); });
      outputs_[node.index] = node.value(mode_);
      if constexpr (requires { node.layer.after_forward(access); }) node.layer.after_forward(access);
      if constexpr (N::is_loss) {
        pass_cost_ += static_cast<T>(node.loss_weight) * node.value(mode_)(0, 0);
        ++losses_computed_;
      }
    }
  }
  // A loss's adjoint starts at its weight, every other adjoint at zero.
  template <class N>
  [[gnu::noinline]] void seed_adjoint(N& node) {
    adjoints_[node.index] = {};
    if constexpr (!N::is_input) {
      if (computed_[node.index] && needs_backward_[node.index]) {
        PassTime zeroing;  // profiled as part of the node's backward pass (whose calls count the steps)
        {
          detail::ScopedPassTimer timer(profiling_ ? &zeroing : nullptr);
          View<T> adj = node.visit(mode_, [&](auto& e) { return e.zeroed_adjoint(m_); });
          if constexpr (N::is_loss) adj.data[0] = static_cast<T>(node.loss_weight);
          adjoints_[node.index] = adj;
        }
        timings_[node.index].backward.seconds += zeroing.seconds;
      }
    }
  }
  template <class N>
  [[gnu::noinline]] void backward_node(N& node) {
    if constexpr (!N::is_input)
      if (computed_[node.index] && needs_backward_[node.index]) {
        detail::ScopedPassTimer timer(profiling_ ? &timings_[node.index].backward : nullptr);
        layer_state_ = node.state.data();
        node.visit(mode_, [&](auto& e) { e.backward(*this, m_); });
      }
  }

  // Node K, reached through its element's base: no lookup whose cost grows with the network.
  template <std::size_t K>
  node_t<K>& get_node() {
    return static_cast<indexed_element<K, node_t<K>>&>(nodes_).value;
  }
  template <std::size_t K>
  const node_t<K>& get_node() const {
    return static_cast<const indexed_element<K, node_t<K>>&>(nodes_).value;
  }

  // The batch extent m shared by all bound inputs.
  std::size_t batch_extent() const {
    std::size_t m = 0;
    std::string_view first;
    for_each_element(nodes_, [&](const auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (N::is_input) {
        if (!node.is_bound) return;
        if (first.empty()) {
          m = node.bound.cols;
          first = node.name;
        } else {
          check::batch_extent(fmt::format("input \"{}\"", node.name), m,
                              fmt::format("input \"{}\"", first), node.bound.cols, "its data");
        }
      }
    });
    if (first.empty()) throw error("staticgrad: forward() with no input bound (call bind<\"name\">(data) first)");
    if (m == 0) throw shape_error(fmt::format("staticgrad: input \"{}\" has 0 samples", first));
    return m;
  }

  // A layer needs a backward pass when it has a trainable parameter or reads a layer that needs one.
  void update_backward_needs() {
    for_each_element(nodes_, [&](auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (N::is_input) {
        needs_backward_[node.index] = false;
      } else {
        bool needs = false;
        for (std::size_t k = 0; k < N::layer_type::params.size(); ++k)
          needs = needs || !slices_[node.first_slot + k].frozen;
        for (std::size_t in : node.inputs) needs = needs || needs_backward_[in];
        needs_backward_[node.index] = needs;
      }
    });
  }

  // sum over weight parameters of ||W||_F^2, each as an expression (LayerNode::l2_terms) so that its
  // gradient is derived.
  T l2_penalty() {
    T total = 0;
    for_each_element(nodes_, [&](auto& node) {
      for_each_l2_term(node, [&](auto& term) {
        term.forward(*this, m_);
        total += term.value()(0, 0);
      });
    });
    return total;
  }
  void l2_backward() {
    const T seed = static_cast<T>(l2_lambda_ / (2.0 * static_cast<double>(m_)));
    for_each_element(nodes_, [&](auto& node) {
      for_each_l2_term(node, [&](auto& term) {
        term.zeroed_adjoint(m_).data[0] = seed;
        term.backward(*this, m_);
      });
    });
  }
  // f(term) for each L2 term of `node` that is a trainable weight's.
  template <class N, class F>
  void for_each_l2_term(N& node, F&& f) {
    if constexpr (!N::is_input)
      std::apply([&](auto&... term) {
        std::size_t slot = node.first_slot;
        [[maybe_unused]] const auto visit_term = [&](auto& t) {
          if (roles_[slot] == ParamRole::weight && !slices_[slot].frozen) f(t);
          ++slot;
        };
        (visit_term(term), ...);
      }, node.l2_terms);
  }

  Nodes nodes_;
  Net net_;  // the declaration the nodes were built from (for replica())
  Matrix<T> params_, grads_;
  std::vector<std::string> names_;
  std::vector<std::pair<std::size_t, std::size_t>> shapes_;
  std::vector<ParamRole> roles_;
  std::vector<ParamSlice> slices_;
  std::vector<std::size_t> owner_;
  std::array<bool, Net::size> computed_{};
  std::array<ConstView<T>, Net::size> outputs_{};
  std::array<View<T>, Net::size> adjoints_{};
  const Matrix<T>* layer_state_ = nullptr;  // the state buffers of the layer being run
  std::vector<void*> together_nodes_;        // forward_together: every shard's nodes
  std::vector<Matrix<T>> held_inputs_;       // hold_bound_inputs: copies of the inputs' data
  bool profiling_ = false;
  struct NodePassTimes {
    PassTime forward, backward;
  };
  std::array<NodePassTimes, Net::size> timings_{};
  std::array<bool, Net::size> needs_backward_{};
  Mode mode_ = Mode::train;
  std::uint64_t seed_ = 0, step_ = 0;
  std::size_t m_ = 0;
  std::size_t losses_computed_ = 0;
  double l2_lambda_ = 0;
  T cost_ = 0;
  T pass_cost_ = 0;  // the cost being summed by a forward pass
};

// Model<T>(net, seed) without spelling the network's type.
template <class T, class Net>
Model<T, Net> make_model(const Net& net, std::uint64_t seed = 0) {
  return Model<T, Net>(net, seed);
}

// Switch a model's mode for a scope, restoring the previous mode on exit.
template <class M>
class ModeGuard {
 public:
  ModeGuard(M& model, Mode mode) : model_(model), previous_(model.mode()) { model_.set_mode(mode); }
  ~ModeGuard() { model_.set_mode(previous_); }
  ModeGuard(const ModeGuard&) = delete;
  ModeGuard& operator=(const ModeGuard&) = delete;

 private:
  M& model_;
  Mode previous_;
};

}  // namespace sg
