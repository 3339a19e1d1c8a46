// bench/train_throughput.cpp - training throughput of staticgrad against LibTorch and dlib, side by side.
//
// The issue-8 benchmark: 784-256-128-10 ReLU MLP, softmax cross-entropy, Adam (lr 1e-3), He init,
// Fashion-MNIST standardised with training-set statistics, one epoch (the full batches of a shuffled
// epoch; 3000 steps at batch 1 and 1000 at batch 16, where dlib would need minutes per epoch) per
// repetition, at batch sizes 1, 16, 64, 256 and 1024. staticgrad runs in this process at its default
// threads (OMP_NUM_THREADS as the caller sets it; all cores when unset); each peer runs in worker
// processes (bench/common.hpp says why), one per thread setting (bench/driver.hpp: OPENBLAS_NUM_THREADS x
// OMP_NUM_THREADS in {1, 2}, torch::set_num_threads = OMP_NUM_THREADS). Every repetition runs staticgrad,
// a 2048^3 sgemm, then every peer at every setting on the same sample order; per batch size each peer is
// reported at the setting with the best median throughput, with that setting, and the ratio is the
// median of the per-repetition ratios against it. Each line also gives staticgrad's useful GFLOP/s
// (bench::train_flops_per_sample) and its share of the same-run sgemm, and the load average. Then:
//   - the wide net 784-1024-1024-10 at batch 1024: staticgrad's GFLOP/s against sgemm's GFLOP/s on a
//     2048 x 2048 x 2048 product through the same sg::gemm, alternated in the same run (LibTorch at its
//     best B=1024 setting);
//   - inference (evaluation mode, forward only) against LibTorch (no_grad, eval()) at each setting,
//     reported at its best: single samples, and batches of 10,000 (the test set's size) at once;
//   - heap allocations (operator new calls) per staticgrad training step after the first.
//
// Usage: train_throughput [--reps N] [--batches 1,16,64,256,1024] [--no-torch] [--no-dlib] [--no-wide]
//                         [--no-infer] [--torch-env "K=V ...;K=V ..."] [--dlib-env "K=V ...;..."]
//                         [--steps-b1 N] [--steps-b16 N] [--max-samples N] [--write-data FILE] [--profile]
// --profile: after each batch size's line, one more staticgrad epoch with Model::profile on, printed as
// microseconds per step by node and pass, with the batch gather and the Adam step (timers add a little).
#include <unistd.h>

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "common.hpp"
#include "driver.hpp"
#include "staticgrad/core/gemm.hpp"
#include "staticgrad/core/parallel.hpp"
#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/graph/model.hpp"
#include "staticgrad/graph/network.hpp"
#include "staticgrad/layers/activations.hpp"
#include "staticgrad/layers/dense.hpp"
#include "staticgrad/losses/cross_entropy.hpp"
#include "staticgrad/optim/adam.hpp"

#include "alloc_counter.hpp"

