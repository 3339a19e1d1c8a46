// ONNX export, the compiled half of io/onnx.hpp: the mapping of each built-in layer, the validation of
// the whole export, and (with libonnx-dev, STATICGRAD_HAVE_ONNX) the protobuf model and its atomic write.
// The graph is first built as plain records (OnnxGraph), so that hooks and mappings compile and run the
// same way with or without ONNX, and nothing is written before every node has been mapped.
#include "staticgrad/io/onnx.hpp"

#include <filesystem>
#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/std.h>

#include "staticgrad/core/error.hpp"
#include "staticgrad/io/atomic_file.hpp"

#if defined(STATICGRAD_HAVE_ONNX)
#include <onnx/onnx_pb.h>
#endif

namespace sg::io {

namespace detail {

// The exported graph before serialisation: nodes in order, float initializers, and the names in use
// (ONNX needs node names and tensor names unique within a graph).
struct OnnxGraph {
  struct Op {
    std::string type, name, doc;
    std::vector<std::string> inputs, outputs;
    std::vector<OnnxAttribute> attributes;
  };
  struct Initializer {
    std::string name;
    std::vector<std::int64_t> dims;
    std::vector<float> values;
    std::vector<std::int64_t> int64_values;  // used instead of values when is_int64
    bool is_int64 = false;
  };
  std::vector<Op> ops;
  std::vector<Initializer> initializers;
  std::set<std::string> tensor_names, node_names;

