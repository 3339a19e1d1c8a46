// staticgrad/graph/nodes.hpp - the resolved nodes of a network: data inputs and layers with their
// expressions, input indices, parameter slots, and compile-time shape checks.
//
// `node_at<T, Net, K>::type` is node K of network `Net` for scalar type T. Its inputs are found by name
// among the nodes declared before it, and each declared input width is checked against the producer's
// width, naming both nodes (sg::check::layer_width<"fc2", 128, "fc1", 256>).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>

#include "staticgrad/core/matrix.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/expression.hpp"
#include "staticgrad/graph/layer.hpp"
#include "staticgrad/graph/network.hpp"

namespace sg::detail {

template <class Net, std::size_t K>
using decl_t = std::remove_cvref_t<decltype(boost::hana::at_c<K>(std::declval<Net&>().decls))>;

// Number of parameter slots of node K, and the first slot of node K.
template <class Decl>
constexpr std::size_t param_slots() {
  if constexpr (Decl::is_input) return 0;
  else return Decl::layer_type::params.size();
}
template <class Net, std::size_t... I>
constexpr std::array<std::size_t, Net::size + 1> slot_bases(std::index_sequence<I...>) {
  std::array<std::size_t, Net::size + 1> base{};
  std::size_t counts[] = {param_slots<decl_t<Net, I>>()..., 0};
  for (std::size_t k = 0; k < Net::size; ++k) base[k + 1] = base[k] + counts[k];
  return base;
}
template <class Net>
inline constexpr auto slot_base = slot_bases<Net>(std::make_index_sequence<Net::size>{});

// Indices of the nodes that node K reads (K itself where a name is missing: reported by a check).
template <class Net, std::size_t K>
constexpr auto input_indices() {
  using D = decl_t<Net, K>;
  std::array<std::size_t, D::from.size()> idx{};
  for (std::size_t j = 0; j < D::from.size(); ++j) idx[j] = find_node(Net::names, D::from[j], K);
  return idx;
}

template <class T, class Net, std::size_t K>
struct node_at;

// A data input: a view of the caller's data bound before a forward pass.
template <class T, class Decl, std::size_t K>
struct InputNode {
  using decl = Decl;
  using shape = Shape<Decl::rows, batch>;
  static constexpr std::size_t index = K;
  static constexpr bool is_input = true;
  ConstView<T> bound;
  bool is_bound = false;
};

template <class T, class Net, std::size_t K, std::size_t... In>
struct LayerNode {
  using decl = decl_t<Net, K>;
  using layer_type = typename decl::layer_type;
  using L = layer_type;
  static constexpr std::size_t index = K;
  static constexpr bool is_input = false;
  static constexpr bool is_loss = is_loss_layer<L>();
  static constexpr std::size_t first_slot = slot_base<Net>[K];
  static constexpr std::array<std::size_t, sizeof...(In)> inputs{In...};
  using builder = LayerBuilder<T, K, first_slot, L>;

  // Compile-time checks: every input declared before, every declared width matched.
  template <std::size_t J>
  static constexpr bool check_input() {
    constexpr std::size_t producer = inputs[J];
    static_assert(check::input_declared<decl::name, std::get<J>(decl::from_names), (producer < K)>::ok);
    if constexpr (producer < K) {
      constexpr std::size_t expected = L::input_rows[J];
      if constexpr (expected != 0)
        static_assert(check::layer_width<decl::name, expected, decl_t<Net, producer>::name,
                                         node_at<T, Net, producer>::type::shape::rows>::ok);
    }
    return true;
  }
  static constexpr bool checked = [] {
    static_assert(L::input_rows.size() == sizeof...(In),
                  "staticgrad: a layer is connected to a different number of inputs than it takes");
    return [&]<std::size_t... J>(std::index_sequence<J...>) { return (check_input<J>() && ...); }(
        std::make_index_sequence<sizeof...(In)>{});
  }();

  template <std::size_t P0, std::size_t P = (P0 < K ? P0 : 0)>  // a missing input was reported above
  using leaf = OutputLeaf<T, P, node_at<T, Net, P>::type::shape::rows, node_at<T, Net, P>::type::shape::cols>;

  using expression = decltype(std::declval<const L&>().build(std::declval<const builder&>(), leaf<In>{}...));
  using shape = typename expression::shape;
  static_assert(requires(expression e) { e.zeroed_adjoint(std::size_t{}); },
                "staticgrad: a layer's build() must return an op node (wrap a bare leaf in sg::identity)");

  L layer;
  double loss_weight = 1;
  expression train_expr, eval_expr;
  std::array<Matrix<T>, state_buffer_count<L>()> state{};

  explicit LayerNode(const decl& d)
      : layer(d.layer),
        loss_weight(d.loss_weight),
        train_expr(layer.build(builder{Mode::train}, leaf<In>{}...)),
        eval_expr(layer.build(builder{Mode::eval}, leaf<In>{}...)) {}

  expression& expr(Mode m) { return m == Mode::train ? train_expr : eval_expr; }
  const expression& expr(Mode m) const { return m == Mode::train ? train_expr : eval_expr; }
};

template <class T, class Net, std::size_t K, std::size_t... J>
auto make_layer_node_type(std::index_sequence<J...>) -> LayerNode<T, Net, K, input_indices<Net, K>()[J]...>;

template <class T, class Net, std::size_t K, bool IsInput = decl_t<Net, K>::is_input>
struct node_select {
  using type = InputNode<T, decl_t<Net, K>, K>;
};
template <class T, class Net, std::size_t K>
struct node_select<T, Net, K, false> {
  using type = decltype(make_layer_node_type<T, Net, K>(std::make_index_sequence<decl_t<Net, K>::from.size()>{}));
};
template <class T, class Net, std::size_t K>
struct node_at : node_select<T, Net, K> {};

}  // namespace sg::detail
