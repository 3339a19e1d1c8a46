// onnx_export_models OUT_DIR - trains small networks, exports them with sg::io::save_onnx and writes what
// an ONNX runtime must reproduce: for each model, the input it is fed and staticgrad's own outputs on it,
// as raw little-endian float32 files ([N, features] row-major: staticgrad's column-major features x N),
// and OUT_DIR/manifest.json listing models, inputs and outputs. tests/onnx/compare_onnxruntime.mjs runs
// the files in ONNX Runtime and tests/onnx/check_models.py in onnx.checker (ctest: onnx.*).
//
// The networks: the multitask network of examples/multitask.cpp (shared trunk, two heads, softmax and
// masked multi-label losses, the input normaliser folded in: the file takes raw pixels); a batch-norm
// network with LeakyReLU, dropout, tanh and sigmoid (exported twice: probabilities and logits); and a
// network without a loss that ends in Softmax and has a custom SiLU layer exporting through its hook; a
// convolutional network on [N, 1, 28, 28] images; and a residual network with two heads.
// Data: the first 1,000 Fashion-MNIST test images when the data set is installed, else generated pixels.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/data/split.hpp"
#include "staticgrad/io/onnx.hpp"
#include "staticgrad/optim/adam.hpp"
#include "staticgrad/staticgrad.hpp"

namespace fs = std::filesystem;

namespace {

constexpr std::size_t test_count = 1000, train_count = 6000, batch = 100;

// SiLU, z * sigmoid(z), as in examples/custom_op.cpp, with an ONNX mapping of its own.
struct SiLU {
  static constexpr sg::fixed_string kind{"SiLU"};
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<sg::ParamDecl, 0> params{};
  template <class B, class Z>
  auto build(const B&, Z z) const { return z * sg::sigmoid(z); }
  void export_onnx(sg::io::OnnxLayerBuilder& b) const {
    b.set_output(b.node("Mul", {b.input(0), b.node("Sigmoid", {b.input(0)})}));
  }
};

struct Data {
  sg::Matrix<float> train_x, test_x;  // 784 x m, pixels in [0, 1]
  std::vector<std::int32_t> train_labels, test_labels;
  std::string source;
};

Data load_data() {
  Data d;
  if (sg::data::find_fashion_mnist()) {
    const sg::data::FashionMnist fm = sg::data::load_fashion_mnist();
    d.train_x = sg::Matrix<float>(784, train_count);
    d.test_x = sg::Matrix<float>(784, test_count);
    for (std::size_t j = 0; j < train_count; ++j) {
      for (std::size_t i = 0; i < 784; ++i) d.train_x(i, j) = fm.train.x(i, j);
      d.train_labels.push_back(fm.train.labels[j]);
    }
    for (std::size_t j = 0; j < test_count; ++j) {
      for (std::size_t i = 0; i < 784; ++i) d.test_x(i, j) = fm.test.x(i, j);
      d.test_labels.push_back(fm.test.labels[j]);
    }
    d.source = "the first 1000 Fashion-MNIST test images";
    return d;
  }
  // Generated: class c brightens the pixel band c, so the networks have something to learn.
  auto make = [](sg::Matrix<float>& x, std::vector<std::int32_t>& labels, std::size_t m, std::uint64_t seed) {
    x = sg::Matrix<float>(784, m);
    for (std::size_t j = 0; j < m; ++j) {
      const auto c = static_cast<std::int32_t>(sg::random::below(10, seed, 1, j));
      labels.push_back(c);
      for (std::size_t i = 0; i < 784; ++i) {
        const double u = sg::random::uniform(seed, 2, j * 784 + i);
        x(i, j) = static_cast<float>(i / 78 == static_cast<std::size_t>(c) ? 0.5 + 0.5 * u : 0.5 * u);
      }
    }
  };
  make(d.train_x, d.train_labels, train_count, 11);
  make(d.test_x, d.test_labels, test_count, 12);
  d.source = "1000 generated images (Fashion-MNIST is not installed)";
  return d;
}

sg::Matrix<float> columns(const sg::Matrix<float>& x, std::size_t first, std::size_t count) {
  sg::Matrix<float> out(x.rows(), count);
  std::copy(x.data() + first * x.rows(), x.data() + (first + count) * x.rows(), out.data());
  return out;
}
sg::Matrix<float> one_hot(const std::vector<std::int32_t>& labels, std::size_t first, std::size_t count) {
  sg::Matrix<float> y(10, count);
  y.fill(0);
  for (std::size_t j = 0; j < count; ++j) y(static_cast<std::size_t>(labels[first + j]), j) = 1;
  return y;
}

void write_floats(const fs::path& path, const float* data, std::size_t n) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(float)));
  if (!out) throw sg::io_error(fmt::format("cannot write {}", path.string()));
}