namespace {

// ---- staticgrad ----------------------------------------------------------------------------------------
template <std::size_t H1, std::size_t H2>
auto make_net() {
  return sg::sequential<784>(sg::Dense<784, H1>{}, sg::ReLU{}, sg::Dense<H1, H2>{}, sg::ReLU{}, sg::Dense<H2, 10>{},
                             sg::SoftmaxCrossEntropy{});
}

struct TrainResult {
  double seconds = 0;
  std::size_t samples = 0;
  double allocations_per_step = 0;
  std::string profile;  // with `profile`: microseconds per step, by node and pass, gather and Adam
};

// One epoch of staticgrad training: a fresh model (He init), Adam, mini-batches gathered column by
// column straight into the buffers bound as the inputs.
template <std::size_t H1, std::size_t H2>
TrainResult train_staticgrad(const bench::MappedData& data, std::vector<std::int64_t>& order, std::size_t batch,
                             std::size_t steps, std::uint64_t seed, bool profile = false) {
  auto model = sg::make_model<float>(make_net<H1, H2>(), seed);
  model.set_profiling(profile);
  double gather_seconds = 0, adam_seconds = 0;
  sg::Adam<float> adam;
  sg::Matrix<float> x(data.features, batch), y(bench::classes, batch);
  bench::shuffle(order, data.samples, seed);
  model.template bind<"x">(x.view());
  model.template bind<"y">(y.view());
  const std::size_t features = data.features;
  std::size_t before = 0;
  auto t0 = bench::clock::now();
  for (std::size_t s = 0; s < steps; ++s) {
    if (s == 1) before = bench::allocations.load();
    const std::int64_t* idx = order.data() + (s * batch) % data.samples;
    const auto gather_start = bench::clock::now();
    float* xd = x.data();
    float* yd = y.data();
    sg::parallel::for_each_index(batch, features, [&](std::size_t j) {
      const std::size_t k = static_cast<std::size_t>(idx[j]);
      std::memcpy(xd + j * features, data.x + k * features, features * sizeof(float));
      float* yj = yd + j * bench::classes;
      for (std::size_t c = 0; c < bench::classes; ++c) yj[c] = 0.0f;
      yj[data.labels[k]] = 1.0f;
    });
    if (profile) gather_seconds += bench::seconds_since(gather_start);
    model.forward();
    model.backward();
    const auto adam_start = bench::clock::now();
    adam.step(model.parameters(), model.gradients(), model.slices(), 1e-3f);
    if (profile) adam_seconds += bench::seconds_since(adam_start);
  }
  TrainResult r{bench::seconds_since(t0), steps * batch, 0, {}};
  if (steps > 1) r.allocations_per_step = double(bench::allocations.load() - before) / double(steps - 1);
  if (profile) {
    const double us = 1e6 / double(steps), step_us = us * r.seconds;
    const sg::Profile p = model.profile();
    r.profile = fmt::format("#   B={} per step: {:.1f} us ({} steps, profiled)\n", batch, step_us, steps);
    const auto row = [&](const std::string& what, double seconds, const std::string& detail) {
      r.profile += fmt::format("#     {:<30} {:8.1f} us {:5.1f}%  {}\n", what, us * seconds,
                               100.0 * us * seconds / step_us, detail);
    };
    for (const sg::NodeTime& n : p.nodes)
      row(n.name + " " + n.kind, n.seconds(),
          fmt::format("(forward {:.1f} + backward {:.1f})", us * n.forward.seconds, us * n.backward.seconds));
    row("gather the batch", gather_seconds, "");
    row("Adam step", adam_seconds, "");
    row("rest (bookkeeping, L2, timers)", r.seconds - p.seconds() - gather_seconds - adam_seconds, "");
  }
  return r;
}

// Seconds per sample of evaluation-mode forward passes of `batch` samples each: one sample copied into
// the bound input (batch 1), or the input bound straight to `batch` consecutive samples of the data (as
// the LibTorch worker slices its tensor).
double infer_staticgrad(const bench::MappedData& data, std::size_t count, std::size_t batch) {
  auto model = sg::make_model<float>(make_net<256, 128>(), 1);
  model.set_mode(sg::Mode::eval);
  sg::Matrix<float> x(data.features, 1);
  if (batch == 1) model.bind<"x">(x.view());
  double checksum = 0;
  auto run = [&](std::size_t k) {
    if (batch == 1) {
      std::memcpy(x.data(), data.x + (k % data.samples) * data.features, data.features * sizeof(float));
    } else {
      const std::size_t first = (k * batch) % (data.samples - batch + 1);
      model.bind<"x">(sg::MatrixView<const float>(data.x + first * data.features, data.features, batch));
    }
    model.forward();
    checksum += model.output<"layer5">()(0, 0);
  };
  for (std::size_t k = 0; k < count / 10 + 1; ++k) run(k);
  auto t0 = bench::clock::now();
  for (std::size_t k = 0; k < count; ++k) run(k);
  const double t = bench::seconds_since(t0) / double(count * batch);
  if (checksum == 12345.678) std::fprintf(stderr, "unlikely\n");
  return t;
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
  int reps = 5;
  std::vector<std::size_t> batches{1, 16, 64, 256, 1024};
  bool use_torch = true, use_dlib = true, wide = true, infer = true, profile = false;
  std::size_t steps_b1 = 3000, steps_b16 = 1000, max_samples = 0;
  std::string torch_envs, dlib_envs;  // empty: the four settings of bench::thread_settings
  std::string write_data_only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("bench: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--reps") reps = std::stoi(next());
    else if (a == "--batches") batches = bench::parse_list(next());
    else if (a == "--no-torch") use_torch = false;
    else if (a == "--no-dlib") use_dlib = false;
    else if (a == "--no-wide") wide = false;
    else if (a == "--no-infer") infer = false;
    else if (a == "--profile") profile = true;
    else if (a == "--torch-env") torch_envs = next();
    else if (a == "--dlib-env") dlib_envs = next();
    else if (a == "--steps-b1") steps_b1 = std::stoul(next());
    else if (a == "--steps-b16") steps_b16 = std::stoul(next());
    else if (a == "--write-data") write_data_only = next();
    else if (a == "--max-samples") max_samples = std::stoul(next());
    else {
      fmt::print(stderr, "usage: {} [--reps N] [--batches 1,16,...] [--no-torch] [--no-dlib] [--no-wide] [--no-infer] [--profile]\n"
                 "  [--torch-env \"K=V ...;K=V ...\"] [--dlib-env \"K=V ...;...\"] [--steps-b1 N] [--steps-b16 N]\n"
                 "  [--max-samples N (at most N samples per run)] [--write-data FILE (write the standardised data file for the workers and exit)]\n", argv[0]);
      return 2;
    }
  }

