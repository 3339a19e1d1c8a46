// bench/cnn_throughput.cpp - training throughput of issue 14's convolutional network, staticgrad against
// LibTorch, side by side in one run.
//
// Network: conv(1->16, 5x5, pad 2)-ReLU-maxpool 2, conv(16->32, 5x5, pad 2)-ReLU-maxpool 2, flatten,
// dense 1568->128-ReLU, dense 10, softmax cross-entropy, Adam (lr 1e-3), He init; Fashion-MNIST
// standardised per pixel with training-set statistics (the same data file as train_throughput). staticgrad
// runs in this process at its default threads (all cores unless OMP_NUM_THREADS says otherwise); LibTorch
// runs in worker processes (bench/common.hpp, bench/driver.hpp), one per thread setting (OPENBLAS_NUM_THREADS
// x OMP_NUM_THREADS in {1, 2}, torch::set_num_threads = OMP_NUM_THREADS), all tried in every repetition and
// reported at the best median, with the setting. Every repetition runs staticgrad, a 2048^3 sgemm through
// sg::gemm, then LibTorch at each setting, on the same sample order.
//
// FLOPs per image (multiply-add = 2): forward conv = 2 Cout Cin K K H' W': conv1 0.627 M, conv2 5.018 M;
// dense 0.402 M + 0.003 M. A training step is the forward, dW of every layer and dX of all but the
// first: conv 3 x conv2 + 2 x conv1 = 16.31 MFLOP, the whole step 17.52 MFLOP. `conv_gflops` is the
// convolutions' FLOPs per second of training (their share of the work at the measured step rate; a lower
// bound of the convolution layers' own rate, since the step's other layers take time too);
// `conv_layer_gflops` is staticgrad's convolution layers' own rate: their FLOPs over the time
// Model::profile measured in their forward and backward passes (bias, im2col and col2im included).
//
// Usage: cnn_throughput [--reps 3] [--batches 32,64,256] [--samples 12800 (per run)] [--no-torch]
//                       [--torch-env "K=V ...;K=V ..."] [--profile (print staticgrad's per-node times)]
#include <unistd.h>

#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "alloc_counter.hpp"
#include "common.hpp"
#include "driver.hpp"
#include "staticgrad/core/gemm.hpp"
#include "staticgrad/core/image.hpp"
#include "staticgrad/core/parallel.hpp"
#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/graph/model.hpp"
#include "staticgrad/graph/network.hpp"
#include "staticgrad/layers/activations.hpp"
#include "staticgrad/layers/conv2d.hpp"
#include "staticgrad/layers/dense.hpp"
#include "staticgrad/layers/flatten.hpp"
#include "staticgrad/layers/pooling.hpp"
#include "staticgrad/losses/cross_entropy.hpp"
#include "staticgrad/optim/adam.hpp"

