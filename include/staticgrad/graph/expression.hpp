// staticgrad/graph/expression.hpp - the nodes of a compile-time computation graph, and reverse-mode autodiff.
//
// An expression is a value whose type records its op, its inputs and its shape: `Node<Exp, Leaf>` is
// exp applied to a leaf. Leaves are where values come from: a parameter (`ParamLeaf`), the output of
// another layer of the network (`OutputLeaf`), or a buffer a layer fills itself (`StateLeaf`, e.g. a
// dropout mask). Each `Node` owns a value buffer and an adjoint (gradient) buffer, sized on the first
// pass at a batch size and reused afterwards, so a steady-state step allocates nothing.
//
// Forward evaluates the inputs, then the op. Backward starts with the node's adjoint filled in and
// calls the op's vector-Jacobian product, which ADDS each input's contribution into that input's
// adjoint; then it recurses into the inputs. Leaves add into storage owned by the model (parameter
// gradients, the adjoint of another layer's output), so a value used by several consumers accumulates
// all their contributions before its own backward runs (the network visits layers in reverse order).
//
// The context `ctx` passed to forward/backward gives leaves their storage:
//   ctx.param(slot), ctx.param_grad(slot)          -> MatrixView (grad is empty for a frozen parameter)
//   ctx.output(i), ctx.adjoint(i)                   -> node i's output and its adjoint (may be empty)
//   ctx.layer_state(k)                             -> buffer k of the state of the layer being run
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "staticgrad/core/matrix.hpp"
#include "staticgrad/core/shape.hpp"

namespace sg {

template <class T>
using View = MatrixView<T>;
template <class T>
using ConstView = MatrixView<const T>;

// An expression: something with a value type, a static shape and the forward/backward protocol.
template <class E>
concept Expression = requires {
  typename E::value_type;
  typename E::shape;
  { E::differentiable } -> std::convertible_to<bool>;
};

// ---------------------------------------------------------------------------------------------------
// Leaves

// A learnable (or frozen) parameter, found through its slot in the model's parameter table.
template <class T, std::size_t Rows, std::size_t Cols>
struct ParamLeaf {
  using value_type = T;
  using shape = Shape<Rows, Cols>;
  static constexpr bool differentiable = true;
  std::size_t slot = 0;

  template <class Ctx> void forward(Ctx&, std::size_t) {}
  template <class Ctx> ConstView<T> value(Ctx& ctx) const { return ctx.param(slot); }
  template <class Ctx> View<T> grad_target(Ctx& ctx, std::size_t) { return ctx.param_grad(slot); }
  template <class Ctx> void backward(Ctx&, std::size_t) {}
};

// The output of node `index` of the network (a data input, or an earlier layer). Like a parameter's
// slot, the index is a value, not part of the type: layers of the same type reading the same shapes
// build the same expression type, whose code is then compiled once however deep the network is.
template <class T, std::size_t Rows, std::size_t Cols>
struct OutputLeaf {
  using value_type = T;
  using shape = Shape<Rows, Cols>;
  static constexpr bool differentiable = true;  // the context returns an empty adjoint for data inputs
  std::size_t index = 0;

  template <class Ctx> void forward(Ctx&, std::size_t) {}
  template <class Ctx> ConstView<T> value(Ctx& ctx) const { return ctx.output(index); }
  template <class Ctx> View<T> grad_target(Ctx& ctx, std::size_t) { return ctx.adjoint(index); }
  template <class Ctx> void backward(Ctx&, std::size_t) {}
};

// Buffer `K` of the layer's own state (a dropout mask): a constant to autodiff. It names no node, so
// the same layer at any place of any network has one expression type.
template <class T, std::size_t K, std::size_t Rows, std::size_t Cols>
struct StateLeaf {
  using value_type = T;
  using shape = Shape<Rows, Cols>;
  static constexpr bool differentiable = false;

