// staticgrad/graph/nodes.hpp - the resolved nodes of a network: data inputs and layers with their
// expressions, input indices, parameter slots, and compile-time shape checks.
//
// `node_at<T, Net, K>::type` is node K of network `Net` for scalar type T, and
// `build_node<Node, Decl, Inputs>{decl, K, first_slot, inputs}()` builds it. Its inputs are found by name
// among the nodes declared before it, and each declared input width is checked against the producer's
// width, naming both nodes and the layer kind
// (sg::check::layer_input_width<"fc2", "Dense", 128, "fc1", 256>).
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
#include "staticgrad/ops/sum_squares.hpp"

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

template <class T, class Net, std::size_t K, bool IsInput = decl_t<Net, K>::is_input>
struct node_select;
// Node K (an alias, so that it adds no line to the compiler's "required from" chain of a failed check).
template <class T, class Net, std::size_t K>
using node_at = node_select<T, Net, K>;

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
template <class T, class Img>
struct InputNode {
  using image = Img;
  using shape = Shape<Img::size, batch>;
  static constexpr bool is_input = true;
  std::string_view name;  // as declared
  std::size_t index = 0;  // in the network
  ConstView<T> bound;
  bool is_bound = false;
};

// Input J of a layer: the extents the layer reads it with (checked beforehand by layer_inputs below)
// and the producer's image shape. Which node produces it is a value (LayerNode::inputs).
template <std::size_t Rows, std::size_t Cols, class Img>
struct InputSpec {};

// A layer node. Its type is the layer as it runs (bound to its inputs' image shapes) and the shapes
// it reads, nothing else: its name, its index, its first parameter slot and its producers are values.
// So the 200 Dense<32, 32> layers of a deep chain are 200 objects of one type, and every function of a
// node (its passes, its constructor, its expressions) is compiled once per distinct layer, not once per
// node: the optimiser's work does not grow with the depth. (A node type naming its index or its
// network made every node's code distinct, and N nodes cost N copies of it.)
template <class T, class L, class... In>
struct LayerNode;
template <class T, class L, std::size_t... R, std::size_t... C, class... Img>
struct LayerNode<T, L, InputSpec<R, C, Img>...> {
  using layer_type = L;
  static constexpr bool is_input = false;
  static constexpr bool is_loss = is_loss_layer<L>();
  static constexpr std::size_t input_count = sizeof...(R);
  using input_indices = std::array<std::size_t, input_count>;
  template <Mode M>
  using builder = LayerBuilder<T, L, M>;

  template <Mode M>
  static auto build_expression(const L& l, std::size_t first_slot, const input_indices& in) {
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      return l.build(builder<M>{first_slot}, OutputLeaf<T, R, C>{in[J]}...);
    }(std::make_index_sequence<input_count>{});
  }
  template <Mode M>
  using expression = decltype(build_expression<M>(std::declval<const L&>(), 0, {}));
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

  // ||P||_F^2 of each parameter P of the layer, as expressions so that the L2 gradient is derived; the
  // model runs those of the weights (graph/model.hpp).
  template <std::size_t... P>
  static auto make_l2_terms(std::size_t first_slot, std::index_sequence<P...>) {
    return std::tuple{sum_squares(ParamLeaf<T, L::params[P].rows, L::params[P].cols>{first_slot + P})...};
  }
  using l2_terms_type = decltype(make_l2_terms(0, std::make_index_sequence<L::params.size()>{}));

  std::string_view name;       // as declared
  std::size_t index;           // in the network
  std::size_t first_slot;      // the model's slot of parameter 0
  input_indices inputs;        // the nodes read, in the layer's order
  L layer;
  double loss_weight = 1;
  train_expression train_expr;
  eval_expression eval_expr;
  std::array<Matrix<T>, state_buffer_count<L>()> state{};
  l2_terms_type l2_terms;

  // (Not inlined: its body, which builds both expressions, is compiled once per node type instead of
  // once per node.)
  [[gnu::noinline]] LayerNode(std::string_view name_, std::size_t index_, std::size_t first_slot_,
                              const input_indices& inputs_, L layer_, double loss_weight_)
      : name(name_),
        index(index_),
        first_slot(first_slot_),
        inputs(inputs_),
        layer(std::move(layer_)),
        loss_weight(loss_weight_),
        train_expr(build_expression<Mode::train>(layer, first_slot, inputs)),
        eval_expr(build_expression<Mode::eval>(layer, first_slot, inputs)),
        l2_terms(make_l2_terms(first_slot, std::make_index_sequence<L::params.size()>{})) {}

  // f(expression of mode m). When both modes build the same graph type (every layer but dropout and
  // batch norm), f is called once on the chosen expression, so its body is compiled (and inlined) once
  // rather than once per mode.
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

