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

#include "staticgrad/core/matrix.hpp"
#include "staticgrad/core/shape_check.hpp"
#include "staticgrad/graph/expression.hpp"
#include "staticgrad/graph/layer.hpp"
#include "staticgrad/graph/network.hpp"

namespace sg::detail {

template <class Net, std::size_t K>
using decl_t = typename decltype(Net::decls)::template element_type<K>;

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

// The image shape of a data input: declared, or (a sequential network's labels) that of another node.
template <class T, class Net, class Decl>
constexpr auto input_image() {
  if constexpr (requires { Decl::like; }) {
    constexpr std::size_t k = find_node(Net::names, Decl::like.view(), Net::size);
    return Flat<node_at<T, Net, k>::type::image::size>{};
  } else {
    return typename Decl::image{};
  }
}

// A data input: a view of the caller's data bound before a forward pass.
template <class T, class Decl, std::size_t K, class Img>
struct InputNode {
  using decl = Decl;
  using image = Img;
  using shape = Shape<Img::size, batch>;
  static constexpr std::size_t index = K;
  static constexpr bool is_input = true;
  ConstView<T> bound;
  bool is_bound = false;
};

// Input J of a layer: the producer's index P, the extents the layer reads it with (checked
// beforehand by layer_inputs below) and the producer's image shape.
template <std::size_t P, std::size_t Rows, std::size_t Cols, class Img>
struct InputSpec {
  static constexpr std::size_t index = P;
};

// A layer node. Its type names its declaration, its index, its first parameter slot and its resolved
// inputs, never the whole network: every symbol that mentions a node then stays short, where a node
// type carrying the network made the symbols of an N-node model O(N) long each, and O(N^2) in total
// (compile time and compiler memory grew with the square of the depth).
template <class T, class Decl, std::size_t K, std::size_t FirstSlot, class... In>
struct LayerNode;
template <class T, class Decl, std::size_t K, std::size_t FirstSlot, std::size_t... P, std::size_t... R,
          std::size_t... C, class... Img>
struct LayerNode<T, Decl, K, FirstSlot, InputSpec<P, R, C, Img>...> {
  using decl = Decl;
  // The layer as declared, and as it runs: bound to its inputs' image shapes (graph/layer.hpp).
  using declared_layer = typename decl::layer_type;
  using layer_type = bound_layer_t<declared_layer, decl::name, Img...>;
  using L = layer_type;
  static_assert(L::params.size() == declared_layer::params.size(),
                "staticgrad: a layer's bind() must keep its number of parameters");
  static constexpr std::size_t index = K;
  static constexpr bool is_input = false;
  static constexpr bool is_loss = is_loss_layer<L>();
  static constexpr std::size_t first_slot = FirstSlot;
  static constexpr std::array<std::size_t, sizeof...(P)> inputs{P...};
  template <Mode M>
  using builder = LayerBuilder<T, K, first_slot, L, M>;

  template <Mode M>
  static auto build_expression(const L& l) {
    return l.build(builder<M>{}, OutputLeaf<T, R, C>{P}...);
  }
  template <Mode M>
  using expression = decltype(build_expression<M>(std::declval<const L&>()));
  using train_expression = expression<Mode::train>;
  using eval_expression = expression<Mode::eval>;
  using shape = typename train_expression::shape;
  // The output's per-sample image shape (C x H x W; Flat<n> for n plain features).
  using image = decltype(output_image_of<L, shape::rows, std::tuple_element_t<0, std::tuple<Img...>>>());
  static_assert(std::is_same_v<shape, typename eval_expression::shape>,
                "staticgrad: a layer's training and evaluation graphs must have the same shape");
  static_assert(requires(train_expression e, eval_expression f) {
    e.zeroed_adjoint(std::size_t{});
    f.zeroed_adjoint(std::size_t{});
  }, "staticgrad: a layer's build() must return an op node (wrap a bare leaf in sg::identity)");

  L layer;
  double loss_weight = 1;
  train_expression train_expr;
  eval_expression eval_expr;
  std::array<Matrix<T>, state_buffer_count<L>()> state{};

  explicit LayerNode(const decl& d)
      : layer(bind_layer<declared_layer, decl::name, Img...>(d.layer)),
        loss_weight(d.loss_weight),
        train_expr(build_expression<Mode::train>(layer)),
        eval_expr(build_expression<Mode::eval>(layer)) {}