  template <class Ctx> void forward(Ctx&, std::size_t) {}
  template <class Ctx> ConstView<T> value(Ctx& ctx) const { return ctx.layer_state(K); }
  template <class Ctx> View<T> grad_target(Ctx&, std::size_t) { return {}; }
  template <class Ctx> void backward(Ctx&, std::size_t) {}
};

// A constant matrix owned by the expression itself (random weights of a gradient check, a fixed target).
template <class T, std::size_t Rows, std::size_t Cols>
struct ConstLeaf {
  using value_type = T;
  using shape = Shape<Rows, Cols>;
  static constexpr bool differentiable = false;
  Matrix<T> values;

  template <class Ctx> void forward(Ctx&, std::size_t) {}
  template <class Ctx> ConstView<T> value(Ctx&) const { return values.view(); }
  template <class Ctx> View<T> grad_target(Ctx&, std::size_t) { return {}; }
  template <class Ctx> void backward(Ctx&, std::size_t) {}
};

// ---------------------------------------------------------------------------------------------------
// Interior nodes

// `Op` supplies, side by side in its own header:
//   template <class... InShapes> using result = Shape<...>;   the shape rule (checks fail to compile)
//   void forward(View<T> out, ConstView<T> in...) const;       the value
//   void backward(ConstView<T> dout, ConstView<T> out, ConstView<T> in..., View<T> din...) const;
//                                                              the VJP: din += J^T dout (din.data may be null)
//   static constexpr bool has_gradient (optional, default true): false for masks and comparisons.
template <class Op>
constexpr bool op_has_gradient() {
  if constexpr (requires { Op::has_gradient; }) return Op::has_gradient;
  else return true;
}

template <class Op, class... In>
struct Node {
  using value_type = std::common_type_t<typename In::value_type...>;
  static_assert((std::is_same_v<value_type, typename In::value_type> && ...),
                "staticgrad: all inputs of a node must have the same scalar type (float or double)");
  using shape = typename Op::template result<typename In::shape...>;
  static constexpr std::size_t rows = shape::rows;
  static constexpr std::size_t cols = shape::cols;
  static constexpr bool differentiable = op_has_gradient<Op>() && (In::differentiable || ...);
  using T = value_type;
  using op_type = Op;

  [[no_unique_address]] Op op;
  std::tuple<In...> inputs;
  Matrix<T> value_;
  Matrix<T> grad_;

  Node() = default;
  Node(Op o, In... in) : op(std::move(o)), inputs(std::move(in)...) {}

  template <class Ctx>
  void forward(Ctx& ctx, std::size_t m) {
    std::apply([&](auto&... in) { (in.forward(ctx, m), ...); }, inputs);
    value_.resize(rows, resolve(cols, m));
    std::apply([&](auto&... in) { op.forward(value_.view(), in.value(ctx)...); }, inputs);
  }
  template <class Ctx> ConstView<T> value(Ctx&) const { return value_.view(); }
  ConstView<T> value() const { return value_.view(); }

  // The adjoint buffer, sized and zeroed: an input's contributions are added into it.
  template <class Ctx> View<T> grad_target(Ctx&, std::size_t m) { return zeroed_adjoint(m); }
  View<T> zeroed_adjoint(std::size_t m) {
    if constexpr (!differentiable) {
      return {};
    } else {
      grad_.resize(rows, resolve(cols, m));
      grad_.fill(T{0});
      return grad_.view();
    }
  }
  View<T> adjoint() { return grad_.view(); }

  // Precondition: the adjoint holds dCost/dValue.
  template <class Ctx>
  void backward(Ctx& ctx, std::size_t m) {
    if constexpr (differentiable) {
      std::apply(
          [&](auto&... in) {
            op.backward(ConstView<T>(grad_.view()), ConstView<T>(value_.view()), in.value(ctx)...,
                        input_adjoint(in, ctx, m)...);
          },
          inputs);
      std::apply([&](auto&... in) { (in.backward(ctx, m), ...); }, inputs);
    }
  }

 private:
  template <class E, class Ctx>
  static View<T> input_adjoint(E& in, Ctx& ctx, std::size_t m) {
    if constexpr (E::differentiable) return in.grad_target(ctx, m);
    else return {};
  }
};

// Build a node from an op and its input expressions.
template <class Op, Expression... In>
Node<Op, In...> make_node(Op op, In... in) {
  return Node<Op, In...>(std::move(op), std::move(in)...);
}

}  // namespace sg
