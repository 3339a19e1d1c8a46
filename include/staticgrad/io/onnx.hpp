// staticgrad/io/onnx.hpp - export a model's evaluation-mode graph as an ONNX file (docs/onnx.md).
//
//   sg::io::save_onnx(model, "model.onnx", {.normalizer = normalizer});
//
// writes the graph that model.forward() computes in evaluation mode: each data input it needs as a graph
// input [N, features] or, for images, [N, C, H, W] (N symbolic), each parameter as an initializer, each layer as one or a few ONNX
// nodes named after the staticgrad node (doc_string: the layer's kind), and one output per prediction
// (what a loss reads, turned into probabilities by the loss's kind unless OnnxOutputs::logits). Losses
// and the data inputs only they read (labels, masks) are left out. ONNX's layout [N, features] row-major
// is staticgrad's features x N column-major: the same bytes, one sample after the other (and an image's
// column is channel-major C x H x W, so [N, C, H, W] is the same bytes too).
//
// This header is the type-dependent half: it walks the model's nodes (Model::for_each_node), recognises
// the built-in layers and collects parameters and hooks. Mapping, protobuf and the atomic write live in
// src/io/onnx.cpp, which needs Debian's libonnx-dev at build time (STATICGRAD_WITH_ONNX); without it
// save_onnx throws sg::error saying so (onnx_export_available() tells beforehand).
//
// A layer of your own exports through a member hook (docs/extending.md has a compiled example):
//   void export_onnx(sg::io::OnnxLayerBuilder& b) const;   // b.set_output(b.node("Mul", {b.input(0), ...}))
// A loss may have the hook too: it turns its first input into the prediction output. A layer that the
// exported graph needs and that is neither built in nor has the hook is refused, naming node and kind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/layers/activations.hpp"
#include "staticgrad/layers/add.hpp"
#include "staticgrad/layers/batch_norm.hpp"
#include "staticgrad/layers/batch_norm_2d.hpp"
#include "staticgrad/layers/conv2d.hpp"
#include "staticgrad/layers/dense.hpp"
#include "staticgrad/layers/dropout.hpp"
#include "staticgrad/layers/flatten.hpp"
#include "staticgrad/layers/pooling.hpp"
#include "staticgrad/losses/cross_entropy.hpp"
#include "staticgrad/losses/mean_squared_error.hpp"
#include "staticgrad/losses/multi_label.hpp"

namespace sg::io {

// The opset of the default ONNX domain that exported files declare.
inline constexpr std::int64_t onnx_opset = 13;

// What each output holds: probabilities (softmax for SoftmaxCrossEntropy, sigmoid for the binary
// cross-entropies, the value itself for MeanSquaredError), or the loss's input as it is (logits).
enum class OnnxOutputs { probabilities, logits };

struct OnnxExportOptions {
  OnnxOutputs outputs = OnnxOutputs::probabilities;
  // When set, folded into the graph as its first nodes, (x - mean) * (1 / stddev) as Normalizer::apply
  // computes it (Sub, Mul), so the file takes the raw input (pixels in [0, 1] as the IDX reader gives
  // them). Its features must equal the width of the data input `normalized_input`.
  std::optional<sg::data::Normalizer> normalizer = std::nullopt;
  std::string normalized_input = "x";
  // Output names by prediction node ({"class_logits", "class"}). Default: one prediction is
  // "probabilities" ("predictions" for a regression, "logits" with OnnxOutputs::logits); several are
  // "<node>_probabilities" ("<node>_predictions", "<node>").
  std::vector<std::pair<std::string, std::string>> output_names = {};
  std::string graph_name = "staticgrad";
};

// An attribute of an ONNX node: an integer, a float or a list of integers (the kinds the mappings use).
struct OnnxAttribute {
  std::string name;
  std::variant<std::int64_t, float, std::vector<std::int64_t>> value;
};

// A parameter as the exporter sees it: staticgrad's name ("fc1.W") and rows x cols values, column-major.
struct OnnxParam {
  std::string name;
  std::size_t rows = 0, cols = 0;
  std::vector<float> values;
};

namespace detail {
struct OnnxGraph;
struct OnnxNodeInfo;
}  // namespace detail

// What an export_onnx hook builds with. Tensor names are strings; the layer's inputs are already
// tensors of shape [N, features], or [N, C, H, W] for images (the per-sample part: input_shape(j)), and
// the output must have the shape of the node's own samples in the same way. Every entity it adds is named after
// the staticgrad node; the node that produces the layer's output is named exactly like it.
class OnnxLayerBuilder {
 public:
  std::string_view node_name() const;  // "fc1"
  std::string_view kind() const;       // the layer's kind ("Dense")
  std::size_t input_count() const;
  // The tensor holding input j of the layer. Requires j < input_count() (sg::error otherwise).
  const std::string& input(std::size_t j) const;
  // Input j's per-sample shape: {rows} for a feature vector, {C, H, W} for an image.
  const std::vector<std::int64_t>& input_shape(std::size_t j) const;
  std::size_t param_count() const;
  // Parameter k as an initializer named like the parameter ("fc1.W"): a rows x cols matrix becomes
  // [rows, cols] with element (i, j) at i * cols + j (so Dense's W is [out, in]); an n x 1 vector
  // becomes [n]. Added once however often it is asked for. Requires k < param_count().
  std::string param(std::size_t k);
  // The same values, row-major, under other dims of the same size (Conv2D's W, Cout x (C K K), as
  // [Cout, C, K, K]). The first call for k decides the dims.
  std::string param(std::size_t k, std::vector<std::int64_t> dims);
  // Parameter k's values as staticgrad holds them (column-major), for mappings that transform them.
  const OnnxParam& param_values(std::size_t k) const;
  // A new float initializer "<node>.<suffix>"; values.size() must equal the product of dims.
  std::string constant(std::string_view suffix, std::vector<std::int64_t> dims, std::vector<float> values);
  // A new 1-D int64 initializer "<node>.<suffix>" (for Reshape's shape input, say).
  std::string int64_constant(std::string_view suffix, std::vector<std::int64_t> values);
  // Appends a node of `op_type` (default ONNX domain) reading `inputs`; returns its output tensor.
  std::string node(std::string_view op_type, std::vector<std::string> inputs,
                   std::vector<OnnxAttribute> attributes = {});
  // The tensor that is the layer's output (required once per layer; may be an input: an identity).
  void set_output(const std::string& tensor);

