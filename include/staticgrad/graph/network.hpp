// staticgrad/graph/network.hpp - a network: a flat, topologically ordered list of named nodes.
//
// Functional form (any DAG: shared trunks, several heads, several weighted losses):
//
//   auto net = sg::network(sg::input<"x", 784>(), sg::input<"y", 10>(),
//                          sg::layer<"fc1", "x">(sg::Dense<784, 128>{}),
//                          sg::layer<"act1", "fc1">(sg::ReLU{}),
//                          sg::layer<"logits", "act1">(sg::Dense<128, 10>{}),
//                          sg::loss<"cost", "logits", "y">(sg::SoftmaxCrossEntropy{}));
//
// Each node names the nodes it reads, which must be declared before it, so the declaration order is a
// topological order and the list stays flat (no recursively nested types: compile time grows gently
// with depth). Sequential form, for chains: `sg::sequential<784>(layers...)` names the input "x", the
// layers "layer1", "layer2", ..., and, when the last layer is a loss, adds the label input "y".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <utility>

#include "staticgrad/core/fixed_string.hpp"
#include "staticgrad/core/indexed_tuple.hpp"
#include "staticgrad/core/image.hpp"
#include "staticgrad/graph/layer.hpp"
#include "staticgrad/graph/repeat.hpp"

namespace sg {

// A data input: samples of image shape `Img` (C x H x W values a column), or of n features (Flat<n>;
// labels: the width of a one-hot row, or 1), by m samples.
template <fixed_string Name, class Img>
struct InputDecl {
  static_assert(is_image_v<Img>, "staticgrad: an input's shape is a number of features or an sg::Image<C, H, W>");
  static constexpr fixed_string name = Name;
  using image = Img;
  static constexpr std::size_t rows = Img::size;
  static constexpr bool is_input = true;
};

// A data input as wide as node `Of` (the labels of a sequential network: as wide as the logits the loss
// reads). Its width is resolved with the network's shapes (graph/nodes.hpp).
template <fixed_string Name, fixed_string Of>
struct LabelDecl {
  static constexpr fixed_string name = Name;
  static constexpr fixed_string like = Of;
  static constexpr bool is_input = true;
};

// A layer node: layer `L` named `Name`, reading the nodes named `From...`.
template <fixed_string Name, class L, fixed_string... From>
struct LayerDecl {
  static constexpr fixed_string name = Name;
  static constexpr bool is_input = false;
  static constexpr std::array<std::string_view, sizeof...(From)> from{From.view()...};
  static constexpr std::tuple from_names{From...};
  using layer_type = L;
  L layer;
  double loss_weight = 1;  // for a loss: its weight in the total cost
};

template <fixed_string Name, std::size_t Rows>
constexpr InputDecl<Name, Flat<Rows>> input() { return {}; }
template <fixed_string Name, class Img>
  requires is_image_v<Img>
constexpr InputDecl<Name, Img> input() { return {}; }

template <fixed_string Name, fixed_string... From, class L>
constexpr LayerDecl<Name, L, From...> layer(L l) {
  static_assert(!is_loss_layer<L>(), "staticgrad: declare a loss with sg::loss<...>(), not sg::layer<...>()");
  return {std::move(l), 1.0};
}

// A loss node: its output (a 1 x 1 cost) enters the total cost multiplied by `weight`.
template <fixed_string Name, fixed_string... From, class L>
constexpr LayerDecl<Name, L, From...> loss(L l, double weight = 1.0) {
  static_assert(is_loss_layer<L>(), "staticgrad: sg::loss<...>() needs a loss layer");
  return {std::move(l), weight};
}

template <class... Decls>
struct Network {
  static constexpr std::size_t size = sizeof...(Decls);
  static constexpr std::array<std::string_view, size> names{Decls::name.view()...};
  indexed_tuple<Decls...> decls;  // declaration K is get<K>(decls)
};

template <class... Decls>
constexpr Network<Decls...> network(Decls... decls) {
  return {indexed_tuple<Decls...>(std::in_place, std::move(decls)...)};
}

// The index of the node named `name` among the first `before` nodes; `before` if there is none.
// It searches backwards: a node usually reads the node declared just before it, so resolving the
// inputs of an N-node chain costs O(N) comparisons, not O(N^2) (names are unique: sg::Model checks it).
template <std::size_t N>
constexpr std::size_t find_node(const std::array<std::string_view, N>& names, std::string_view name,
                                std::size_t before) {
  for (std::size_t k = before; k-- > 0;)
    if (names[k] == name) return k;
  return before;
}

// The index of the first node whose name an earlier node already has; N when the names are unique.
// One pass over a hash table of 2N + 1 slots (open addressing): O(N) expected, and cheap enough for
// clang's constant-evaluation step limit (a constexpr std::sort of 800 names exceeds it).
template <std::size_t N>
constexpr std::size_t first_duplicate_name(const std::array<std::string_view, N>& names) {
  constexpr std::size_t slots = 2 * N + 1;
  std::array<std::size_t, slots> table{};  // node index + 1; 0 marks a free slot
  for (std::size_t k = 0; k < N; ++k) {
    std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
    for (char c : names[k]) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    for (std::size_t s = h % slots;; s = (s + 1) % slots) {
      if (table[s] == 0) {
        table[s] = k + 1;
        break;
      }
      if (names[table[s] - 1] == names[k]) return k;
    }
  }
  return N;
}

namespace check {
// Two nodes of a network have the same name.
template <fixed_string Name, bool Unique>
struct unique_node_name {
  static_assert(Unique, "staticgrad: two nodes of the network have the same name (see Name)");
  static constexpr bool ok = true;
};
// A node reads a name that is not declared before it.
template <fixed_string Node, fixed_string Missing, bool Found>
struct input_declared {
  static_assert(Found, "staticgrad: a node reads an input that is not declared before it (see Node, Missing)");
  static constexpr bool ok = true;
};
}  // namespace check

// ---------------------------------------------------------------------------------------------------
// Sequential networks: generated names.

namespace detail {
template <std::size_t I>
constexpr std::size_t digits() {
  std::size_t d = 1;
  for (std::size_t v = I; v >= 10; v /= 10) ++d;
  return d;
}
template <std::size_t I>
constexpr auto layer_name() {
  constexpr std::size_t n = 5 + digits<I>();
  char text[n + 1] = {'l', 'a', 'y', 'e', 'r'};
  std::size_t v = I;
  for (std::size_t k = 0; k < digits<I>(); ++k, v /= 10) text[n - 1 - k] = static_cast<char>('0' + v % 10);
  text[n] = 0;
  return fixed_string<n + 1>(text);
}

// The node layer I (from 1) of a chain reads: the previous layer, or the input "x".
template <std::size_t I>
constexpr auto read_by_layer() {
  if constexpr (I == 1) return fixed_string<2>("x");
  else return layer_name<I - 1>();
}

template <std::size_t I, class L>
constexpr auto sequential_node(L l) {
  constexpr auto self = layer_name<I + 1>();
  if constexpr (I == 0) {
    if constexpr (is_loss_layer<L>()) return LayerDecl<self, L, "x", "y">{std::move(l), 1.0};
    else return LayerDecl<self, L, "x">{std::move(l), 1.0};
  } else {
    constexpr auto previous = layer_name<I>();
    if constexpr (is_loss_layer<L>()) return LayerDecl<self, L, previous, "y">{std::move(l), 1.0};
    else return LayerDecl<self, L, previous>{std::move(l), 1.0};
  }
}

template <class Img, class... L, std::size_t... I>
constexpr auto sequential_impl(std::index_sequence<I...>, L... layers) {
  constexpr bool ends_with_loss = is_loss_layer<std::tuple_element_t<sizeof...(L) - 1, std::tuple<L...>>>();
  if constexpr (ends_with_loss)  // the labels are as wide as what the loss reads: the layer before it
    return network(input<"x", Img>(), LabelDecl<"y", read_by_layer<sizeof...(L)>()>{},
                   sequential_node<I>(std::move(layers))...);
  else
    return network(input<"x", Img>(), sequential_node<I>(std::move(layers))...);
}
// The chain of the arguments of sequential(), each sg::repeat written out (graph/repeat.hpp).
template <class Img, class... L>
constexpr auto sequential_flat(L... layers) {
  if constexpr (!has_repeat<L...>()) {
    return sequential_impl<Img>(std::index_sequence_for<L...>{}, std::move(layers)...);
  } else {
    const indexed_tuple<L...> args(std::in_place, std::move(layers)...);
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return sequential_impl<Img>(std::index_sequence<I...>{}, flat_layer<I, L...>(args)...);
    }(std::make_index_sequence<flat_length<L...>>{});
  }
}
template <class Img, class... L>
using sequential_base = decltype(sequential_flat<Img>(std::declval<L>()...));
}  // namespace detail