// The resolved inputs of layer K of `Net`. Whether every input is declared before the layer and every
// declared width matches is recorded in `problem`, not asserted here: graph/model.hpp asserts the first
// problem of the network from the model's own body, so that the compiler's "required from" chain above
// the failed check is the model and the user's line, not every metafunction that resolved the nodes
// (each of which spells the whole network's type). The layer is built as if its input had the expected
// width, so the check's message is the only error printed.
struct InputProblem {
  bool found = false;     // a problem was found
  bool missing = false;   // input `input` is not declared before the layer
  std::size_t node = 0;   // the layer
  std::size_t input = 0;  // which of its inputs
  std::size_t producer = 0, expected = 0, actual = 0;  // a width mismatch: producer, expected, found
};

// The layer L of node `Name` bound to its inputs' images: a class of its own, whose arguments are
// short, so that a check failing in a layer's bind() prints that line instead of one naming the network.
template <class L, fixed_string Name, class... In>
struct bind_node {
  using type = bound_layer_t<L, Name, In...>;
};

// (node_select for a layer; the alias layer_inputs below names it.)
template <class T, class Net, std::size_t K>
struct node_select<T, Net, K, false> {
  using decl = decl_t<Net, K>;
  static constexpr auto inputs = input_indices<Net, K>();
  // Input J's producer (a missing one stands in as node 0, after its error was reported).
  template <std::size_t J>
  static constexpr std::size_t producer = inputs[J] < K ? inputs[J] : 0;
  template <std::size_t J>
  using producer_t = typename node_at<T, Net, producer<J>>::type;

  template <std::size_t... J>
  static auto bound(std::index_sequence<J...>)
      -> bind_node<typename decl::layer_type, decl::name, typename producer_t<J>::image...>;
  using L = typename decltype(bound(std::make_index_sequence<inputs.size()>{}))::type;
  static_assert(L::input_rows.size() == inputs.size(),
                "staticgrad: a layer is connected to a different number of inputs than it takes");

  template <std::size_t J>
  static constexpr std::size_t checked_rows() {
    constexpr std::size_t expected = L::input_rows[J];
    if constexpr (inputs[J] >= K) return expected == 0 ? 1 : expected;
    else if constexpr (expected != 0) return expected;
    else return producer_t<J>::shape::rows;
  }
  // (Functions, not lambdas: a lambda here would be a class named after the network, one per node, and
  // g++ mangles each; nor folds, which nest N levels deep.)
  template <std::size_t J>
  static constexpr InputProblem input_problem() {
    if constexpr (inputs[J] >= K) {
      return {true, true, K, J, 0, 0, 0};
    } else {
      constexpr std::size_t expected = L::input_rows[J], actual = producer_t<J>::shape::rows;
      if (expected != 0 && expected != actual) return {true, false, K, J, inputs[J], expected, actual};
      return {};
    }
  }
  template <std::size_t... J>
  static constexpr InputProblem first_problem(std::index_sequence<J...>) {
    const InputProblem problems[] = {InputProblem{}, input_problem<J>()...};
    for (const InputProblem& p : problems)
      if (p.found) return p;
    return {};
  }
  static constexpr InputProblem problem = first_problem(std::make_index_sequence<inputs.size()>{});
  template <std::size_t J>
  using spec = InputSpec<checked_rows<J>(), producer_t<J>::shape::cols, typename producer_t<J>::image>;

  template <std::size_t... J>
  static auto node_type(std::index_sequence<J...>) -> LayerNode<T, L, spec<J>...>;
  using type = decltype(node_type(std::make_index_sequence<inputs.size()>{}));

};
template <class T, class Net, std::size_t K>
using layer_inputs = node_select<T, Net, K, false>;

