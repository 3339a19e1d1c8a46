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

#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/hana/at.hpp>
#include <boost/hana/flatten.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>
#include <fmt/format.h>

#include "staticgrad/core/error.hpp"
#include "staticgrad/core/random.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/layer.hpp"
#include "staticgrad/graph/network.hpp"
#include "staticgrad/graph/nodes.hpp"
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
  static constexpr std::size_t index = Node::index;
  Matrix<T>& state(std::size_t k) { return node.state[k]; }
  template <std::size_t J> ConstView<T> input() { return model.template output<Node::inputs[J]>(); }
  View<T> param(std::size_t k) { return model.param_view(Node::first_slot + k); }
  ConstView<T> output() { return node.value(mode); }
};

namespace detail {
// Parameter elements of a network: all of them, or those training updates (statistics excluded).
template <class T, class Net>
constexpr std::size_t count_parameters(bool include_statistics) {
  std::size_t n = 0;
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    // K reaches the inner lambda as its template argument, not inside its body: clang 16 crashes on a
    // fold whose pattern is a lambda naming the pack only in its body (here in a local alias).
    (
        [&]<std::size_t J>() {
          using N = typename node_at<T, Net, J>::type;
          if constexpr (!N::is_input)
            for (const ParamDecl& d : N::layer_type::params)
              n += (include_statistics || d.role != ParamRole::statistic) ? d.rows * d.cols : 0;
        }.template operator()<K>(),
        ...);
  }(std::make_index_sequence<Net::size>{});
  return n;
}
}  // namespace detail

template <class T, class Net>
class Model {
  template <std::size_t... I>
  static auto node_tuple(std::index_sequence<I...>) -> boost::hana::tuple<typename detail::node_at<T, Net, I>::type...>;
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
  static constexpr std::size_t parameter_count = detail::count_parameters<T, Net>(true);
  static constexpr std::size_t trainable_parameter_count = detail::count_parameters<T, Net>(false);