  // `base`, or `base_2`, `base_3`, ... : the first that is not in `used`, which it is then added to.
  static std::string unique(std::set<std::string>& used, const std::string& base) {
    std::string name = base;
    for (int k = 2; used.contains(name); ++k) name = fmt::format("{}_{}", base, k);
    used.insert(name);
    return name;
  }
  // Renames tensor `from` to `to` in every node.
  void rename_tensor(const std::string& from, const std::string& to) {
    for (Op& op : ops) {
      for (std::string& s : op.inputs)
        if (s == from) s = to;
      for (std::string& s : op.outputs)
        if (s == from) s = to;
    }
    tensor_names.erase(from);
    tensor_names.insert(to);
  }
  Op* producer(const std::string& tensor, std::size_t first_op = 0) {
    for (std::size_t k = first_op; k < ops.size(); ++k)
      if (std::find(ops[k].outputs.begin(), ops[k].outputs.end(), tensor) != ops[k].outputs.end()) return &ops[k];
    return nullptr;
  }
};

}  // namespace detail

namespace {

std::int64_t product(const std::vector<std::int64_t>& dims) {
  std::int64_t n = 1;
  for (std::int64_t d : dims) n *= d;
  return n;
}

}  // namespace

// ---- the builder hooks use ----------------------------------------------------------------------------

OnnxLayerBuilder::OnnxLayerBuilder(detail::OnnxGraph& graph, const detail::OnnxNodeInfo& info,
                                   std::vector<std::string> inputs, std::vector<std::vector<std::int64_t>> input_shapes)
    : graph_(&graph),
      info_(&info),
      inputs_(std::move(inputs)),
      input_shapes_(std::move(input_shapes)),
      param_tensors_(info.params.size()) {}

std::string_view OnnxLayerBuilder::node_name() const { return info_->name; }
std::string_view OnnxLayerBuilder::kind() const { return info_->kind; }
std::size_t OnnxLayerBuilder::input_count() const { return inputs_.size(); }
std::size_t OnnxLayerBuilder::param_count() const { return info_->params.size(); }

const std::string& OnnxLayerBuilder::input(std::size_t j) const {
  if (j >= inputs_.size())
    throw error(fmt::format("ONNX export: node \"{}\" ({}): input {} asked for, the layer has {}", info_->name,
                            info_->kind, j, inputs_.size()));
  return inputs_[j];
}
const std::vector<std::int64_t>& OnnxLayerBuilder::input_shape(std::size_t j) const {
  input(j);  // the range check
  return input_shapes_[j];
}

const OnnxParam& OnnxLayerBuilder::param_values(std::size_t k) const {
  if (k >= info_->params.size())
    throw error(fmt::format("ONNX export: node \"{}\" ({}): parameter {} asked for, the layer has {}", info_->name,
                            info_->kind, k, info_->params.size()));
  return info_->params[k];
}

std::string OnnxLayerBuilder::param(std::size_t k) {
  const OnnxParam& p = param_values(k);
  if (p.cols == 1) return param(k, {static_cast<std::int64_t>(p.rows)});
  return param(k, {static_cast<std::int64_t>(p.rows), static_cast<std::int64_t>(p.cols)});
}

std::string OnnxLayerBuilder::param(std::size_t k, std::vector<std::int64_t> dims) {
  const OnnxParam& p = param_values(k);
  if (!param_tensors_[k].empty()) return param_tensors_[k];
  if (product(dims) != static_cast<std::int64_t>(p.rows * p.cols))
    throw shape_error(fmt::format("ONNX export: node \"{}\" ({}): parameter \"{}\" of {} x {} asked for as [{}]",
                                  info_->name, info_->kind, p.name, p.rows, p.cols, fmt::join(dims, ", ")));
  detail::OnnxGraph::Initializer init;
  init.name = detail::OnnxGraph::unique(graph_->tensor_names, p.name);
  init.dims = std::move(dims);
  // staticgrad stores (i, j) at i + j * rows (column-major); ONNX wants it row-major, at i * cols + j.
  init.values.resize(p.values.size());
  for (std::size_t i = 0; i < p.rows; ++i)
    for (std::size_t j = 0; j < p.cols; ++j) init.values[i * p.cols + j] = p.values[i + j * p.rows];
  param_tensors_[k] = init.name;
  graph_->initializers.push_back(std::move(init));
  return param_tensors_[k];
}

std::string OnnxLayerBuilder::int64_constant(std::string_view suffix, std::vector<std::int64_t> values) {
  detail::OnnxGraph::Initializer init;
  init.name = detail::OnnxGraph::unique(graph_->tensor_names, fmt::format("{}.{}", info_->name, suffix));
  init.dims = {static_cast<std::int64_t>(values.size())};
  init.int64_values = std::move(values);
  init.is_int64 = true;
  graph_->initializers.push_back(std::move(init));
  return graph_->initializers.back().name;
}

std::string OnnxLayerBuilder::constant(std::string_view suffix, std::vector<std::int64_t> dims, std::vector<float> values) {
  if (product(dims) != static_cast<std::int64_t>(values.size()))
    throw shape_error(fmt::format("ONNX export: node \"{}\" ({}): constant \"{}\" of shape [{}] needs {} values, found {}",
                                  info_->name, info_->kind, suffix, fmt::join(dims, ", "), product(dims),
                                  values.size()));
  detail::OnnxGraph::Initializer init;
  init.name = detail::OnnxGraph::unique(graph_->tensor_names, fmt::format("{}.{}", info_->name, suffix));
  init.dims = std::move(dims);
  init.values = std::move(values);
  graph_->initializers.push_back(std::move(init));
  return graph_->initializers.back().name;
}

std::string OnnxLayerBuilder::node(std::string_view op_type, std::vector<std::string> inputs,
                                   std::vector<OnnxAttribute> attributes) {
  for (const std::string& in : inputs)
    if (!graph_->tensor_names.contains(in))
      throw error(fmt::format("ONNX export: node \"{}\" ({}): {} reads tensor \"{}\", which does not exist",
                              info_->name, info_->kind, op_type, in));
  detail::OnnxGraph::Op op;
  op.type = std::string(op_type);
  op.name = detail::OnnxGraph::unique(graph_->node_names, fmt::format("{}/{}", info_->name, op_type));
  op.doc = info_->kind;
  op.inputs = std::move(inputs);
  op.outputs = {detail::OnnxGraph::unique(graph_->tensor_names, op.name)};
  op.attributes = std::move(attributes);
  graph_->ops.push_back(std::move(op));
  return graph_->ops.back().outputs[0];
}

void OnnxLayerBuilder::set_output(const std::string& tensor) {
  if (!graph_->tensor_names.contains(tensor))
    throw error(fmt::format("ONNX export: node \"{}\" ({}): set_output(\"{}\"): no such tensor", info_->name,
                            info_->kind, tensor));
  output_ = tensor;
}

bool onnx_export_available() {
#if defined(STATICGRAD_HAVE_ONNX)
  return true;
#else
  return false;
#endif
}

namespace detail {
namespace {

using Builtin = OnnxBuiltin;

// An image tensor [N, C, H, W] as [N, C*H*W] (what staticgrad's column is); a flat one as it is.
std::string flat(OnnxLayerBuilder& b, const std::string& tensor, const std::vector<std::int64_t>& shape) {
  if (shape.size() == 1) return tensor;
  return b.node("Flatten", {tensor}, {{"axis", std::int64_t{1}}});
}
// A [N, C*H*W] tensor back to [N, C, H, W] (Reshape's 0 keeps N); a flat shape needs nothing.
std::string unflat(OnnxLayerBuilder& b, const std::string& tensor, const std::vector<std::int64_t>& shape) {
  if (shape.size() == 1) return tensor;
  std::vector<std::int64_t> dims{0};
  dims.insert(dims.end(), shape.begin(), shape.end());
  return b.node("Reshape", {tensor, b.int64_constant("shape", dims)});
}
std::vector<OnnxAttribute> window(const OnnxBuiltinInfo& w) {
  return {{"kernel_shape", std::vector<std::int64_t>{w.kernel, w.kernel}},
          {"strides", std::vector<std::int64_t>{w.stride, w.stride}},
          {"pads", std::vector<std::int64_t>{w.pad, w.pad, w.pad, w.pad}}};
}

// The built-in mappings. Each reads b.input(0) (Add also b.input(1)) and sets the layer's output, of
// the node's per-sample shape: [N, n] for features, [N, C, H, W] for an image.
void map_builtin(OnnxLayerBuilder& b, const OnnxBuiltinInfo& info) {
  const std::vector<std::int64_t>& shape = b.input_shape(0);
  switch (info.kind) {
    case Builtin::dense:  // Z = W X + b per sample: Gemm(X [N, in], W [out, in], b [out], transB = 1)
      b.set_output(b.node("Gemm", {flat(b, b.input(0), shape), b.param(0), b.param(1)}, {{"transB", std::int64_t{1}}}));
      return;
    case Builtin::sigmoid:
      b.set_output(b.node("Sigmoid", {b.input(0)}));
      return;
    case Builtin::tanh:
      b.set_output(b.node("Tanh", {b.input(0)}));
      return;
    case Builtin::relu:
      b.set_output(b.node("Relu", {b.input(0)}));
      return;
    case Builtin::leaky_relu:  // max(z, slope z) with 0 < slope < 1 is LeakyRelu's z < 0 ? slope z : z
      b.set_output(b.node("LeakyRelu", {b.input(0)}, {{"alpha", static_cast<float>(info.value)}}));
      return;
    case Builtin::softmax:  // over all the features of each sample (an image's C*H*W values together)
    case Builtin::softmax_cross_entropy:  // the loss's logits as probabilities
      b.set_output(
          unflat(b, b.node("Softmax", {flat(b, b.input(0), shape)}, {{"axis", std::int64_t{-1}}}), shape));
      return;
    case Builtin::batch_norm:
      // Evaluation mode: gamma (z - running_mean) / sqrt(running_var + eps) + beta for each of the n
      // features, which is BatchNormalization on [N, n] with the running statistics (opset 13: inference
      // only, output Y). After an image, each of its C*H*W values is a feature: flatten, then back.
      b.set_output(unflat(b,
                          b.node("BatchNormalization",
                                 {flat(b, b.input(0), shape), b.param(0), b.param(1), b.param(2), b.param(3)},
                                 {{"epsilon", static_cast<float>(info.value)}}),
                          shape));
      return;
    case Builtin::batch_norm_2d:  // per channel over N, H, W: BatchNormalization on NCHW
      b.set_output(b.node("BatchNormalization", {b.input(0), b.param(0), b.param(1), b.param(2), b.param(3)},
                          {{"epsilon", static_cast<float>(info.value)}}));
      return;
    case Builtin::dropout:  // evaluation mode: the identity
      b.set_output(b.node("Identity", {b.input(0)}));
      return;
    case Builtin::conv2d: {
      // W is Cout x (C K K), columns ordered (channel, kernel row, kernel column): row-major that is
      // ONNX's [Cout, C, K, K]. Zero padding on every side, stride S, no dilation.
      const std::int64_t out = static_cast<std::int64_t>(b.param_values(0).rows);
      std::vector<std::string> ins{b.input(0), b.param(0, {out, shape.at(0), info.kernel, info.kernel})};
      if (b.param_count() > 1) ins.push_back(b.param(1));
      b.set_output(b.node("Conv", std::move(ins), window(info)));
      return;
    }
    case Builtin::max_pool2d:  // padding never wins a max, as ONNX's MaxPool; floor of the output extent
      b.set_output(b.node("MaxPool", {b.input(0)}, window(info)));
      return;
    case Builtin::avg_pool2d: {  // padding counts as 0 and the divisor is always K^2: count_include_pad
      std::vector<OnnxAttribute> attributes = window(info);
      attributes.push_back({"count_include_pad", std::int64_t{1}});
      b.set_output(b.node("AveragePool", {b.input(0)}, std::move(attributes)));
      return;
    }
    case Builtin::global_avg_pool:  // [N, C, 1, 1], then staticgrad's C plain features
      b.set_output(b.node("Flatten", {b.node("GlobalAveragePool", {b.input(0)})}, {{"axis", std::int64_t{1}}}));
      return;
    case Builtin::flatten:
      b.set_output(b.node("Flatten", {b.input(0)}, {{"axis", std::int64_t{1}}}));
      return;
    case Builtin::add:
      b.set_output(b.node("Add", {b.input(0), b.input(1)}));
      return;
    case Builtin::binary_cross_entropy:
      b.set_output(b.node("Sigmoid", {b.input(0)}));
      return;
    case Builtin::mean_squared_error:  // the prediction itself
      b.set_output(b.input(0));
      return;
    case Builtin::none:
      break;
  }
  throw error("ONNX export: internal error: no built-in mapping");
}

// Runs the mapping of `info` (its hook, else its built-in mapping) and names the node that makes its
// output after the staticgrad node, and that tensor too. Returns the output tensor.
std::string map_node(OnnxGraph& graph, const OnnxNodeInfo& info, std::vector<std::string> inputs,
                     std::vector<std::vector<std::int64_t>> shapes, const std::filesystem::path& path) {
  const std::size_t first_op = graph.ops.size();
  OnnxLayerBuilder b(graph, info, std::move(inputs), std::move(shapes));
  if (info.hook) {
    info.hook(b);
  } else if (info.builtin.kind != Builtin::none) {
    map_builtin(b, info.builtin);
  } else {
    throw error(fmt::format(
        "ONNX export to {}: node \"{}\" of kind {} has no ONNX mapping (expected a built-in layer or a layer "
        "with a member `void export_onnx(sg::io::OnnxLayerBuilder&) const`, see docs/extending.md)",
        path, info.name, info.kind));
  }
  if (b.output().empty())
    throw error(fmt::format("ONNX export to {}: node \"{}\" ({}): its export_onnx hook set no output "
                            "(call set_output)",
                            path, info.name, info.kind));
  std::string out = b.output();
  if (OnnxGraph::Op* op = graph.producer(out, first_op)) {
    // The node and tensor that hold the layer's result get the staticgrad name itself.
    if (!graph.node_names.contains(info.name)) {
      graph.node_names.erase(op->name);
      op->name = info.name;
      graph.node_names.insert(info.name);
    }
    if (!graph.tensor_names.contains(info.name)) {
      graph.rename_tensor(out, info.name);
      out = info.name;
    }
  }
  return out;
}

struct Prediction {
  std::size_t node;  // what the loss reads (or a sink of a network without losses)
  std::size_t loss;  // the loss that reads it, or the number of nodes when none
  std::string output;
};

std::vector<Prediction> find_predictions(const std::vector<OnnxNodeInfo>& nodes, const OnnxExportOptions& options,
                                         const std::filesystem::path& path) {
  const std::size_t none = nodes.size();
  std::vector<Prediction> found;
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    if (!nodes[k].is_loss || nodes[k].inputs.empty()) continue;
    const std::size_t p = nodes[k].inputs[0];
    if (std::none_of(found.begin(), found.end(), [&](const Prediction& f) { return f.node == p; }))
      found.push_back({p, k, {}});
  }
  if (found.empty()) {  // no loss: every layer nobody reads is an output
    std::vector<bool> read(nodes.size(), false);
    for (const OnnxNodeInfo& n : nodes)
      for (std::size_t in : n.inputs) read[in] = true;
    for (std::size_t k = 0; k < nodes.size(); ++k)
      if (!nodes[k].is_input && !read[k]) found.push_back({k, none, {}});
  }
  if (found.empty())
    throw error(fmt::format("ONNX export to {}: the network has no layer to export", path));