// Softmax or sigmoid of each column of staticgrad's logits, in double, rounded to float.
sg::Matrix<float> probabilities(sg::ConstView<float> z, bool softmax) {
  sg::Matrix<float> p(z.rows, z.cols);
  for (std::size_t j = 0; j < z.cols; ++j) {
    if (!softmax) {
      for (std::size_t i = 0; i < z.rows; ++i) p(i, j) = static_cast<float>(1 / (1 + std::exp(-double(z(i, j)))));
      continue;
    }
    double top = z(0, j), sum = 0;
    for (std::size_t i = 1; i < z.rows; ++i) top = std::max<double>(top, z(i, j));
    for (std::size_t i = 0; i < z.rows; ++i) sum += std::exp(double(z(i, j)) - top);
    for (std::size_t i = 0; i < z.rows; ++i) p(i, j) = static_cast<float>(std::exp(double(z(i, j)) - top) / sum);
  }
  return p;
}

struct Output {
  std::string name;
  sg::Matrix<float> values;  // rows x N
};

struct Manifest {
  fs::path dir;
  std::vector<std::string> entries;
  // Writes the input and the expected outputs of model `name` and records them.
  void add(const std::string& name, const sg::Matrix<float>& input, const std::vector<Output>& outputs,
           const std::string& sample_shape = "784") {
    write_floats(dir / (name + ".x.f32"), input.data(), input.size());
    std::vector<std::string> outs;
    for (const Output& o : outputs) {
      const std::string file = fmt::format("{}.{}.f32", name, o.name);
      write_floats(dir / file, o.values.data(), o.values.size());
      outs.push_back(fmt::format(R"({{"name": "{}", "shape": [{}, {}], "file": "{}"}})", o.name, o.values.cols(),
                                 o.values.rows(), file));
    }
    entries.push_back(fmt::format(
        R"({{"name": "{}", "model": "{}.onnx", "inputs": [{{"name": "x", "shape": [{}, {}], "file": "{}.x.f32"}}], "outputs": [{}]}})",
        name, name, input.cols(), sample_shape, name, fmt::join(outs, ", ")));
  }
  void write(const std::string& source) const {
    std::ofstream out(dir / "manifest.json", std::ios::trunc);
    out << fmt::format("{{\"data\": \"{}\", \"models\": [\n  {}\n]}}\n", source, fmt::join(entries, ",\n  "));
  }
};

template <class Model>
void train_classifier(Model& model, const Data& d, const sg::Matrix<float>& train_x, std::size_t epochs,
                      std::size_t count = train_count) {
  sg::Adam<float> adam;
  model.set_mode(sg::Mode::train);
  for (std::size_t e = 0; e < epochs; ++e)
    for (std::size_t first = 0; first < count; first += batch) {
      const sg::Matrix<float> x = columns(train_x, first, batch), y = one_hot(d.train_labels, first, batch);
      model.template bind<"x">(x);
      model.template bind<"y">(y);
      model.set_step(model.step() + 1);
      model.forward();
      model.backward();
      adam.step(model.parameters(), std::span<const float>(model.gradients()), model.slices(), 1e-3f);
    }
  model.set_mode(sg::Mode::eval);
  model.unbind_all();
}

