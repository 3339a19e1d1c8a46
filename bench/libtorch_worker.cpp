// bench/libtorch_worker.cpp - the LibTorch side of bench/train_throughput and bench/cnn_throughput, run as
// a child process (see common.hpp for why and for the protocol). Written as a LibTorch user would:
// nn::Sequential of Linear and ReLU ("mlp", "wide") or of Conv2d, ReLU, MaxPool2d, Flatten and Linear
// ("cnn"), Kaiming (He) normal weights and zero biases, cross_entropy on the logits, optim::Adam, a
// mini-batch gathered with index_select from the whole training set held as one tensor ([n, 784], viewed
// as [n, 1, 28, 28] for the CNN: the same bytes).
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"

namespace {

// issue 14's network: conv(1->16, 5x5, pad 2)-ReLU-maxpool 2, conv(16->32, 5x5, pad 2)-ReLU-maxpool 2,
// flatten, dense 1568->128-ReLU, dense 10.
torch::nn::Sequential make_cnn() {
  using namespace torch::nn;
  return Sequential(Conv2d(Conv2dOptions(1, 16, 5).padding(2)), ReLU(), MaxPool2d(2),
                    Conv2d(Conv2dOptions(16, 32, 5).padding(2)), ReLU(), MaxPool2d(2), Flatten(),
                    Linear(32 * 7 * 7, 128), ReLU(), Linear(128, 10));
}

torch::nn::Sequential make_net(const std::string& name) {
  torch::nn::Sequential net;
  if (name == "cnn") {
    net = make_cnn();
  } else {
    const bench::Widths w = bench::widths(name);
    net = torch::nn::Sequential(torch::nn::Linear(w.in, w.h1), torch::nn::ReLU(), torch::nn::Linear(w.h1, w.h2),
                                torch::nn::ReLU(), torch::nn::Linear(w.h2, w.out));
  }
  torch::NoGradGuard no_grad;
  for (auto& p : net->named_parameters()) {
    if (p.key().find("weight") != std::string::npos)
      torch::nn::init::kaiming_normal_(p.value(), 0.0, torch::kFanIn, torch::kReLU);
    else
      torch::nn::init::zeros_(p.value());
  }
  return net;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: libtorch_worker <data file>\n");
    return 2;
  }
  bench::malloc_as_after_loading_data();
  // LibTorch's intra-op pool size: the driver passes the OMP_NUM_THREADS of this worker's setting,
  // applied before the first operation.
  if (const char* t = std::getenv("SG_BENCH_TORCH_THREADS")) torch::set_num_threads(std::atoi(t));
  const bench::MappedData data = bench::map_data(argv[1]);
  const auto n = static_cast<std::int64_t>(data.samples), f = static_cast<std::int64_t>(data.features);
  const torch::Tensor x = torch::from_blob(const_cast<float*>(data.x), {n, f}, torch::kFloat32);
  const torch::Tensor images = x.view({n, 1, 28, 28});  // valid when f == 784 (Fashion-MNIST)
  const torch::Tensor y =
      torch::from_blob(const_cast<std::int32_t*>(data.labels), {n}, torch::kInt32).to(torch::kInt64);
  torch::manual_seed(1);

  const std::string description = "LibTorch " + std::string(TORCH_VERSION) + ", torch::get_num_threads()=" +
                                  std::to_string(torch::get_num_threads()) + ", " + bench::loaded_blas();
  std::vector<std::int64_t> order;
  return bench::serve(
      description,
      [&](const std::string& name, std::size_t batch, std::size_t steps, std::uint64_t seed) {
        auto net = make_net(name);
        const torch::Tensor& input = name == "cnn" ? images : x;
        torch::optim::Adam adam(net->parameters(), torch::optim::AdamOptions(1e-3));
        bench::shuffle(order, data.samples, seed);
        const torch::Tensor perm = torch::from_blob(order.data(), {n}, torch::kInt64);
        const auto b = static_cast<std::int64_t>(batch);
        auto t0 = bench::clock::now();
        for (std::size_t s = 0; s < steps; ++s) {
          const std::int64_t first = static_cast<std::int64_t>((s * batch) % data.samples);
          const torch::Tensor idx = perm.slice(0, first, first + b);
          const torch::Tensor xb = input.index_select(0, idx), yb = y.index_select(0, idx);
          adam.zero_grad();
          torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(xb), yb);
          loss.backward();
          adam.step();
        }
        return std::pair<double, std::size_t>(bench::seconds_since(t0), steps * batch);
      },
      [&](std::size_t count, std::size_t batch) {
        auto net = make_net("mlp");
        net->eval();
        torch::NoGradGuard no_grad;
        double checksum = 0;
        const auto b = static_cast<std::int64_t>(batch);
        auto run = [&](std::size_t k) {
          const auto j = static_cast<std::int64_t>((k * batch) % (data.samples - batch + 1));
          checksum += net->forward(x.slice(0, j, j + b)).data_ptr<float>()[0];
        };
        for (std::size_t k = 0; k < count / 10 + 1; ++k) run(k);  // warm-up
        auto t0 = bench::clock::now();
        for (std::size_t k = 0; k < count; ++k) run(k);
        const double t = bench::seconds_since(t0) / double(count * batch);
        if (checksum == 12345.678) std::fprintf(stderr, "unlikely\n");
        return t;
      });
}
