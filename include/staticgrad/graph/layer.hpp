// staticgrad/graph/layer.hpp - what a layer is: parameters it declares, and a subgraph of ops it emits.
//
// A layer type provides (see layers/dense.hpp for the simplest one):
//   static constexpr fixed_string kind;                       its name in summaries and errors
//   static constexpr std::array<ParamDecl, P> params;          parameter names, static shapes, roles
//   static constexpr std::array<std::size_t, I> input_rows;    the width each input must have (0: any)
//   template <class B, class... X> auto build(B& b, X... x) const;
//        returns the layer's expression from its inputs x (OutputLeaf expressions). `b` is a
//        LayerBuilder: b.template param<k>() is parameter k as a leaf, b.template state<k, R, C>() a
//        state buffer, B::mode the mode (train or eval) the expression is for, a constant.
// optional:
//   template <fixed_string Node, class... In> static Bound bind(const L&);
//        a layer whose extents depend on its inputs' image shapes (Conv2D's channels, Dense<deduced, N>'s
//        width) returns the layer with those extents fixed, In... being the inputs' sg::Image types and
//        Node the node's name for its compile-time checks; the network uses what bind returns. Declare
//        the return type rather than `auto`: finding out whether bind applies then does not instantiate
//        its body, so a failed check in it is reported once (with `auto`, clang reported it, then the
//        call of the now invalid function, then what followed from that: 4 to 12 KB instead of 1.5).
//   using output_image = Image<C, H, W>;                       the output's image shape (default: the
//        first input's when the widths agree, else Flat<rows>)
//   Init init(std::size_t k) const;                            how parameter k starts (default: zeros)
//   static constexpr std::size_t state_buffers;                buffers the layer fills itself
//   template <class Access> void before_forward(Access&) ;     e.g. draw a dropout mask
//   template <class Access> void after_forward(Access&);       e.g. update running statistics
//   static constexpr bool is_loss = true;                      its 1 x 1 output is added to the cost
//
// The gradient of a layer is never written: it is derived from the ops its expression is made of.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

#include "staticgrad/core/fixed_string.hpp"
#include "staticgrad/core/image.hpp"
#include "staticgrad/core/shape.hpp"
#include "staticgrad/graph/expression.hpp"
#include "staticgrad/init/initializer.hpp"

namespace sg {

enum class Mode { train, eval };

constexpr std::string_view to_string(Mode m) { return m == Mode::train ? "train" : "eval"; }

// What a parameter is for. Weights are what L2 regularisation penalises; statistics (batch norm's
// running mean and variance) are saved and restored with the parameters but never trained.
enum class ParamRole { weight, bias, scale, shift, statistic };

struct ParamDecl {
  std::string_view name;
  std::size_t rows, cols;
  ParamRole role;
};

// Handed to a layer's build(): its parameters and state buffers as leaves of scalar type T, and the
// mode the expression is for (a compile-time constant: a layer may build different graphs for training
// and evaluation, as dropout and batch norm do).
template <class T, class Layer, Mode M>
struct LayerBuilder {
  static constexpr Mode mode = M;
  std::size_t slot_base;  // the model's slot of the layer's parameter 0
  template <std::size_t K>
  auto param() const {
    constexpr ParamDecl d = Layer::params[K];
    return ParamLeaf<T, d.rows, d.cols>{slot_base + K};
  }
  template <std::size_t K, std::size_t Rows, std::size_t Cols>
  auto state() const {
    return StateLeaf<T, K, Rows, Cols>{};
  }
};

// The layer a node runs: L bound to its inputs' images (see bind above), or L itself.
template <class L, fixed_string Node, class... In>
constexpr auto bind_layer(const L& l) {
  if constexpr (requires { L::template bind<Node, In...>(l); }) return L::template bind<Node, In...>(l);
  else return l;
}
template <class L, fixed_string Node, class... In>
using bound_layer_t = decltype(bind_layer<L, Node, In...>(std::declval<const L&>()));

// The image shape of a layer's output of `Rows` rows whose first input has image `In0`.
template <class L, std::size_t Rows, class In0>
constexpr auto output_image_of() {
  if constexpr (requires { typename L::output_image; }) {
    static_assert(L::output_image::size == Rows, "staticgrad: a layer's output_image disagrees with its output");
    return typename L::output_image{};
  } else if constexpr (In0::size == Rows) {
    return In0{};
  } else {
    return Flat<Rows>{};
  }
}

template <class L>
constexpr std::size_t state_buffer_count() {
  if constexpr (requires { L::state_buffers; }) return L::state_buffers;
  else return 0;
}
template <class L>
constexpr bool is_loss_layer() {
  if constexpr (requires { L::is_loss; }) return L::is_loss;
  else return false;
}
template <class L>
Init initial_scheme(const L& layer, std::size_t k) {
  if constexpr (requires { layer.init(k); }) return layer.init(k);
  else return Init::zeros;
}

}  // namespace sg