  OnnxLayerBuilder(detail::OnnxGraph& graph, const detail::OnnxNodeInfo& info, std::vector<std::string> inputs,
                   std::vector<std::vector<std::int64_t>> input_shapes);
  const std::string& output() const { return output_; }

 private:
  detail::OnnxGraph* graph_;
  const detail::OnnxNodeInfo* info_;
  std::vector<std::string> inputs_;
  std::vector<std::vector<std::int64_t>> input_shapes_;
  std::vector<std::string> param_tensors_;
  std::string output_;
};

// Whether this build of the library can write ONNX files (built with libonnx-dev).
bool onnx_export_available();

namespace detail {

// The layers the exporter maps itself; everything else needs an export_onnx hook.
enum class OnnxBuiltin {
  none,
  dense,
  sigmoid,
  tanh,
  relu,
  leaky_relu,
  softmax,
  batch_norm,
  dropout,
  conv2d,
  max_pool2d,
  avg_pool2d,
  global_avg_pool,
  flatten,
  batch_norm_2d,
  add,
  softmax_cross_entropy,
  binary_cross_entropy,
  mean_squared_error,
};

// A built-in layer and its run-time options.
struct OnnxBuiltinInfo {
  OnnxBuiltin kind = OnnxBuiltin::none;
  double value = 0;  // LeakyReLU's slope, the batch norms' epsilon
  std::int64_t kernel = 0, stride = 1, pad = 0;  // convolution and pooling windows
};

struct OnnxNodeInfo {
  std::string name, kind;
  bool is_input = false, is_loss = false;
  std::vector<std::size_t> inputs;   // indices of the nodes it reads
  std::vector<std::int64_t> shape;   // per sample: {rows}, or {C, H, W} for an image
  std::vector<OnnxParam> params;
  OnnxBuiltinInfo builtin;
  std::function<void(OnnxLayerBuilder&)> hook;
};

// Which built-in a layer is (as the node runs it: bound to its input's image), with its options.
// Overloads beat the catch-all for the exact types only, so a user's layer derived from a built-in one
// is not taken for it.
template <class L>
OnnxBuiltinInfo onnx_builtin(const L&) {
  return {};
}
template <std::size_t In, std::size_t Out>
OnnxBuiltinInfo onnx_builtin(const Dense<In, Out>&) {
  return {OnnxBuiltin::dense};
}
template <std::size_t N>
OnnxBuiltinInfo onnx_builtin(const BatchNorm<N>& l) {
  return {OnnxBuiltin::batch_norm, l.epsilon};
}
template <class In, std::size_t Out, std::size_t K, ConvOptions O>
OnnxBuiltinInfo onnx_builtin(const sg::detail::Conv2DOn<In, Out, K, O>&) {
  using L = sg::detail::Conv2DOn<In, Out, K, O>;
  return {OnnxBuiltin::conv2d, 0, static_cast<std::int64_t>(L::geometry.kernel),
          static_cast<std::int64_t>(L::geometry.stride), static_cast<std::int64_t>(L::geometry.pad)};
}
template <class In, std::size_t K, std::size_t S, std::size_t P, ops::PoolKind Kind>
OnnxBuiltinInfo onnx_builtin(const sg::detail::Pool2DOn<In, K, S, P, Kind>&) {
  using L = sg::detail::Pool2DOn<In, K, S, P, Kind>;
  return {Kind == ops::PoolKind::max ? OnnxBuiltin::max_pool2d : OnnxBuiltin::avg_pool2d, 0,
          static_cast<std::int64_t>(L::geometry.kernel), static_cast<std::int64_t>(L::geometry.stride),
          static_cast<std::int64_t>(L::geometry.pad)};
}
template <class In>
OnnxBuiltinInfo onnx_builtin(const sg::detail::GlobalAvgPoolOn<In>&) {
  return {OnnxBuiltin::global_avg_pool};
}
template <class In>
OnnxBuiltinInfo onnx_builtin(const sg::detail::FlattenOn<In>&) {
  return {OnnxBuiltin::flatten};
}
template <class In>
OnnxBuiltinInfo onnx_builtin(const sg::detail::BatchNorm2DOn<In>& l) {
  return {OnnxBuiltin::batch_norm_2d, l.epsilon};
}
template <class In, class Second>
OnnxBuiltinInfo onnx_builtin(const sg::detail::AddOn<In, Second, true>&) {
  return {OnnxBuiltin::add};
}
inline OnnxBuiltinInfo onnx_builtin(const Sigmoid&) { return {OnnxBuiltin::sigmoid}; }
inline OnnxBuiltinInfo onnx_builtin(const Tanh&) { return {OnnxBuiltin::tanh}; }
inline OnnxBuiltinInfo onnx_builtin(const ReLU&) { return {OnnxBuiltin::relu}; }
inline OnnxBuiltinInfo onnx_builtin(const LeakyReLU& l) { return {OnnxBuiltin::leaky_relu, l.slope}; }
inline OnnxBuiltinInfo onnx_builtin(const Softmax&) { return {OnnxBuiltin::softmax}; }
inline OnnxBuiltinInfo onnx_builtin(const Dropout&) { return {OnnxBuiltin::dropout}; }
inline OnnxBuiltinInfo onnx_builtin(const SoftmaxCrossEntropy&) { return {OnnxBuiltin::softmax_cross_entropy}; }
inline OnnxBuiltinInfo onnx_builtin(const BinaryCrossEntropy&) { return {OnnxBuiltin::binary_cross_entropy}; }
inline OnnxBuiltinInfo onnx_builtin(const MaskedBinaryCrossEntropy&) { return {OnnxBuiltin::binary_cross_entropy}; }
inline OnnxBuiltinInfo onnx_builtin(const MeanSquaredError&) { return {OnnxBuiltin::mean_squared_error}; }

// The compiled half: maps, validates, serialises and writes atomically (src/io/onnx.cpp).
void write_onnx(const std::vector<OnnxNodeInfo>& nodes, const std::string& path,
                const OnnxExportOptions& options);

}  // namespace detail

// Writes `model`'s evaluation-mode graph to `path` as an ONNX model (ir_version of the installed ONNX,
// opset onnx_opset), atomically like checkpoints: `path` holds its old contents or the complete new
// file, never part of one. Everything is checked and serialised before the first byte is written.
// Throws sg::error naming the node and its kind when a layer has no mapping, sg::shape_error when the
// normalizer's width differs from its input's, sg::error when a name in the options matches nothing,
// sg::io_error when the file cannot be written, sg::error when the library was built without ONNX.
template <class Model>
void save_onnx(const Model& model, const std::string& path, const OnnxExportOptions& options = {}) {
  std::vector<detail::OnnxNodeInfo> nodes;
  model.for_each_node([&](const auto& node) {
    using N = std::remove_cvref_t<decltype(node)>;
    detail::OnnxNodeInfo info;
    info.name = std::string(node.name);
    info.is_input = N::is_input;
    using I = typename N::image;
    if constexpr (I::is_flat) info.shape = {static_cast<std::int64_t>(I::size)};
    else info.shape = {static_cast<std::int64_t>(I::channels), static_cast<std::int64_t>(I::height),
                       static_cast<std::int64_t>(I::width)};
    if constexpr (N::is_input) {
      info.kind = "Input";
    } else {
      using L = typename N::layer_type;
      info.kind = std::string(L::kind.view());
      info.is_loss = N::is_loss;
      info.inputs.assign(node.inputs.begin(), node.inputs.end());
      for (std::size_t k = 0; k < L::params.size(); ++k) {
        const auto v = model.param_view(node.first_slot + k);
        OnnxParam p{model.parameter_names()[node.first_slot + k], v.rows, v.cols, {}};
        p.values.assign(v.data, v.data + v.rows * v.cols);  // float, whatever the model's scalar type
        info.params.push_back(std::move(p));
      }
      info.builtin = detail::onnx_builtin(node.layer);
      if constexpr (requires(OnnxLayerBuilder& b) { node.layer.export_onnx(b); }) {
        const auto* layer = &node.layer;  // the model outlives this call
        info.hook = [layer](OnnxLayerBuilder& b) { layer->export_onnx(b); };
      }
    }
    nodes.push_back(std::move(info));
  });
  detail::write_onnx(nodes, path, options);
}

}  // namespace sg::io
