// bench/libtorch_standalone.cpp - a plain LibTorch program, written as a LibTorch user writes it, that
// trains the benchmark's networks on Fashion-MNIST and prints samples/s. It exists to cross-check the
// LibTorch worker of bench/train_throughput and bench/cnn_throughput (issue 16: the worker must not be
// slower than this program at the same thread setting). It shares nothing with the benchmark: it reads
// the gzipped IDX files itself, owns its tensors, and times its own loop.
//
// Usage: libtorch_standalone [--net mlp|cnn] [--batch 64] [--steps N (default: one epoch)] [--reps 3]
//                            [--threads N (torch::set_num_threads; default: leave LibTorch's own)]
// Thread environment (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS) as the caller sets it.
#include <torch/torch.h>
#include <zlib.h>

#include "common.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::vector<unsigned char> gunzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  std::vector<unsigned char> out;
  unsigned char buf[1 << 16];
  for (int n; (n = gzread(f, buf, sizeof buf)) > 0;) out.insert(out.end(), buf, buf + n);
  gzclose(f);
  return out;
}

// Fashion-MNIST training set: images as a [60000, 784] float tensor scaled to [0, 1] and then standardised
// per feature with the training set's own mean and standard deviation, labels as int64.
std::pair<torch::Tensor, torch::Tensor> load(const std::string& dir) {
  const auto img = gunzip(dir + "/train-images-idx3-ubyte.gz");
  const auto lab = gunzip(dir + "/train-labels-idx1-ubyte.gz");
  const std::int64_t n = 60000, f = 784;
  torch::Tensor x = torch::from_blob(const_cast<unsigned char*>(img.data() + 16), {n, f}, torch::kUInt8)
                        .to(torch::kFloat32)
                        .div_(255.0);
  const torch::Tensor mean = x.mean(0, true), sd = x.std(0, false, true);
  x = (x - mean) / torch::where(sd > 1e-6, sd, torch::ones_like(sd));
  torch::Tensor y = torch::from_blob(const_cast<unsigned char*>(lab.data() + 8), {n}, torch::kUInt8).to(torch::kInt64);
  return {x.contiguous(), y};
}

torch::nn::Sequential mlp() {
  return torch::nn::Sequential(torch::nn::Linear(784, 256), torch::nn::ReLU(), torch::nn::Linear(256, 128),
                               torch::nn::ReLU(), torch::nn::Linear(128, 10));
}

torch::nn::Sequential cnn() {
  using namespace torch::nn;
  return Sequential(Conv2d(Conv2dOptions(1, 16, 5).padding(2)), ReLU(), MaxPool2d(2),
                    Conv2d(Conv2dOptions(16, 32, 5).padding(2)), ReLU(), MaxPool2d(2), Flatten(),
                    Linear(32 * 7 * 7, 128), ReLU(), Linear(128, 10));
}

}  // namespace

int main(int argc, char** argv) {
  std::string net_name = "mlp";
  std::int64_t batch = 64, steps = 0;
  int reps = 3, threads = 0;
  std::string data_file, init = "default";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--net") net_name = v;
    else if (a == "--batch") batch = std::stoll(v);
    else if (a == "--steps") steps = std::stoll(v);
    else if (a == "--reps") reps = std::stoi(v);
    else if (a == "--threads") threads = std::stoi(v);
    else if (a == "--data") data_file = v;
    else if (a == "--init") init = v;
  }
  if (threads > 0) torch::set_num_threads(threads);
  auto [x, y] = load("/usr/share/datasets/fashion-mnist");
  if (!data_file.empty()) {  // diagnostic: the benchmark's memory-mapped data file instead of owned tensors
    const bench::MappedData d = bench::map_data(data_file.c_str());
    x = torch::from_blob(const_cast<float*>(d.x), {std::int64_t(d.samples), std::int64_t(d.features)}, torch::kFloat32);
    y = torch::from_blob(const_cast<std::int32_t*>(d.labels), {std::int64_t(d.samples)}, torch::kInt32).to(torch::kInt64);
  }
  if (net_name == "cnn") x = x.view({-1, 1, 28, 28});
  const std::int64_t n = x.size(0);
  if (steps == 0) steps = n / batch;
  std::printf("libtorch_standalone net=%s B=%lld steps=%lld torch::get_num_threads()=%d OMP_NUM_THREADS=%s "
              "OPENBLAS_NUM_THREADS=%s\n",
              net_name.c_str(), static_cast<long long>(batch), static_cast<long long>(steps), torch::get_num_threads(),
              std::getenv("OMP_NUM_THREADS") ? std::getenv("OMP_NUM_THREADS") : "-",
              std::getenv("OPENBLAS_NUM_THREADS") ? std::getenv("OPENBLAS_NUM_THREADS") : "-");
  torch::manual_seed(1);
  for (int rep = 0; rep < reps; ++rep) {
    torch::nn::Sequential net = net_name == "cnn" ? cnn() : mlp();
    if (init == "kaiming") {  // diagnostic: the worker's He init and zero biases
      torch::NoGradGuard no_grad;
      for (auto& p : net->named_parameters())
        if (p.key().find("weight") != std::string::npos) torch::nn::init::kaiming_normal_(p.value(), 0.0, torch::kFanIn, torch::kReLU);
        else torch::nn::init::zeros_(p.value());
    }
    torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-3));
    const torch::Tensor perm = torch::randperm(n, torch::kInt64);
    const auto t0 = std::chrono::steady_clock::now();
    for (std::int64_t s = 0; s < steps; ++s) {
      const std::int64_t first = (s * batch) % (n - n % batch);
      const torch::Tensor idx = perm.slice(0, first, first + batch);
      const torch::Tensor xb = x.index_select(0, idx), yb = y.index_select(0, idx);
      adam.zero_grad();
      torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(xb), yb);
      loss.backward();
      adam.step();
    }
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("rep %d: %.0f samples/s\n", rep, double(steps * batch) / t);
    std::fflush(stdout);
  }
  return 0;
}