// The multitask network of examples/multitask.cpp: attribute labels are derived from the class.
void multitask(const Data& d, Manifest& manifest) {
  constexpr std::size_t attributes = 5;
  constexpr int table[attributes][10] = {{1, 0, 1, 1, 1, 0, 1, 0, 0, 0}, {0, 0, 0, 0, 0, 1, 0, 1, 0, 1},
                                         {0, 0, 1, -1, 1, 0, -1, 0, 0, 0}, {0, 1, 0, 1, -1, 0, 0, 0, 0, 0},
                                         {0, -1, 1, 0, 1, 0, 0, -1, 0, 1}};
  auto net = sg::network(
      sg::input<"x", 784>(), sg::input<"y", 10>(), sg::input<"labels", attributes>(), sg::input<"mask", attributes>(),
      sg::layer<"fc1", "x">(sg::Dense<784, 256>{}), sg::layer<"act1", "fc1">(sg::ReLU{}),
      sg::layer<"fc2", "act1">(sg::Dense<256, 128>{}), sg::layer<"trunk", "fc2">(sg::ReLU{}),
      sg::layer<"class_logits", "trunk">(sg::Dense<128, 10>{}),
      sg::layer<"attribute_logits", "trunk">(sg::Dense<128, attributes>{}),
      sg::loss<"class_cost", "class_logits", "y">(sg::SoftmaxCrossEntropy{}, 1.0),
      sg::loss<"attribute_cost", "attribute_logits", "labels", "mask">(sg::MaskedBinaryCrossEntropy{}, 1.0));
  auto model = sg::make_model<float>(net, 3);

  sg::Matrix<float> train_x = d.train_x, test_x = d.test_x;  // normalised copies; the file takes raw pixels
  const sg::data::Normalizer normalizer = sg::data::Normalizer::fit(train_x.view());
  normalizer.apply(train_x.view());
  normalizer.apply(test_x.view());

  sg::Adam<float> adam;
  for (std::size_t e = 0; e < 2; ++e)
    for (std::size_t first = 0; first < train_count; first += batch) {
      const sg::Matrix<float> x = columns(train_x, first, batch), y = one_hot(d.train_labels, first, batch);
      sg::Matrix<float> labels(attributes, batch), mask(attributes, batch);
      for (std::size_t j = 0; j < batch; ++j)
        for (std::size_t a = 0; a < attributes; ++a) {
          const int v = table[a][d.train_labels[first + j]];
          labels(a, j) = v == 1 ? 1.0f : 0.0f;
          mask(a, j) = v == -1 ? 0.0f : 1.0f;
        }
      model.bind<"x">(x);
      model.bind<"y">(y);
      model.bind<"labels">(labels);
      model.bind<"mask">(mask);
      model.forward();
      model.backward();
      adam.step(model.parameters(), std::span<const float>(model.gradients()), model.slices(), 1e-3f);
    }
  model.set_mode(sg::Mode::eval);
  model.unbind_all();
  model.bind<"x">(test_x);
  model.forward();

  sg::io::save_onnx(model, manifest.dir / "multitask.onnx", {.normalizer = normalizer});
  manifest.add("multitask", d.test_x,
               {{"class_logits_probabilities", probabilities(model.output<"class_logits">(), true)},
                {"attribute_logits_probabilities", probabilities(model.output<"attribute_logits">(), false)}});
}

// Batch norm (running statistics), LeakyReLU, dropout (identity), tanh and sigmoid.
void batch_norm(const Data& d, Manifest& manifest) {
  using namespace sg;
  auto net = sequential<784>(Dense<784, 128>{}, BatchNorm<128>{.epsilon = 1e-3}, LeakyReLU{.slope = 0.05},
                             Dropout{.keep_prob = 0.8}, Dense<128, 64>{.weight_init = Init::xavier},
                             BatchNorm<64>{}, Tanh{}, Dense<64, 32>{.weight_init = Init::xavier}, Sigmoid{},
                             Dense<32, 10>{}, SoftmaxCrossEntropy{});
  auto model = make_model<float>(net, 4);
  train_classifier(model, d, d.train_x, 2);
  model.bind<"x">(d.test_x);
  model.forward();
  io::save_onnx(model, manifest.dir / "batch_norm.onnx");
  manifest.add("batch_norm", d.test_x, {{"probabilities", probabilities(model.prediction(), true)}});
  io::save_onnx(model, manifest.dir / "batch_norm_logits.onnx", {.outputs = io::OnnxOutputs::logits});
  Matrix<float> logits(10, test_count);
  std::copy(model.prediction().data, model.prediction().data + logits.size(), logits.data());
  manifest.add("batch_norm_logits", d.test_x, {{"logits", std::move(logits)}});
}

// No loss: the output is the last layer, a Softmax; SiLU exports through its own hook.
void softmax_silu(const Data& d, Manifest& manifest) {
  using namespace sg;
  auto net = sequential<784>(Dense<784, 64>{}, SiLU{}, Dense<64, 10>{}, Softmax{});
  auto model = make_model<float>(net, 5);
  model.set_mode(Mode::eval);
  model.bind<"x">(d.test_x);
  model.forward();
  io::save_onnx(model, manifest.dir / "softmax_silu.onnx", {.output_names = {{"layer4", "probabilities"}}});
  Matrix<float> p(10, test_count);
  std::copy(model.prediction().data, model.prediction().data + p.size(), p.data());
  manifest.add("softmax_silu", d.test_x, {{"probabilities", std::move(p)}});
}