  for (Prediction& f : found) {
    std::string noun = "predictions";
    if (options.outputs == OnnxOutputs::logits) noun = "logits";
    else if (f.loss != none && nodes[f.loss].builtin.kind != Builtin::mean_squared_error &&
             (nodes[f.loss].builtin.kind != Builtin::none || nodes[f.loss].hook))
      noun = "probabilities";
    if (found.size() == 1) f.output = noun;
    else if (options.outputs == OnnxOutputs::logits) f.output = nodes[f.node].name;
    else f.output = fmt::format("{}_{}", nodes[f.node].name, noun);
  }
  for (const auto& [node, name] : options.output_names) {
    // An init-capture: clang 16 with OpenMP cannot capture the structured binding `node`.
    auto it = std::find_if(found.begin(), found.end(),
                           [&, &node = node](const Prediction& f) { return nodes[f.node].name == node; });
    if (it == found.end()) {
      std::vector<std::string> names;
      for (const Prediction& f : found) names.push_back(nodes[f.node].name);
      throw error(fmt::format("ONNX export to {}: output_names names node \"{}\", which is not a prediction "
                              "(expected one of: {})",
                              path, node, fmt::join(names, ", ")));
    }
    it->output = name;
  }
  std::set<std::string> distinct;
  for (const Prediction& f : found)
    if (f.output.empty() || !distinct.insert(f.output).second)
      throw error(fmt::format("ONNX export to {}: output name \"{}\" is empty or used twice", path, f.output));
  return found;
}

#if defined(STATICGRAD_HAVE_ONNX)
void set_value_info(onnx::ValueInfoProto& v, const std::string& name, const std::vector<std::int64_t>& shape) {
  v.set_name(name);
  auto* tensor = v.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  auto* dims = tensor->mutable_shape();
  dims->add_dim()->set_dim_param("N");  // the batch: any number of samples
  for (std::int64_t d : shape) dims->add_dim()->set_dim_value(d);
}

std::string serialise(const OnnxGraph& graph, const std::vector<std::pair<std::string, std::vector<std::int64_t>>>& inputs,
                      const std::vector<std::pair<std::string, std::vector<std::int64_t>>>& outputs,
                      const OnnxExportOptions& options, const std::filesystem::path& path) {
  static_assert(std::endian::native == std::endian::little, "raw_data is little-endian");
  onnx::ModelProto model;
  model.set_ir_version(onnx::IR_VERSION);  // the installed ONNX's (8 for Debian 12's onnx 1.12)
  model.set_producer_name("staticgrad");
  model.set_producer_version("0.1.0");
  model.set_doc_string("exported by staticgrad (sg::io::save_onnx): the evaluation-mode graph");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(onnx_opset);
  onnx::GraphProto* g = model.mutable_graph();
  g->set_name(options.graph_name);
  for (const auto& [name, shape] : inputs) set_value_info(*g->add_input(), name, shape);
  for (const auto& [name, shape] : outputs) set_value_info(*g->add_output(), name, shape);
  for (const OnnxGraph::Initializer& init : graph.initializers) {
    onnx::TensorProto* t = g->add_initializer();
    t->set_name(init.name);
    for (std::int64_t d : init.dims) t->add_dims(d);
    if (init.is_int64) {
      t->set_data_type(onnx::TensorProto_DataType_INT64);
      for (std::int64_t v : init.int64_values) t->add_int64_data(v);
    } else {
      t->set_data_type(onnx::TensorProto_DataType_FLOAT);
      t->set_raw_data(std::string(reinterpret_cast<const char*>(init.values.data()), init.values.size() * sizeof(float)));
    }
  }
  for (const OnnxGraph::Op& op : graph.ops) {
    onnx::NodeProto* n = g->add_node();
    n->set_name(op.name);
    n->set_op_type(op.type);
    n->set_doc_string(op.doc);
    for (const std::string& s : op.inputs) n->add_input(s);
    for (const std::string& s : op.outputs) n->add_output(s);
    for (const OnnxAttribute& a : op.attributes) {
      onnx::AttributeProto* attr = n->add_attribute();
      attr->set_name(a.name);
      if (const auto* i = std::get_if<std::int64_t>(&a.value)) {
        attr->set_type(onnx::AttributeProto_AttributeType_INT);
        attr->set_i(*i);
      } else if (const auto* f = std::get_if<float>(&a.value)) {
        attr->set_type(onnx::AttributeProto_AttributeType_FLOAT);
        attr->set_f(*f);
      } else {
        attr->set_type(onnx::AttributeProto_AttributeType_INTS);
        for (std::int64_t v : std::get<std::vector<std::int64_t>>(a.value)) attr->add_ints(v);
      }
    }
  }
  std::string bytes;
  if (!model.SerializeToString(&bytes))
    throw error(fmt::format("ONNX export to {}: protobuf could not serialise the model ({} bytes of parameters; "
                            "protobuf's limit is 2 GiB)",
                            path, model.ByteSizeLong()));
  return bytes;
}
#else
// Without libonnx-dev the graph is still mapped and validated (the same errors), but cannot be written.
std::string serialise(const OnnxGraph&, const std::vector<std::pair<std::string, std::vector<std::int64_t>>>&,
                      const std::vector<std::pair<std::string, std::vector<std::int64_t>>>&, const OnnxExportOptions&,
                      const std::filesystem::path& path) {
  throw error(fmt::format("ONNX export to {}: this staticgrad was built without ONNX (install libonnx-dev and "
                          "configure again; STATICGRAD_WITH_ONNX)",
                          path));
}
#endif

}  // namespace

void write_onnx(const std::vector<OnnxNodeInfo>& nodes, const std::string& path_name,
                const OnnxExportOptions& options) {
  const std::filesystem::path path(path_name);
  const std::vector<Prediction> predictions = find_predictions(nodes, options, path);

  // The nodes the outputs depend on; a loss is not among them (only its probability mapping is used).
  std::vector<bool> needed(nodes.size(), false);
  std::vector<std::size_t> stack;
  for (const Prediction& p : predictions) stack.push_back(p.node);
  while (!stack.empty()) {
    const std::size_t k = stack.back();
    stack.pop_back();
    if (needed[k]) continue;
    needed[k] = true;
    for (std::size_t in : nodes[k].inputs) stack.push_back(in);
  }

  if (options.normalizer) {
    auto it = std::find_if(nodes.begin(), nodes.end(), [&](const OnnxNodeInfo& n) { return n.name == options.normalized_input; });
    if (it == nodes.end() || !it->is_input)
      throw error(fmt::format("ONNX export to {}: normalized_input \"{}\" is not a data input of the network", path,
                              options.normalized_input));
    if (!needed[static_cast<std::size_t>(it - nodes.begin())])
      throw error(fmt::format("ONNX export to {}: normalized_input \"{}\" is not read by any output", path,
                              options.normalized_input));
    if (static_cast<std::int64_t>(options.normalizer->features()) != product(it->shape))
      throw shape_error(fmt::format("ONNX export to {}: the normalizer of input \"{}\": {} features expected (the "
                                    "input's width), found {}",
                                    path, options.normalized_input, product(it->shape), options.normalizer->features()));
  }

  OnnxGraph graph;
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> graph_inputs, graph_outputs;
  std::vector<std::string> tensor(nodes.size());
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const OnnxNodeInfo& n = nodes[k];
    if (!needed[k] || !n.is_input) continue;
    graph.tensor_names.insert(n.name);
    graph_inputs.emplace_back(n.name, n.shape);
    tensor[k] = n.name;
    if (options.normalizer && n.name == options.normalized_input) {
      // (x - mean) * inverse_scale, the two float operations of Normalizer::apply in the same order.
      OnnxNodeInfo normalize;
      normalize.name = fmt::format("{}/normalize", n.name);
      normalize.kind = "Normalizer";
      OnnxLayerBuilder b(graph, normalize, {n.name}, {n.shape});
      const std::string mean = b.constant("mean", n.shape, options.normalizer->mean());
      const std::string scale = b.constant("inverse_stddev", n.shape, options.normalizer->inverse_scale());
      tensor[k] = b.node("Mul", {b.node("Sub", {n.name, mean}), scale});
    }
  }
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const OnnxNodeInfo& n = nodes[k];
    if (!needed[k] || n.is_input) continue;
    std::vector<std::string> ins;
    std::vector<std::vector<std::int64_t>> shapes;
    for (std::size_t in : n.inputs) {
      ins.push_back(tensor[in]);
      shapes.push_back(nodes[in].shape);
    }
    tensor[k] = map_node(graph, n, std::move(ins), std::move(shapes), path);
  }

  for (const Prediction& p : predictions) {
    std::string out = tensor[p.node];
    if (options.outputs == OnnxOutputs::probabilities && p.loss < nodes.size()) {
      const OnnxNodeInfo& loss = nodes[p.loss];
      if (loss.builtin.kind == Builtin::none && !loss.hook)
        throw error(fmt::format("ONNX export to {}: loss \"{}\" of kind {} has no ONNX mapping to turn \"{}\" into "
                                "probabilities (export with OnnxOutputs::logits, or give the loss a member "
                                "`void export_onnx(sg::io::OnnxLayerBuilder&) const`)",
                                path, loss.name, loss.kind, nodes[p.node].name));
      out = map_node(graph, loss, {out}, {nodes[p.node].shape}, path);
    }
    // The output tensor takes the output's name; an input or a tensor already named so goes through an
    // Identity node.
    const bool produced = graph.producer(out) != nullptr;
    const bool is_output_already =
        std::any_of(graph_outputs.begin(), graph_outputs.end(), [&](const auto& o) { return o.first == out; });
    if (out != p.output) {
      if (graph.tensor_names.contains(p.output))
        throw error(fmt::format("ONNX export to {}: output name \"{}\" is already the name of a tensor of the graph",
                                path, p.output));
      if (produced && !is_output_already) {
        graph.rename_tensor(out, p.output);
      } else {
        OnnxGraph::Op op{.type = "Identity", .name = OnnxGraph::unique(graph.node_names, p.output), .doc = "output",
                         .inputs = {out}, .outputs = {p.output}, .attributes = {}};
        graph.tensor_names.insert(p.output);
        graph.ops.push_back(std::move(op));
      }
    }
    graph_outputs.emplace_back(p.output, nodes[p.node].shape);
  }
  write_file_atomically(path, serialise(graph, graph_inputs, graph_outputs, options, path));
}

}  // namespace detail
}  // namespace sg::io