  // Data: Fashion-MNIST training set, standardised per feature with its own statistics.
  auto fm = sg::data::load_fashion_mnist();
  const auto normalizer = sg::data::Normalizer::fit(fm.train);
  normalizer.apply(fm.train);
  const std::string data_file = "/dev/shm/staticgrad-bench-" + std::to_string(getpid()) + ".bin";
  bench::write_data(data_file.c_str(), fm.train.x.data(), fm.train.labels.data(), fm.train.size(),
                    fm.train.features());
  fm = {};
  if (!write_data_only.empty()) {
    std::filesystem::rename(data_file, write_data_only);
    return 0;
  }
  const bench::MappedData data = bench::map_data(data_file.c_str());

  const std::filesystem::path dir = std::filesystem::canonical("/proc/self/exe").parent_path();
  std::vector<bench::Peer> peers;
  if (use_torch && std::filesystem::exists(dir / "libtorch_worker"))
    peers.emplace_back("libtorch", dir / "libtorch_worker", data_file, bench::thread_settings(torch_envs));
  if (use_dlib && std::filesystem::exists(dir / "dlib_worker"))
    peers.emplace_back("dlib", dir / "dlib_worker", data_file, bench::thread_settings(dlib_envs));
  std::filesystem::remove(data_file);  // the workers hold their mappings

  fmt::print("# staticgrad: {}; OMP max threads {}; loaded {}\n", sg::blas_name(), omp_get_max_threads(),
             bench::loaded_blas());
  for (const auto& p : peers)
    for (const auto& w : p.workers) fmt::print("# {} [{}]: {}\n", p.name, w->env(), w->description());
  fmt::print("# data: {} samples x {} features; {} repetitions per case; each peer tried at every setting above in "
             "every repetition and reported at the setting with the best median; ratios are medians of "
             "per-repetition ratios against that setting\n",
             data.samples, data.features, reps);
  std::fflush(stdout);

  std::vector<std::int64_t> order;
  // Warm-up: page in the data, start thread pools, let the BLAS pick its kernels.
  train_staticgrad<256, 128>(data, order, 64, 100, 99);
  for (auto& p : peers)
    for (auto& w : p.workers) w->train("mlp", 64, 100, 99);

  const double mlp_flops = bench::train_flops_per_sample(bench::widths("mlp"));
  std::vector<std::size_t> best_1024(peers.size(), 0);
  for (const std::size_t batch : batches) {
    std::size_t steps = batch == 1 ? steps_b1 : batch == 16 ? steps_b16 : data.samples / batch;
    if (max_samples > 0) steps = std::max<std::size_t>(2, std::min(steps, max_samples / batch));
    std::vector<double> sg_rate, allocs, gemm_gf, share, loads;
    // rate[p][k], ratio[p][k]: peer p at setting k, one entry per repetition.
    std::vector<std::vector<std::vector<double>>> rate(peers.size()), ratio(peers.size());
    for (std::size_t p = 0; p < peers.size(); ++p) {
      rate[p].resize(peers[p].size());
      ratio[p].resize(peers[p].size());
    }
    for (int rep = 0; rep < reps; ++rep) {
      const std::uint64_t seed = 1000 + rep;
      loads.push_back(bench::load_average());
      const TrainResult r = train_staticgrad<256, 128>(data, order, batch, steps, seed);
      const double s = double(r.samples) / r.seconds;
      sg_rate.push_back(s);
      allocs.push_back(r.allocations_per_step);
      gemm_gf.push_back(sgemm_gflops(2048, 2));
      share.push_back(100.0 * mlp_flops * s / 1e9 / gemm_gf.back());
      for (std::size_t p = 0; p < peers.size(); ++p)
        for (std::size_t k = 0; k < peers[p].size(); ++k) {
          rate[p][k].push_back(peers[p].workers[k]->train("mlp", batch, steps, seed));
          ratio[p][k].push_back(s / rate[p][k].back());
        }
    }
    std::string peer_text, ratio_text, all_text;
    for (std::size_t p = 0; p < peers.size(); ++p) {
      const std::size_t b = bench::best_of(rate[p]);
      if (batch == 1024) best_1024[p] = b;
      peer_text += fmt::format(" {}={:.0f} [{}]", peers[p].name, median(rate[p][b]),
                               bench::short_setting(peers[p].workers[b]->env()));
      ratio_text += fmt::format(" ratio_{}={:.2f}", peers[p].name, median(ratio[p][b]));
      for (std::size_t k = 0; k < peers[p].size(); ++k)
        all_text += fmt::format(" {}[{}]={:.0f}", peers[p].name, bench::short_setting(peers[p].workers[k]->env()),
                                median(rate[p][k]));
    }
    const double gf = mlp_flops * median(sg_rate) / 1e9;
    fmt::print("B={} staticgrad={:.0f}{} samples/s{} staticgrad_gflops={:.1f} sgemm_2048={:.1f} "
               "share_of_sgemm={:.1f}% allocations_per_step={:.2f} (steps={}) load={:.2f}..{:.2f}\n",
               batch, median(sg_rate), peer_text, ratio_text, gf, median(gemm_gf), median(share),
               *std::max_element(allocs.begin(), allocs.end()), steps, *std::min_element(loads.begin(), loads.end()),
               *std::max_element(loads.begin(), loads.end()));
    if (!all_text.empty()) fmt::print("#   B={} every setting (median samples/s):{}\n", batch, all_text);
    if (profile) fmt::print("{}", train_staticgrad<256, 128>(data, order, batch, steps, 1000, true).profile);
    std::fflush(stdout);
  }