// A convolutional network on images [N, 1, 28, 28]: Conv2D with and without bias, BatchNorm2D, max and
// average pooling, Flatten, Dense after it.
void convolutional(const Data& d, Manifest& manifest) {
  using namespace sg;
  auto net = sequential<Image<1, 28, 28>>(
      Conv2D<8, 5, ConvOptions{.pad = 2}>{}, BatchNorm2D{}, ReLU{}, MaxPool2D<2>{},
      Conv2D<16, 3, ConvOptions{.stride = 1, .pad = 1, .bias = false}>{}, BatchNorm2D<>{.epsilon = 1e-3},
      LeakyReLU{.slope = 0.1}, AvgPool2D<2>{}, Dropout{.keep_prob = 0.9}, Flatten{}, Dense<deduced, 32>{}, ReLU{},
      Dense<32, 10>{}, SoftmaxCrossEntropy{});
  auto model = make_model<float>(net, 6);
  train_classifier(model, d, d.train_x, 1, 2000);
  model.bind<"x">(d.test_x);
  model.forward();
  io::save_onnx(model, manifest.dir / "convolutional.onnx");
  manifest.add("convolutional", d.test_x, {{"probabilities", probabilities(model.prediction(), true)}}, "1, 28, 28");
}

// A residual block (Add), a padded average pool, BatchNorm over an image's values (flattened and
// reshaped back), a Dense reading an image directly (the export flattens it), and a second head through
// GlobalAvgPool with a sigmoid loss: two outputs.
void residual(const Data& d, Manifest& manifest) {
  using namespace sg;
  auto net = network(
      input<"x", Image<1, 28, 28>>(), input<"y", 10>(), input<"z", 4>(),
      layer<"stem", "x">(Conv2D<4, 3, ConvOptions{.pad = 1}>{}), layer<"stem_act", "stem">(ReLU{}),
      layer<"conv", "stem_act">(Conv2D<4, 3, ConvOptions{.pad = 1}>{}), layer<"sum", "conv", "stem_act">(Add{}),
      layer<"sum_act", "sum">(Tanh{}), layer<"pool", "sum_act">(AvgPool2D<3, PoolOptions{.stride = 2, .pad = 1}>{}),
      layer<"norm", "pool">(BatchNorm<4 * 14 * 14>{}), layer<"class_logits", "norm">(Dense<deduced, 10>{}),
      layer<"gap", "sum_act">(GlobalAvgPool{}), layer<"channel_logits", "gap">(Dense<4, 4>{}),
      loss<"class_cost", "class_logits", "y">(SoftmaxCrossEntropy{}),
      loss<"channel_cost", "channel_logits", "z">(BinaryCrossEntropy{}, 0.5));
  auto model = make_model<float>(net, 7);
  Adam<float> adam;
  for (std::size_t first = 0; first < 2000; first += batch) {
    const Matrix<float> x = columns(d.train_x, first, batch), y = one_hot(d.train_labels, first, batch);
    Matrix<float> z(4, batch);
    for (std::size_t j = 0; j < batch; ++j)
      for (std::size_t a = 0; a < 4; ++a) z(a, j) = (d.train_labels[first + j] >> a) & 1 ? 1.0f : 0.0f;
    model.bind<"x">(x);
    model.bind<"y">(y);
    model.bind<"z">(z);
    model.forward();
    model.backward();
    adam.step(model.parameters(), std::span<const float>(model.gradients()), model.slices(), 1e-3f);
  }
  model.set_mode(Mode::eval);
  model.unbind_all();
  model.bind<"x">(d.test_x);
  model.forward();
  io::save_onnx(model, manifest.dir / "residual.onnx");
  manifest.add("residual", d.test_x,
               {{"class_logits_probabilities", probabilities(model.output<"class_logits">(), true)},
                {"channel_logits_probabilities", probabilities(model.output<"channel_logits">(), false)}},
               "1, 28, 28");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string_view(argv[1]) == "--indices") {
    // onnx_export_models --indices N SEED COUNT FILE: the first COUNT of sg::data::shuffled_indices(N, SEED)
    // as a JSON array, the subset an example's --short mode takes (fashion_mnist_cnn: 10000 8 2000).
    auto order = sg::data::shuffled_indices(std::stoul(argv[2]), std::stoull(argv[3]));
    order.resize(std::min<std::size_t>(order.size(), std::stoul(argv[4])));
    std::ofstream(argv[5]) << fmt::format("[{}]\n", fmt::join(order, ", "));
    return 0;
  }
  if (argc != 2) {
    fmt::print(stderr, "usage: onnx_export_models OUT_DIR | --indices N SEED COUNT FILE\n");
    return 2;
  }
  try {
    Manifest manifest{fs::path(argv[1]), {}};
    fs::create_directories(manifest.dir);
    const Data d = load_data();
    multitask(d, manifest);
    batch_norm(d, manifest);
    softmax_silu(d, manifest);
    convolutional(d, manifest);
    residual(d, manifest);
    manifest.write(d.source);
    fmt::print("onnx_export_models: wrote {} models fed with {} to {}\n", manifest.entries.size(), d.source,
               manifest.dir.string());
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "onnx_export_models: {}\n", e.what());
    return 1;
  }
}