template <class T, class Net, std::size_t K, bool IsInput>
struct node_select {
  using type = InputNode<T, decltype(input_image<T, Net, decl_t<Net, K>>())>;
};

// Builds a node from its declaration and its place in the network: `build_node<Node, Decl, Inputs>{decl,
// index, first_slot, inputs}()` returns it, and the model's node tuple is initialised from that prvalue
// in place (sg::from_makers). A class of the node type and the declaration only, not of the network:
// instantiated once per node, its code and its symbol stay short (a function named after the network,
// once per node, would cost O(N) to name N times), and its call is not inlined, so the model's
// constructor is one call per node.
template <class Node, class Decl, class Inputs>
struct build_node;
template <class T, class Img, class Decl, class Inputs>
struct build_node<InputNode<T, Img>, Decl, Inputs> {
  const Decl& decl;
  std::size_t index, first_slot;
  Inputs inputs;
  [[gnu::noinline]] InputNode<T, Img> operator()() const { return {Decl::name.view(), index, {}, false}; }
};
template <class T, class L, std::size_t... R, std::size_t... C, class... Img, class Decl, class Inputs>
struct build_node<LayerNode<T, L, InputSpec<R, C, Img>...>, Decl, Inputs> {
  using Node = LayerNode<T, L, InputSpec<R, C, Img>...>;
  const Decl& decl;
  std::size_t index, first_slot;
  Inputs inputs;
  [[gnu::noinline]] Node operator()() const {
    typename Node::input_indices in{};  // a missing input (reported) stands in as node 0
    for (std::size_t j = 0; j < in.size(); ++j) in[j] = inputs[j] < index ? inputs[j] : 0;
    return Node(Decl::name.view(), index, first_slot, in,
                bind_layer<typename Decl::layer_type, Decl::name, Img...>(decl.layer), decl.loss_weight);
  }
};
// The indices of the nodes node K reads (none for a data input).
template <class Net, std::size_t K>
constexpr auto node_inputs() {
  if constexpr (decl_t<Net, K>::is_input) return std::array<std::size_t, 0>{};
  else return input_indices<Net, K>();
}

// The first input problem of the network, in declaration order (none: found == false).
template <class T, class Net, std::size_t K>
constexpr InputProblem node_problem() {
  if constexpr (decl_t<Net, K>::is_input) return {};
  else return layer_inputs<T, Net, K>::problem;
}
template <class T, class Net, std::size_t... K>
constexpr InputProblem first_input_problem(std::index_sequence<K...>) {
  // (An array, not a fold: a fold over N nodes is an expression N levels deep, walked in O(N^2).)
  const InputProblem problems[] = {InputProblem{}, node_problem<T, Net, K>()...};
  for (const InputProblem& p : problems)
    if (p.found) return p;
  return {};
}
// The kind of the layer a declaration holds ("Dense"), or "input".
template <class Decl>
constexpr auto decl_kind() {
  if constexpr (Decl::is_input) return fixed_string<6>("input");
  else return Decl::layer_type::kind;
}
// The name node K reads as its input J ("" where there is none), for the check that reports it.
template <class Net, std::size_t K, std::size_t J>
constexpr auto read_name() {
  using D = decl_t<Net, K>;
  if constexpr (!D::is_input) {
    if constexpr (J < D::from.size()) return std::get<J>(D::from_names);
    else return fixed_string<1>("");
  } else {
    return fixed_string<1>("");
  }
}

// Resolves the nodes of `Net` one after the other in declaration order, each made complete (sizeof)
// before the next, so that every node finds its inputs already resolved: the nesting of instantiations
// stays constant instead of growing with the network's depth (g++ gives up at 900 nested
// instantiations, about a 300-node chain). A label input, whose width is that of a later node, is
// resolved when the loss that reads it is, once that node is (it stands in as a char here).
template <class T, class Net, std::size_t K>
using resolution_step = std::conditional_t<requires { decl_t<Net, K>::like; }, std::type_identity<char>, node_at<T, Net, K>>;
template <class T, class Net, std::size_t... K>
constexpr bool resolve_in_order(std::index_sequence<K...>) {
  const std::size_t sizes[] = {1, sizeof(typename resolution_step<T, Net, K>::type)...};  // in order
  return sizes[0] == 1;
}

}  // namespace sg::detail