namespace {

auto make_net() {
  return sg::sequential<sg::Image<1, 28, 28>>(
      sg::Conv2D<16, 5, {.pad = 2}>{}, sg::ReLU{}, sg::MaxPool2D<2>{},
      sg::Conv2D<32, 5, {.pad = 2}>{}, sg::ReLU{}, sg::MaxPool2D<2>{},
      sg::Flatten{}, sg::Dense<sg::deduced, 128>{}, sg::ReLU{}, sg::Dense<128, 10>{}, sg::SoftmaxCrossEntropy{});
}

// FLOPs per image, counted as in the header comment.
constexpr double conv1_fwd = 2.0 * 16 * 1 * 5 * 5 * 28 * 28;
constexpr double conv2_fwd = 2.0 * 32 * 16 * 5 * 5 * 14 * 14;
constexpr double dense_fwd = 2.0 * (32 * 7 * 7 * 128 + 128 * 10);
constexpr double conv_train = 3.0 * conv2_fwd + 2.0 * conv1_fwd;
constexpr double step_train = conv_train + 3.0 * dense_fwd;

struct TrainResult {
  double seconds = 0;
  std::size_t samples = 0;
  double allocations_per_step = 0;
  double conv_seconds = 0;  // the two Conv2D nodes' forward and backward passes (Model::profile)
  std::string profile;      // Model::profile's table
};

// `steps` staticgrad training steps: a fresh model (He init), Adam, mini-batches gathered column by
// column straight into the buffers bound as the inputs.
TrainResult train_staticgrad(const bench::MappedData& data, std::vector<std::int64_t>& order, std::size_t batch,
                             std::size_t steps, std::uint64_t seed) {
  auto model = sg::make_model<float>(make_net(), seed);
  sg::Adam<float> adam;
  sg::Matrix<float> x(data.features, batch), y(bench::classes, batch);
  bench::shuffle(order, data.samples, seed);
  model.bind<"x">(x.view());
  model.bind<"y">(y.view());
  const std::size_t features = data.features;
  std::size_t before = 0;
  model.set_profiling(true);  // two clock reads per node and pass: about 1 us of a step of milliseconds
  auto t0 = bench::clock::now();
  for (std::size_t s = 0; s < steps; ++s) {
    if (s == 1) before = bench::allocations.load();
    const std::int64_t* idx = order.data() + (s * batch) % (data.samples - data.samples % batch);
    float* xd = x.data();
    float* yd = y.data();
    sg::parallel::for_each_index(batch, features, [&](std::size_t j) {
      const std::size_t k = static_cast<std::size_t>(idx[j]);
      std::memcpy(xd + j * features, data.x + k * features, features * sizeof(float));
      float* yj = yd + j * bench::classes;
      for (std::size_t c = 0; c < bench::classes; ++c) yj[c] = 0.0f;
      yj[data.labels[k]] = 1.0f;
    });
    model.forward();
    model.backward();
    adam.step(model.parameters(), model.gradients(), model.slices(), 1e-3f);
  }
  TrainResult r{bench::seconds_since(t0), steps * batch, 0, 0, {}};
  if (steps > 1) r.allocations_per_step = double(bench::allocations.load() - before) / double(steps - 1);
  const sg::Profile profile = model.profile();
  for (const sg::NodeTime& n : profile.nodes)
    if (n.kind == "Conv2D") r.conv_seconds += n.seconds();
  r.profile = profile.table();
  return r;
}

// GFLOP/s of sg::gemm on an n x n x n single-precision product (the machine's sgemm ceiling).
double sgemm_gflops(std::size_t n, int calls) {
  static std::vector<float> a, b, c;
  a.assign(n * n, 0.5f);
  b.assign(n * n, 0.25f);
  c.assign(n * n, 0.0f);
  sg::gemm(sg::Transpose::no, sg::Transpose::no, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
  auto t0 = bench::clock::now();
  for (int k = 0; k < calls; ++k)
    sg::gemm(sg::Transpose::no, sg::Transpose::no, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
  return 2.0 * double(n) * n * n * calls / bench::seconds_since(t0) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  using bench::median;
  int reps = 3;
  std::vector<std::size_t> batches{32, 64, 256};
  std::size_t samples_per_run = 12800;
  bool use_torch = true;
  bool print_profile = false;
  std::string torch_envs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("bench: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--reps") reps = std::stoi(next());
    else if (a == "--batches") batches = bench::parse_list(next());
    else if (a == "--samples") samples_per_run = std::stoul(next());
    else if (a == "--no-torch") use_torch = false;
    else if (a == "--profile") print_profile = true;
    else if (a == "--torch-env") torch_envs = next();
    else {
      fmt::print(stderr, "usage: {} [--reps N] [--batches 32,64,256] [--samples N] [--no-torch] "
                 "[--torch-env \"K=V ...;K=V ...\"] [--profile]\n", argv[0]);
      return 2;
    }
  }

  auto fm = sg::data::load_fashion_mnist();
  const auto normalizer = sg::data::Normalizer::fit(fm.train);
  normalizer.apply(fm.train);
  const std::string data_file = "/dev/shm/staticgrad-cnn-bench-" + std::to_string(getpid()) + ".bin";
  bench::write_data(data_file.c_str(), fm.train.x.data(), fm.train.labels.data(), fm.train.size(),
                    fm.train.features());
  fm = {};
  const bench::MappedData data = bench::map_data(data_file.c_str());

  const std::filesystem::path dir = std::filesystem::canonical("/proc/self/exe").parent_path();
  std::unique_ptr<bench::Peer> torch;
  if (use_torch && std::filesystem::exists(dir / "libtorch_worker"))
    torch = std::make_unique<bench::Peer>("libtorch", dir / "libtorch_worker", data_file,
                                          bench::thread_settings(torch_envs));
  std::filesystem::remove(data_file);  // the workers hold their mappings

  fmt::print("# staticgrad: {}; OMP max threads {}; loaded {}\n", sg::blas_name(), omp_get_max_threads(),
             bench::loaded_blas());
  if (torch)
    for (const auto& w : torch->workers) fmt::print("# libtorch [{}]: {}\n", w->env(), w->description());
  fmt::print("# CNN 1x28x28 conv16x5p2-relu-pool2-conv32x5p2-relu-pool2-flatten-128-relu-10, Adam 1e-3; "
             "{} samples per run, {} repetitions; MFLOP per image: forward {:.2f} (conv1 {:.2f}, conv2 {:.2f}), "
             "training step {:.2f} (convolutions {:.2f})\n",
             samples_per_run, reps, (conv1_fwd + conv2_fwd + dense_fwd) / 1e6, conv1_fwd / 1e6, conv2_fwd / 1e6,
             step_train / 1e6, conv_train / 1e6);
  std::fflush(stdout);

  std::vector<std::int64_t> order;
  train_staticgrad(data, order, 64, 20, 99);  // warm-up
  if (torch)
    for (auto& w : torch->workers) w->train("cnn", 64, 20, 99);

  for (const std::size_t batch : batches) {
    const std::size_t steps = std::max<std::size_t>(2, samples_per_run / batch);
    std::vector<double> sg_rate, allocs, gemm_gf, loads, conv_layer_gf;
    std::vector<std::vector<double>> rate(torch ? torch->size() : 0), ratio(rate.size());
    for (int rep = 0; rep < reps; ++rep) {
      const std::uint64_t seed = 3000 + rep;
      loads.push_back(bench::load_average());
      const TrainResult r = train_staticgrad(data, order, batch, steps, seed);
      if (print_profile && rep + 1 == reps)
        fmt::print("# staticgrad per node, B={}, last repetition ({} steps):\n{}", batch, steps, r.profile);
      const double s = double(r.samples) / r.seconds;
      sg_rate.push_back(s);
      allocs.push_back(r.allocations_per_step);
      conv_layer_gf.push_back(conv_train * double(r.samples) / r.conv_seconds / 1e9);
      gemm_gf.push_back(sgemm_gflops(2048, 2));
      for (std::size_t k = 0; k < rate.size(); ++k) {
        rate[k].push_back(torch->workers[k]->train("cnn", batch, steps, seed));
        ratio[k].push_back(s / rate[k].back());
      }
    }
    const std::size_t b = rate.empty() ? 0 : bench::best_of(rate);
    const double sg_s = median(sg_rate), t_s = rate.empty() ? 0.0 : median(rate[b]);
    fmt::print("B={} staticgrad={:.0f} libtorch={:.0f} samples/s ratio_libtorch={:.2f} [libtorch {}] "
               "conv_gflops: staticgrad={:.1f} libtorch={:.1f} conv_layer_gflops: staticgrad={:.1f} "
               "step_gflops: staticgrad={:.1f} libtorch={:.1f} "
               "sgemm_2048={:.1f} GFLOP/s allocations_per_step={:.2f} (steps={}) load={:.2f}..{:.2f}\n",
               batch, sg_s, t_s, rate.empty() ? 0.0 : median(ratio[b]),
               rate.empty() ? "-" : bench::short_setting(torch->workers[b]->env()), conv_train * sg_s / 1e9,
               conv_train * t_s / 1e9, median(conv_layer_gf), step_train * sg_s / 1e9, step_train * t_s / 1e9,
               median(gemm_gf),
               *std::max_element(allocs.begin(), allocs.end()), steps, *std::min_element(loads.begin(), loads.end()),
               *std::max_element(loads.begin(), loads.end()));
    if (!rate.empty()) {
      std::string all;
      for (std::size_t k = 0; k < rate.size(); ++k)
        all += fmt::format(" libtorch[{}]={:.0f}", bench::short_setting(torch->workers[k]->env()), median(rate[k]));
      fmt::print("#   B={} every setting (median samples/s):{}\n", batch, all);
    }
    std::fflush(stdout);
  }
  return 0;
}
