// staticgrad/graph/repeat.hpp - sg::repeat<N>(layers...): a block of layers repeated N times in a chain.
//
//   auto net = sg::sequential<32>(sg::repeat<100>(sg::Dense<32, 32>{}, sg::ReLU{}),
//                                 sg::Dense<32, 10>{}, sg::SoftmaxCrossEntropy{});
//
// is the 202-layer chain Dense, ReLU, Dense, ReLU, ..., Dense, SoftmaxCrossEntropy: the same nodes, named
// "layer1" ... "layer202" as if every layer had been written out, each with its own parameters (copies of
// the block's layer settings, initialised like any other layer). What differs is the network's type:
// sg::Sequential<Flat<32>, Repeat<100, Dense<32, 32>, ReLU>, ...> names the block once, where the
// written-out chain's type names 200 layers. A model's type names its network, and a compiler quotes that
// type in every diagnostic about the model, so a shape error in a deep repeated network stays a few lines
// long (tests/compile_fail/repeat_wrong_width.cpp), and every symbol of the model is shorter.
//
// Contract: N >= 1; the block holds at least one layer, no loss (the loss ends the chain) and no repeat.
// Only sg::sequential() reads a Repeat; the flattening below is used by graph/network.hpp.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

#include "staticgrad/core/indexed_tuple.hpp"
#include "staticgrad/graph/layer.hpp"

namespace sg {

template <std::size_t N, class... L>
struct Repeat;

namespace detail {
template <class L>
struct repeat_traits {  // an ordinary layer: itself, once
  static constexpr bool is_repeat = false;
  static constexpr std::size_t count = 1, block = 1;
};
template <std::size_t N, class... L>
struct repeat_traits<Repeat<N, L...>> {
  static constexpr bool is_repeat = true;
  static constexpr std::size_t count = N, block = sizeof...(L);
};
}  // namespace detail

template <std::size_t N, class... L>
struct Repeat {
  static_assert(N > 0, "staticgrad: sg::repeat<N>(...) needs N >= 1");
  static_assert(sizeof...(L) > 0, "staticgrad: sg::repeat<N>(...) needs at least one layer to repeat");
  static_assert(!(is_loss_layer<L>() || ...),
                "staticgrad: sg::repeat<N>(...) cannot repeat a loss; put the loss after the repeat");
  static_assert(!(detail::repeat_traits<L>::is_repeat || ...),
                "staticgrad: sg::repeat<N>(...) inside a repeat: write the inner block out in the outer one");
  indexed_tuple<L...> block;
};

// The block `layers...` repeated N times, for sg::sequential().
template <std::size_t N, class... L>
constexpr Repeat<N, L...> repeat(L... layers) {
  return {indexed_tuple<L...>(std::in_place, std::move(layers)...)};
}

namespace detail {
// Where flat layer i of a chain comes from: argument `arg` of sequential(), and for a repeat the layer
// `element` of its block.
struct FlatPlace {
  std::size_t arg = 0, element = 0;
};
// Loops over arrays, not fold expressions: a fold over the arguments of a long written-out chain is
// an expression as deep as the chain, beyond clang's nesting limit of 256.
template <class... L>
constexpr bool has_repeat() {
  constexpr std::array<bool, sizeof...(L)> flags{repeat_traits<L>::is_repeat...};
  for (bool f : flags)
    if (f) return true;
  return false;
}
template <class... L>
constexpr std::size_t count_flat() {
  constexpr std::array<std::size_t, sizeof...(L)> counts{repeat_traits<L>::count *
                                                         repeat_traits<L>::block...};
  std::size_t n = 0;
  for (std::size_t c : counts) n += c;
  return n;
}
template <class... L>
inline constexpr std::size_t flat_length = count_flat<L...>();

// One entry per flat layer, computed in one pass: O(flat length) constant evaluation.
template <class... L>
constexpr auto make_flat_places() {
  constexpr std::array<std::size_t, sizeof...(L)> counts{repeat_traits<L>::count...};
  constexpr std::array<std::size_t, sizeof...(L)> blocks{repeat_traits<L>::block...};
  std::array<FlatPlace, flat_length<L...>> places{};
  std::size_t i = 0;
  for (std::size_t a = 0; a < sizeof...(L); ++a)
    for (std::size_t r = 0; r < counts[a]; ++r)
      for (std::size_t e = 0; e < blocks[a]; ++e) places[i++] = {a, e};
  return places;
}
template <class... L>
inline constexpr auto flat_places = make_flat_places<L...>();

// Flat layer I of the arguments `args` of sequential(): a copy of the layer it repeats or is.
template <std::size_t I, class... L>
constexpr auto flat_layer(const indexed_tuple<L...>& args) {
  constexpr FlatPlace place = flat_places<L...>[I];
  using Arg = typename indexed_tuple<L...>::template element_type<place.arg>;
  const Arg& arg = get<place.arg>(args);
  if constexpr (repeat_traits<Arg>::is_repeat)
    return get<place.element>(arg.block);
  else
    return arg;
}
}  // namespace detail

}  // namespace sg