  // Initialise every parameter from `seed` by its layer's scheme (He, Xavier, zeros, ...).
  explicit Model(const Net& net, std::uint64_t seed = 0)
      : nodes_(make_nodes(net, std::make_index_sequence<Net::size>{})), seed_(seed) {
    params_.resize(parameter_count, 1);
    grads_.resize(parameter_count, 1);
    params_.fill(T(0));
    grads_.fill(T(0));
    std::size_t offset = 0;
    boost::hana::for_each(nodes_, [&](auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (!N::is_input) {
        for (std::size_t k = 0; k < N::layer_type::params.size(); ++k) {
          const ParamDecl& d = N::layer_type::params[k];
          names_.push_back(fmt::format("{}.{}", N::decl::name.view(), d.name));
          shapes_.push_back({d.rows, d.cols});
          roles_.push_back(d.role);
          slices_.push_back({{}, offset, d.rows * d.cols, d.role == ParamRole::statistic});
          owner_.push_back(N::index);
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
    boost::hana::for_each(nodes_, [&](auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (!N::is_input)
        for (std::size_t k = 0; k < N::layer_type::params.size(); ++k)
          initialize(param_view(N::first_slot + k), initial_scheme(node.layer, k), seed,
                     random::stream_id("init", N::first_slot + k));
    });
  }

  // ------------------------------------------------------------------------------------------------
  // Data and passes

  // Bind data input `Name` to `data` (rows x m) for the next passes. The view must outlive them.
  template <fixed_string Name>
  void bind(ConstView<T> data) {
    auto& node = boost::hana::at_c<index_of<Name>()>(nodes_);
    static_assert(std::remove_cvref_t<decltype(node)>::is_input, "staticgrad: bind<Name>() needs a data input");
    check::rows_extent(fmt::format("input \"{}\"", Name.view()), std::remove_cvref_t<decltype(node)>::shape::rows,
                       data.rows);
    node.bound = data;
    node.is_bound = true;
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
    boost::hana::at_c<index_of<Name>()>(nodes_).is_bound = false;
  }
  void unbind_all() {
    boost::hana::for_each(nodes_, [](auto& n) {
      if constexpr (std::remove_cvref_t<decltype(n)>::is_input) n.is_bound = false;
    });
  }

  // Evaluate every node whose inputs are bound, in the current mode; returns the cost (0 without losses).
  T forward() {
    m_ = batch_extent();
    T cost = 0;
    losses_computed_ = 0;
    boost::hana::for_each(nodes_, [&](auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (N::is_input) {
        computed_[N::index] = node.is_bound;
      } else {
        bool ready = true;
        for (std::size_t in : N::inputs) ready = ready && computed_[in];
        computed_[N::index] = ready;
        if (!ready) return;
        LayerAccess<T, Model, N> access{*this, node, m_, mode_, seed_, step_};
        if constexpr (requires { node.layer.before_forward(access); }) node.layer.before_forward(access);
        node.visit(mode_, [&](auto& e) { e.forward(*this, m_); });
        if constexpr (requires { node.layer.after_forward(access); }) node.layer.after_forward(access);
        if constexpr (N::is_loss) {
          cost += static_cast<T>(node.loss_weight) * node.value(mode_)(0, 0);
          ++losses_computed_;
        }
      }
    });
    if (l2_lambda_ > 0 && mode_ == Mode::train)
      cost += static_cast<T>(l2_lambda_ / (2.0 * static_cast<double>(m_))) * l2_penalty();
    cost_ = cost;
    return cost;
  }

  // Gradients of the last forward's cost with respect to every parameter that is not frozen.
  void backward() {
    if (losses_computed_ == 0)
      throw error("staticgrad: backward() after a forward() that computed no loss (are the labels bound?)");
    grads_.fill(T(0));
    boost::hana::for_each(nodes_, [&](auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (!N::is_input) {
        if (computed_[N::index] && needs_backward_[N::index]) {
          View<T> adj = node.visit(mode_, [&](auto& e) { return e.zeroed_adjoint(m_); });
          if constexpr (N::is_loss) adj.data[0] = static_cast<T>(node.loss_weight);
        }
      }
    });
    if (l2_lambda_ > 0 && mode_ == Mode::train) l2_backward();
    reverse_for_each([&](auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (!N::is_input)
        if (computed_[N::index] && needs_backward_[N::index])
          node.visit(mode_, [&](auto& e) { e.backward(*this, m_); });
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
    std::size_t found = Net::size - 1;
    bool done = false;
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      // K reaches the inner lambda as its template argument, not inside its body: clang 16 crashes on a
      // fold whose pattern is a lambda naming the pack only in its body (here in a local alias).
      (
          [&]<std::size_t J>() {
            using N = node_t<J>;
            if constexpr (!N::is_input)
              if constexpr (N::is_loss)
                if (!done) {
                  found = N::inputs[0];
                  done = true;
                }
          }.template operator()<K>(),
          ...);
    }(std::make_index_sequence<Net::size>{});
    return found;
  }();
  static constexpr std::string_view prediction_name = Net::names[prediction_index];
  using prediction_shape = typename node_t<prediction_index>::shape;
  ConstView<T> prediction() const { return output<prediction_index>(); }

  // The first node, in forward order, whose last output holds a NaN or an infinity ("" when none): where
  // a diverging run first went wrong.
  std::string_view first_non_finite_node() const {
    std::string_view found;
    boost::hana::for_each(nodes_, [&](const auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if (!found.empty() || !computed_[N::index]) return;
      ConstView<T> v = output<N::index>();
      for (std::size_t k = 0; k < v.size(); ++k)
        if (!std::isfinite(v.data[k])) {
          found = Net::names[N::index];
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
    const auto& node = boost::hana::at_c<I>(nodes_);
    if constexpr (std::remove_cvref_t<decltype(node)>::is_input) return node.bound;
    else return node.value(mode_);
  }
  template <std::size_t I>
  View<T> adjoint() {
    auto& node = boost::hana::at_c<I>(nodes_);
    if constexpr (std::remove_cvref_t<decltype(node)>::is_input) return {};
    else return needs_backward_[I] ? node.visit(mode_, [](auto& e) { return e.adjoint(); }) : View<T>{};
  }
  // Node i's output and adjoint for an index known at run time (OutputLeaf): one call through a table.
  ConstView<T> output(std::size_t i) const {
    static constexpr auto table = []<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<ConstView<T> (*)(const Model&), Net::size>{&Model::output_of<I>...};
    }(std::make_index_sequence<Net::size>{});
    return table[i](*this);
  }
  View<T> adjoint(std::size_t i) {
    static constexpr auto table = []<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<View<T> (*)(Model&), Net::size>{&Model::adjoint_of<I>...};
    }(std::make_index_sequence<Net::size>{});
    return table[i](*this);
  }
  template <std::size_t I>
  ConstView<T> state(std::size_t k) const {
    return boost::hana::at_c<I>(nodes_).state[k].view();
  }

  // ------------------------------------------------------------------------------------------------
  // Description

  // One line per node: name, kind, inputs, output shape, parameter shapes. Two models with the same
  // architecture text can exchange checkpoints.
  std::string architecture() const {
    std::string text;
    boost::hana::for_each(nodes_, [&](const auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (N::is_input) {
        text += fmt::format("{} input {}xm{}\n", N::decl::name.view(), N::shape::rows, image_note<N>());
      } else {
        text += fmt::format("{} {} <-", N::decl::name.view(), N::layer_type::kind.view());
        for (std::size_t in : N::inputs) text += fmt::format(" {}", Net::names[in]);
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
  // N::decl::name, N::is_input, N::shape, and for a layer N::layer_type, N::inputs, N::first_slot and
  // node.layer. For exporters (io/onnx.hpp) that walk the graph without touching the passes.
  template <class F>
  void for_each_node(F&& f) const {
    boost::hana::for_each(nodes_, [&](const auto& node) { f(node); });
  }

  // A table of node, kind, output shape and parameter count, with the totals.
  std::string summary() const {
    std::string out = fmt::format("{:<16} {:<26} {:<12} {:>10}\n", "node", "kind", "output", "params");
    out += std::string(67, '-') + "\n";
    boost::hana::for_each(nodes_, [&](const auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (N::is_input) {
        out += fmt::format("{:<16} {:<26} {:<12} {:>10}\n", N::decl::name.view(), "Input",
                           fmt::format("{}xm", image_text<typename N::image>()), 0);
      } else {
        std::size_t count = 0;
        for (const ParamDecl& d : N::layer_type::params) count += d.rows * d.cols;
        out += fmt::format("{:<16} {:<26} {:<12} {:>10}\n", N::decl::name.view(), N::layer_type::kind.view(),
                           fmt::format("{}x{}", image_text<typename N::image>(), shape_text(N::shape::cols)), count);
      }
    });
    out += std::string(67, '-') + "\n";
    out += fmt::format("total parameters: {} (trainable {}, statistics {})\n", parameter_count,
                       trainable_parameter_count, parameter_count - trainable_parameter_count);
    return out;
  }

 private:
  template <std::size_t... K>
  static Nodes make_nodes(const Net& net, std::index_sequence<K...>) {
    return Nodes(make_node_at<K>(net)...);
  }
  template <std::size_t K>
  static node_t<K> make_node_at(const Net& net) {
    if constexpr (node_t<K>::is_input) return node_t<K>{};
    else return node_t<K>(boost::hana::at_c<K>(net.decls));
  }

  template <std::size_t I>
  static ConstView<T> output_of(const Model& model) {
    return model.template output<I>();
  }
  template <std::size_t I>
  static View<T> adjoint_of(Model& model) {
    return model.template adjoint<I>();
  }

  static std::string shape_text(std::size_t cols) { return cols == batch ? "m" : fmt::format("{}", cols); }
  // " image CxHxW" for a node whose samples are images; nothing for plain features (so the
  // architecture text, and with it the checkpoint fingerprint, of a network without images is unchanged).
  template <class N>
  static std::string image_note() {
    if constexpr (N::image::is_flat) return {};
    else return fmt::format(" image {}", image_text<typename N::image>());
  }

  template <class F>
  void reverse_for_each(F&& f) {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (f(boost::hana::at_c<Net::size - 1 - K>(nodes_)), ...);
    }(std::make_index_sequence<Net::size>{});
  }

  // The batch extent m shared by all bound inputs.
  std::size_t batch_extent() const {
    std::size_t m = 0;
    std::string_view first;
    boost::hana::for_each(nodes_, [&](const auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (N::is_input) {
        if (!node.is_bound) return;
        if (first.empty()) {
          m = node.bound.cols;
          first = N::decl::name.view();
        } else {
          check::batch_extent(fmt::format("input \"{}\"", N::decl::name.view()), m,
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
    boost::hana::for_each(nodes_, [&](auto& node) {
      using N = std::remove_cvref_t<decltype(node)>;
      if constexpr (N::is_input) {
        needs_backward_[N::index] = false;
      } else {
        bool needs = false;
        for (std::size_t k = 0; k < N::layer_type::params.size(); ++k)
          needs = needs || !slices_[N::first_slot + k].frozen;
        for (std::size_t in : N::inputs) needs = needs || needs_backward_[in];
        needs_backward_[N::index] = needs;
      }
    });
  }

  // sum over weight parameters of ||W||_F^2, each as an expression so that its gradient is derived.
  T l2_penalty() {
    T total = 0;
    for_each_l2_term([&](auto& term) {
      term.forward(*this, m_);
      total += term.value()(0, 0);
    });
    return total;
  }
  void l2_backward() {
    const T seed = static_cast<T>(l2_lambda_ / (2.0 * static_cast<double>(m_)));
    for_each_l2_term([&](auto& term) {
      term.zeroed_adjoint(m_).data[0] = seed;
      term.backward(*this, m_);
    });
  }
  template <class F>
  void for_each_l2_term(F&& f) {
    boost::hana::for_each(l2_terms_, [&](auto& term) {
      if (roles_[term_slot(term)] == ParamRole::weight && !slices_[term_slot(term)].frozen) f(term);
    });
  }
  template <class Term>
  static std::size_t term_slot(const Term& term) {
    return std::get<0>(term.inputs).slot;  // term = sum_squares(ParamLeaf)
  }

  // One ||W||_F^2 expression per parameter slot (only weights are used).
  template <std::size_t... K>
  static auto make_l2_terms(std::index_sequence<K...>) {
    return boost::hana::make_tuple(make_l2_terms_of<K>()...);
  }
  template <std::size_t K>
  static auto make_l2_terms_of() {
    using N = node_t<K>;
    if constexpr (N::is_input) {
      return boost::hana::make_tuple();
    } else {
      return [&]<std::size_t... P>(std::index_sequence<P...>) {
        return boost::hana::make_tuple(frobenius_norm_squared(
            ParamLeaf<T, N::layer_type::params[P].rows, N::layer_type::params[P].cols>{N::first_slot + P})...);
      }(std::make_index_sequence<N::layer_type::params.size()>{});
    }
  }
  static auto all_l2_terms() {
    return boost::hana::flatten(make_l2_terms(std::make_index_sequence<Net::size>{}));
  }

  Nodes nodes_;
  decltype(all_l2_terms()) l2_terms_ = all_l2_terms();
  Matrix<T> params_, grads_;
  std::vector<std::string> names_;
  std::vector<std::pair<std::size_t, std::size_t>> shapes_;
  std::vector<ParamRole> roles_;
  std::vector<ParamSlice> slices_;
  std::vector<std::size_t> owner_;
  std::array<bool, Net::size> computed_{};
  std::array<bool, Net::size> needs_backward_{};
  Mode mode_ = Mode::train;
  std::uint64_t seed_ = 0, step_ = 0;
  std::size_t m_ = 0;
  std::size_t losses_computed_ = 0;
  double l2_lambda_ = 0;
  T cost_ = 0;
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