// A chain: the network sequential<Rows>(L{}...) declares. It is that Network (same nodes, names and
// decls), under a type named by the input width and the layer types only: a model's type, and so every
// symbol of a model's member functions, names its network, and a Network of generated LayerDecls
// spells every node's name and inputs, about 150 characters a node in mangled names where a repeated
// layer type costs a few. For a 100-layer chain that is the difference between symbols of 30 kB and of
// 1 kB, thousands of them.
template <class Img, class... L>
struct Sequential : detail::sequential_base<Img, L...> {};

// A chain: input "x" of `InputRows` features, or of image shape `InputImage` (sg::Image<C, H, W>), then
// each layer reading the previous one; an argument sg::repeat<N>(block...) stands for its block of layers
// written out N times (graph/repeat.hpp).
template <std::size_t InputRows, class... L>
constexpr auto sequential(L... layers) {
  static_assert(sizeof...(L) > 0, "staticgrad: a sequential network needs at least one layer");
  if constexpr (sizeof...(L) > 0)
    return Sequential<Flat<InputRows>, L...>{detail::sequential_flat<Flat<InputRows>>(std::move(layers)...)};
}
template <class InputImage, class... L>
  requires is_image_v<InputImage>
constexpr auto sequential(L... layers) {
  static_assert(sizeof...(L) > 0, "staticgrad: a sequential network needs at least one layer");
  if constexpr (sizeof...(L) > 0)
    return Sequential<InputImage, L...>{detail::sequential_flat<InputImage>(std::move(layers)...)};
}

}  // namespace sg