  // f(expression of mode m). When both modes build the same graph type (every layer but dropout and
  // batch norm), f is called once on the chosen expression, so its body is compiled (and inlined) once
  // rather than once per mode: half the code of forward() and backward() for deep networks.
  static constexpr bool same_graphs = std::is_same_v<train_expression, eval_expression>;
  template <class F>
  decltype(auto) visit(Mode m, F&& f) {
    if constexpr (same_graphs) return f(m == Mode::train ? train_expr : eval_expr);
    else return m == Mode::train ? f(train_expr) : f(eval_expr);
  }
  template <class F>
  decltype(auto) visit(Mode m, F&& f) const {
    if constexpr (same_graphs) return f(m == Mode::train ? train_expr : eval_expr);
    else return m == Mode::train ? f(train_expr) : f(eval_expr);
  }
  ConstView<T> value(Mode m) const {
    return visit(m, [](const auto& e) { return e.value(); });
  }
};

// The resolved inputs of layer K of `Net`, with the compile-time checks: every input declared before
// it, every declared width matched. Each check fails a static_assert naming both nodes and both
// extents; the layer is then built as if its input had the expected width, so the check's message is
// the only error printed. These metafunctions are instantiated once per node, and their types (which
// name the network) appear in no node type and no symbol.
template <class T, class Net, std::size_t K>
struct layer_inputs {
  using decl = decl_t<Net, K>;
  static constexpr auto inputs = input_indices<Net, K>();
  // Input J's producer (a missing one stands in as node 0, after its error was reported).
  template <std::size_t J>
  static constexpr std::size_t producer = inputs[J] < K ? inputs[J] : 0;
  template <std::size_t J>
  using producer_t = typename node_at<T, Net, producer<J>>::type;

  template <std::size_t... J>
  static auto bound(std::index_sequence<J...>)
      -> bound_layer_t<typename decl::layer_type, decl::name, typename producer_t<J>::image...>;
  using L = decltype(bound(std::make_index_sequence<inputs.size()>{}));
  static_assert(L::input_rows.size() == inputs.size(),
                "staticgrad: a layer is connected to a different number of inputs than it takes");

  template <std::size_t J>
  static constexpr std::size_t checked_rows() {
    constexpr std::size_t expected = L::input_rows[J];
    static_assert(check::input_declared<decl::name, std::get<J>(decl::from_names), (inputs[J] < K)>::ok);
    if constexpr (inputs[J] >= K) {
      return expected == 0 ? 1 : expected;
    } else {
      constexpr std::size_t found = producer_t<J>::shape::rows;
      if constexpr (expected != 0) {
        static_assert(check::layer_width<decl::name, expected, decl_t<Net, inputs[J]>::name, found>::ok);
        return expected;
      } else {
        return found;
      }
    }
  }
  template <std::size_t J>
  using spec = InputSpec<producer<J>, checked_rows<J>(), producer_t<J>::shape::cols, typename producer_t<J>::image>;

  template <std::size_t... J>
  static auto node_type(std::index_sequence<J...>) -> LayerNode<T, decl, K, slot_base<Net>[K], spec<J>...>;
  using type = decltype(node_type(std::make_index_sequence<inputs.size()>{}));
};

template <class T, class Net, std::size_t K, bool IsInput = decl_t<Net, K>::is_input>
struct node_select {
  using type = InputNode<T, decl_t<Net, K>, K, decltype(input_image<T, Net, decl_t<Net, K>>())>;
};
template <class T, class Net, std::size_t K>
struct node_select<T, Net, K, false> {
  using type = typename layer_inputs<T, Net, K>::type;
};
template <class T, class Net, std::size_t K>
struct node_at : node_select<T, Net, K> {};

// Resolves the nodes of `Net` one after the other in declaration order, each made complete (sizeof)
// before the next, so that every node finds its inputs already resolved: the nesting of instantiations
// stays constant instead of growing with the network's depth (g++ gives up at 900 nested
// instantiations, about a 300-node chain). A label input, whose width is that of a later node, is
// resolved when the loss that reads it is, once that node is.
template <class T, class Net, std::size_t K>
constexpr bool resolve_node() {
  if constexpr (!requires { decl_t<Net, K>::like; }) static_cast<void>(sizeof(typename node_at<T, Net, K>::type));
  return true;
}
template <class T, class Net, std::size_t... K>
constexpr bool resolve_in_order(std::index_sequence<K...>) {
  const bool resolved[] = {true, resolve_node<T, Net, K>()...};  // an initializer list: in order
  return resolved[0];
}

}  // namespace sg::detail
