// ONNX export: the file's structure read back with ONNX's own protobuf classes (the Dense layout, names,
// shapes, what is left out), and every way an export can fail, none of which may damage an existing file.
// ONNX Runtime and onnx.checker run the exported networks in tests/onnx (ctest -L onnx).
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "staticgrad/core/error.hpp"
#include "staticgrad/io/onnx.hpp"
#include "staticgrad/staticgrad.hpp"

#if defined(STATICGRAD_TEST_HAVE_ONNX)
#include <onnx/onnx_pb.h>
#endif

namespace fs = std::filesystem;

namespace {

struct TempFolder {
  fs::path path;
  TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "sg-onnx-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempFolder() { fs::remove_all(path); }
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
std::size_t files_in(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

// A layer with no ONNX mapping: doubles its input.
struct Doubler {
  static constexpr sg::fixed_string kind{"Doubler"};
  static constexpr std::array<std::size_t, 1> input_rows{0};
  static constexpr std::array<sg::ParamDecl, 0> params{};
  template <class B, class Z>
  auto build(const B&, Z z) const { return z + z; }
};

// A loss without a mapping to probabilities.
struct PlainLoss : sg::MeanSquaredError {
  static constexpr sg::fixed_string kind{"PlainLoss"};
};

// The message of the sg::error that `f` throws ("" when it does not throw).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const sg::error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(onnx_export)

BOOST_AUTO_TEST_CASE(availability_matches_the_build) {
#if defined(STATICGRAD_TEST_HAVE_ONNX)
  BOOST_TEST(sg::io::onnx_export_available());
#else
  BOOST_TEST(!sg::io::onnx_export_available());
  TempFolder dir;
  auto model = sg::make_model<float>(sg::sequential<3>(sg::Dense<3, 2>{}), 1);
  const std::string message = error_of([&] { sg::io::save_onnx(model, dir.path / "m.onnx"); });
  BOOST_TEST(contains(message, "built without ONNX"), message);
  BOOST_TEST(!fs::exists(dir.path / "m.onnx"));
#endif
}

#if defined(STATICGRAD_TEST_HAVE_ONNX)
BOOST_AUTO_TEST_CASE(dense_becomes_gemm_with_w_as_out_by_in_and_trans_b) {
  TempFolder dir;
  auto model = sg::make_model<float>(
      sg::sequential<3>(sg::Dense<3, 2>{}, sg::ReLU{}, sg::Dense<2, 4>{}, sg::SoftmaxCrossEntropy{}), 7);
  const sg::ConstView<float> w = model.param_view(0);  // layer1.W, 2 x 3
  sg::io::save_onnx(model, dir.path / "m.onnx", {.outputs = sg::io::OnnxOutputs::logits});

  onnx::ModelProto proto;
  BOOST_REQUIRE(proto.ParseFromString(read_file(dir.path / "m.onnx")));
  BOOST_TEST(proto.ir_version() == onnx::IR_VERSION);
  BOOST_REQUIRE(proto.opset_import_size() == 1);
  BOOST_TEST(proto.opset_import(0).version() == sg::io::onnx_opset);
  const onnx::GraphProto& g = proto.graph();

  // One input: x [N, 3]; the labels y are read only by the loss and are left out.
  BOOST_REQUIRE(g.input_size() == 1);
  BOOST_TEST(g.input(0).name() == "x");
  const auto& in_shape = g.input(0).type().tensor_type().shape();
  BOOST_REQUIRE(in_shape.dim_size() == 2);
  BOOST_TEST(in_shape.dim(0).dim_param() == "N");
  BOOST_TEST(in_shape.dim(1).dim_value() == 3);
  BOOST_REQUIRE(g.output_size() == 1);
  BOOST_TEST(g.output(0).name() == "logits");
  BOOST_TEST(g.output(0).type().tensor_type().shape().dim(1).dim_value() == 4);

  // Nodes: Gemm, Relu, Gemm, named after the staticgrad nodes, kinds as doc strings; no loss node.
  BOOST_REQUIRE(g.node_size() == 3);
  BOOST_TEST(g.node(0).op_type() == "Gemm");
  BOOST_TEST(g.node(0).name() == "layer1");
  BOOST_TEST(g.node(0).doc_string() == "Dense");
  BOOST_TEST(g.node(1).op_type() == "Relu");
  BOOST_TEST(g.node(1).name() == "layer2");
  BOOST_TEST(g.node(2).name() == "layer3");
  BOOST_TEST(g.node(2).output(0) == "logits");
  BOOST_REQUIRE(g.node(0).attribute_size() == 1);
  BOOST_TEST(g.node(0).attribute(0).name() == "transB");
  BOOST_TEST(g.node(0).attribute(0).i() == 1);

  // B = W as [out, in] row-major: element (i, j) of W at i * 3 + j; the bias as [out].
  const onnx::TensorProto* weight = nullptr;
  const onnx::TensorProto* bias = nullptr;
  for (const auto& t : g.initializer()) {
    if (t.name() == "layer1.W") weight = &t;
    if (t.name() == "layer1.b") bias = &t;
  }
  BOOST_REQUIRE(weight);
  BOOST_REQUIRE(bias);
  BOOST_TEST(g.node(0).input(1) == "layer1.W");
  BOOST_REQUIRE(weight->dims_size() == 2);
  BOOST_TEST(weight->dims(0) == 2);
  BOOST_TEST(weight->dims(1) == 3);
  BOOST_REQUIRE(weight->raw_data().size() == 6 * sizeof(float));
  std::vector<float> values(6);
  std::memcpy(values.data(), weight->raw_data().data(), 6 * sizeof(float));
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(values[i * 3 + j] == w(i, j));
  BOOST_REQUIRE(bias->dims_size() == 1);
  BOOST_TEST(bias->dims(0) == 2);
}

BOOST_AUTO_TEST_CASE(normalizer_becomes_sub_and_mul_before_the_first_layer) {
  TempFolder dir;
  auto model = sg::make_model<float>(sg::sequential<2>(sg::Dense<2, 2>{}, sg::BatchNorm<2>{.epsilon = 0.01}), 1);
  const sg::data::Normalizer normalizer({0.25f, 0.5f}, {2.0f, 0.0f});
  sg::io::save_onnx(model, dir.path / "m.onnx", {.normalizer = normalizer});
  onnx::ModelProto proto;
  BOOST_REQUIRE(proto.ParseFromString(read_file(dir.path / "m.onnx")));
  const onnx::GraphProto& g = proto.graph();
  BOOST_REQUIRE(g.node_size() == 4);
  BOOST_TEST(g.node(0).op_type() == "Sub");
  BOOST_TEST(g.node(0).input(0) == "x");
  BOOST_TEST(g.node(1).op_type() == "Mul");
  BOOST_TEST(g.node(2).input(0) == g.node(1).output(0));  // the Gemm reads the normalised input
  BOOST_TEST(g.node(3).op_type() == "BatchNormalization");
  BOOST_TEST(g.node(3).attribute(0).f() == 0.01f);
  BOOST_TEST(g.output(0).name() == "predictions");  // no loss: the last layer, as it is
  for (const auto& t : g.initializer())
    if (t.name() == "x/normalize.inverse_stddev") {
      std::vector<float> v(2);
      std::memcpy(v.data(), t.raw_data().data(), 2 * sizeof(float));
      BOOST_TEST(v[0] == 0.5f);
      BOOST_TEST(v[1] == 1.0f);  // a constant feature is only centred, as Normalizer::apply does
    }
}
#endif

BOOST_AUTO_TEST_CASE(a_layer_without_mapping_is_refused_and_the_old_file_kept) {
  if (!sg::io::onnx_export_available()) return;  // availability_matches_the_build covers this build
  TempFolder dir;
  const fs::path path = dir.path / "m.onnx";
  auto good = sg::make_model<float>(sg::sequential<3>(sg::Dense<3, 2>{}), 1);
  sg::io::save_onnx(good, path);
  const std::string before = read_file(path);
  BOOST_TEST(before.size() > 0u);

  auto model = sg::make_model<float>(sg::sequential<3>(sg::Dense<3, 2>{}, Doubler{}, sg::Dense<2, 2>{}), 1);
  const std::string message = error_of([&] { sg::io::save_onnx(model, path); });
  BOOST_TEST(contains(message, "node \"layer2\" of kind Doubler has no ONNX mapping"), message);
  BOOST_TEST(contains(message, path.string()), message);
  BOOST_TEST(contains(message, "export_onnx"), message);
  BOOST_TEST(read_file(path) == before);
  BOOST_TEST(files_in(dir.path) == 1u);  // no temporary file left behind
}

BOOST_AUTO_TEST_CASE(a_loss_without_mapping_is_refused_for_probabilities_only) {
  if (!sg::io::onnx_export_available()) return;
  TempFolder dir;
  auto model = sg::make_model<float>(sg::sequential<3>(sg::Dense<3, 2>{}, PlainLoss{}), 1);
  const std::string message = error_of([&] { sg::io::save_onnx(model, dir.path / "m.onnx"); });
  BOOST_TEST(contains(message, "loss \"layer2\" of kind PlainLoss has no ONNX mapping"), message);
  BOOST_TEST(!fs::exists(dir.path / "m.onnx"));
  sg::io::save_onnx(model, dir.path / "m.onnx", {.outputs = sg::io::OnnxOutputs::logits});
  BOOST_TEST(fs::exists(dir.path / "m.onnx"));
}

BOOST_AUTO_TEST_CASE(unwritable_paths_are_io_errors_naming_the_path) {
  if (!sg::io::onnx_export_available()) return;
  TempFolder dir;
  auto model = sg::make_model<float>(sg::sequential<3>(sg::Dense<3, 2>{}), 1);
  const fs::path missing = dir.path / "no-such-folder" / "m.onnx";
  try {
    sg::io::save_onnx(model, missing);
    BOOST_FAIL("writing into a missing folder did not throw");
  } catch (const sg::io_error& e) {
    BOOST_TEST(contains(e.what(), missing.string()), e.what());
    BOOST_TEST(contains(e.what(), "No such file"), e.what());
  }
  // A folder where the file should be: the rename fails, the folder and its contents stay.
  fs::create_directory(dir.path / "taken");
  std::ofstream(dir.path / "taken" / "inside") << "keep";
  BOOST_CHECK_THROW(sg::io::save_onnx(model, dir.path / "taken"), sg::io_error);
  BOOST_TEST(read_file(dir.path / "taken" / "inside") == "keep");
  BOOST_TEST(files_in(dir.path) == 1u);
}

BOOST_AUTO_TEST_CASE(bad_options_name_what_they_expected) {
  if (!sg::io::onnx_export_available()) return;
  TempFolder dir;
  auto model = sg::make_model<float>(sg::sequential<3>(sg::Dense<3, 2>{}, sg::SoftmaxCrossEntropy{}), 1);
  const fs::path path = dir.path / "m.onnx";
  std::string message = error_of([&] {
    sg::io::save_onnx(model, path, {.normalizer = sg::data::Normalizer({0.f, 0.f}, {1.f, 1.f})});
  });
  BOOST_TEST(contains(message, "input \"x\": 3 features expected (the input's width), found 2"), message);
  message = error_of([&] { sg::io::save_onnx(model, path, {.normalized_input = "y", .output_names = {}}); });
  BOOST_TEST(message == "", message);  // without a normalizer the name is not used
  message = error_of([&] {
    sg::io::save_onnx(model, path, {.normalizer = sg::data::Normalizer({0.f, 0.f}, {1.f, 1.f}),
                                    .normalized_input = "y"});
  });
  BOOST_TEST(contains(message, "normalized_input \"y\" is not read by any output"), message);
  message = error_of([&] { sg::io::save_onnx(model, path, {.output_names = {{"layer9", "p"}}}); });
  BOOST_TEST(contains(message, "output_names names node \"layer9\", which is not a prediction (expected one of: layer1)"),
             message);
}

BOOST_AUTO_TEST_CASE(a_crash_while_writing_keeps_the_old_file) {
  if (!sg::io::onnx_export_available()) return;
  // A child process starts to write a large model over a good file and is killed mid-write: a file-size
  // limit makes the kernel send SIGXFSZ once the temporary file reaches 64 KiB.
  TempFolder dir;
  const fs::path path = dir.path / "m.onnx";
  auto small = sg::make_model<float>(sg::sequential<3>(sg::Dense<3, 2>{}), 1);
  sg::io::save_onnx(small, path);
  const std::string before = read_file(path);
  auto big = sg::make_model<float>(sg::sequential<200>(sg::Dense<200, 200>{}), 1);  // 160 kB of weights
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    const rlimit no_core{0, 0}, limit{1 << 16, 1 << 16};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::setrlimit(RLIMIT_FSIZE, &limit);
    ::signal(SIGXFSZ, SIG_DFL);
    try {
      sg::io::save_onnx(big, path);
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  BOOST_TEST((WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 3)));
  BOOST_TEST(read_file(path) == before);
  sg::io::save_onnx(big, path);  // and the next export replaces it
  BOOST_TEST(read_file(path).size() > 160000u);
}

BOOST_AUTO_TEST_SUITE_END()