  bench::Worker* torch = nullptr;  // LibTorch at its best B=1024 setting (the first setting without B=1024)
  for (std::size_t p = 0; p < peers.size(); ++p)
    if (peers[p].name == "libtorch") torch = peers[p].workers[best_1024[p]].get();

  if (wide) {
    const std::size_t batch = 1024, steps = data.samples / batch;
    const double flops = bench::train_flops_per_sample(bench::widths("wide"));
    train_staticgrad<1024, 1024>(data, order, batch, 5, 98);
    std::vector<double> sg_gf, gemm_gf, pct, torch_gf, loads;
    for (int rep = 0; rep < reps; ++rep) {
      loads.push_back(bench::load_average());
      const TrainResult r = train_staticgrad<1024, 1024>(data, order, batch, steps, 2000 + rep);
      sg_gf.push_back(flops * double(r.samples) / r.seconds / 1e9);
      gemm_gf.push_back(sgemm_gflops(2048, 4));
      pct.push_back(100.0 * sg_gf.back() / gemm_gf.back());
      if (torch) torch_gf.push_back(flops * torch->train("wide", batch, steps, 2000 + rep) / 1e9);
    }
    fmt::print("wide 784-1024-1024-10 B=1024: staticgrad={:.1f} GFLOP/s ({:.0f} samples/s) sgemm_2048={:.1f} GFLOP/s "
               "percent_of_sgemm={:.1f} libtorch={:.1f} GFLOP/s [{}] ({:.2f} MFLOP/sample) load={:.2f}..{:.2f}\n",
               median(sg_gf), median(sg_gf) * 1e9 / flops, median(gemm_gf), median(pct), median(torch_gf),
               torch ? bench::short_setting(torch->env()) : "-", flops / 1e6,
               *std::min_element(loads.begin(), loads.end()), *std::max_element(loads.begin(), loads.end()));
    std::fflush(stdout);
  }

  // Inference: single samples, and batches of 10,000 (the size of the test set) forwarded at once.
  for (std::size_t p = 0; p < peers.size() && infer; ++p) {
    if (peers[p].name != "libtorch") continue;
    for (const std::size_t batch : {std::size_t(1), std::size_t(10000)}) {
      const std::size_t count = batch == 1 ? 20000 : 20;
      std::vector<double> sg_t, loads;
      std::vector<std::vector<double>> torch_t(peers[p].size()), speedup(peers[p].size());
      infer_staticgrad(data, count / 20, batch);
      for (auto& w : peers[p].workers) w->infer(count / 20, batch);
      for (int rep = 0; rep < reps; ++rep) {
        loads.push_back(bench::load_average());
        sg_t.push_back(infer_staticgrad(data, count, batch));
        for (std::size_t k = 0; k < peers[p].size(); ++k) {
          torch_t[k].push_back(-peers[p].workers[k]->infer(count, batch));  // negated: best_of picks the largest
          speedup[k].push_back(-torch_t[k].back() / sg_t.back());
        }
      }
      const std::size_t b = bench::best_of(torch_t);
      fmt::print("inference B={} (eval, forward only): staticgrad={:.3f} us libtorch={:.3f} us per sample [{}] "
                 "speedup={:.2f} load={:.2f}..{:.2f}\n",
                 batch, median(sg_t) * 1e6, -median(torch_t[b]) * 1e6,
                 bench::short_setting(peers[p].workers[b]->env()), median(speedup[b]),
                 *std::min_element(loads.begin(), loads.end()), *std::max_element(loads.begin(), loads.end()));
      std::fflush(stdout);
    }
  }
  return 0;
}
