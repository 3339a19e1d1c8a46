// bench/train_throughput.cpp - training throughput of staticgrad against LibTorch and dlib, side by side.
//
// The issue-8 benchmark: 784-256-128-10 ReLU MLP, softmax cross-entropy, Adam (lr 1e-3), He init,
// Fashion-MNIST standardised with training-set statistics, one epoch (the full batches of a shuffled
// epoch; 3000 steps at batch 1 and 1000 at batch 16, where dlib would need minutes per epoch) per repetition, at batch sizes 1, 16, 64, 256 and 1024. staticgrad
// runs in this process; each peer runs in its own worker process (bench/common.hpp says why) with its
// own thread setting. Every repetition runs staticgrad, then LibTorch, then dlib on the same sample
// order, so each ratio compares runs made seconds apart; the line printed per case is the median of
// the per-repetition ratios (and the median throughputs). Then:
//   - the wide net 784-1024-1024-10 at batch 1024: staticgrad's GFLOP/s against sgemm's GFLOP/s on a
//     2048 x 2048 x 2048 product through the same sg::gemm, alternated in the same run;
//   - single-sample inference (evaluation mode, forward only) against LibTorch (no_grad, eval());
//   - heap allocations (operator new calls) per staticgrad training step after the first.
//
// Usage: train_throughput [--reps N] [--batches 1,16,64,256,1024] [--no-torch] [--no-dlib] [--no-wide]
//                         [--torch-env "K=V ..."] [--dlib-env "K=V ..."] [--steps-b1 N] [--steps-b16 N]
// staticgrad's own threads follow OMP_NUM_THREADS as usual (default: all cores).
#include <spawn.h>
#include <sys/wait.h>
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

#include "common.hpp"
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

// ---- counting operator new (this program's, not the workers') ------------------------------------------
namespace {
std::atomic<std::size_t> allocations{0};
}
void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

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
};

// One epoch of staticgrad training: a fresh model (He init), Adam, mini-batches gathered column by
// column straight into the buffers bound as the inputs.
template <std::size_t H1, std::size_t H2>
TrainResult train_staticgrad(const bench::MappedData& data, std::vector<std::int64_t>& order, std::size_t batch,
                             std::size_t steps, std::uint64_t seed) {
  auto model = sg::make_model<float>(make_net<H1, H2>(), seed);
  sg::Adam<float> adam;
  sg::Matrix<float> x(data.features, batch), y(bench::classes, batch);
  bench::shuffle(order, data.samples, seed);
  model.template bind<"x">(x.view());
  model.template bind<"y">(y.view());
  const std::size_t features = data.features;
  std::size_t before = 0;
  auto t0 = bench::clock::now();
  for (std::size_t s = 0; s < steps; ++s) {
    if (s == 1) before = allocations.load();
    const std::int64_t* idx = order.data() + (s * batch) % data.samples;
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
  TrainResult r{bench::seconds_since(t0), steps * batch, 0};
  if (steps > 1) r.allocations_per_step = double(allocations.load() - before) / double(steps - 1);
  return r;
}

// Seconds per single-sample forward pass in evaluation mode.
double infer_staticgrad(const bench::MappedData& data, std::size_t count) {
  auto model = sg::make_model<float>(make_net<256, 128>(), 1);
  model.set_mode(sg::Mode::eval);
  sg::Matrix<float> x(data.features, 1);
  model.bind<"x">(x.view());
  double checksum = 0;
  auto run = [&](std::size_t k) {
    std::memcpy(x.data(), data.x + (k % data.samples) * data.features, data.features * sizeof(float));
    model.forward();
    checksum += model.output<"layer5">()(0, 0);
  };
  for (std::size_t k = 0; k < count / 10 + 1; ++k) run(k);
  auto t0 = bench::clock::now();
  for (std::size_t k = 0; k < count; ++k) run(k);
  const double t = bench::seconds_since(t0) / double(count);
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

// ---- peers ---------------------------------------------------------------------------------------------
class Worker {
 public:
  Worker(const std::string& name, const std::string& exe, const std::string& data_file, const std::string& env) : name_(name) {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) throw std::runtime_error("bench: pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
    posix_spawn_file_actions_addclose(&actions, to_child[1]);
    posix_spawn_file_actions_addclose(&actions, from_child[0]);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
    std::istringstream extra(env);
    for (std::string kv; extra >> kv;) {
      const std::string key = kv.substr(0, kv.find('=') + 1);
      std::erase_if(env_strings, [&](const std::string& s) { return s.rfind(key, 0) == 0; });
      env_strings.push_back(kv);
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string exe_copy = exe, data_copy = data_file;
    char* argv[] = {exe_copy.data(), data_copy.data(), nullptr};
    if (posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv, envp.data()) != 0)
      throw std::runtime_error("bench: cannot start " + exe);
    posix_spawn_file_actions_destroy(&actions);
    close(to_child[0]);
    close(from_child[1]);
    in_ = fdopen(to_child[1], "w");
    out_ = fdopen(from_child[0], "r");
    description_ = read_line();
  }
  ~Worker() {
    std::fprintf(in_, "quit\n");
    std::fflush(in_);
    std::fclose(in_);
    std::fclose(out_);
    waitpid(pid_, nullptr, 0);
  }
  std::string request(const std::string& line) {
    std::fprintf(in_, "%s\n", line.c_str());
    std::fflush(in_);
    return read_line();
  }
  double train(const std::string& net, std::size_t batch, std::size_t steps, std::uint64_t seed) {
    std::istringstream r(request("train " + net + " " + std::to_string(batch) + " " + std::to_string(steps) + " " +
                                 std::to_string(seed)));
    double seconds = 0;
    std::size_t samples = 0;
    r >> seconds >> samples;
    return double(samples) / seconds;
  }
  double infer(std::size_t count) { return std::stod(request("infer " + std::to_string(count))); }
  const std::string& description() const { return description_; }
  const std::string& name() const { return name_; }

 private:
  std::string read_line() {
    char buf[4096];
    if (!std::fgets(buf, sizeof buf, out_)) throw std::runtime_error("bench: worker " + name_ + " died");
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  std::string name_, description_;
  pid_t pid_ = 0;
  std::FILE* in_ = nullptr;
  std::FILE* out_ = nullptr;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::vector<std::size_t> parse_list(const std::string& s) {
  std::vector<std::size_t> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(std::stoul(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  std::vector<std::size_t> batches{1, 16, 64, 256, 1024};
  bool use_torch = true, use_dlib = true, wide = true, infer = true;
  std::size_t steps_b1 = 3000, steps_b16 = 1000;
  std::string torch_env = "OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=1";
  std::string dlib_env = "OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=1";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("bench: " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--reps") reps = std::stoi(next());
    else if (a == "--batches") batches = parse_list(next());
    else if (a == "--no-torch") use_torch = false;
    else if (a == "--no-dlib") use_dlib = false;
    else if (a == "--no-wide") wide = false;
    else if (a == "--no-infer") infer = false;
    else if (a == "--torch-env") torch_env = next();
    else if (a == "--dlib-env") dlib_env = next();
    else if (a == "--steps-b1") steps_b1 = std::stoul(next());
    else if (a == "--steps-b16") steps_b16 = std::stoul(next());
    else {
      std::fprintf(stderr, "usage: %s [--reps N] [--batches 1,16,...] [--no-torch] [--no-dlib] [--no-wide] "
                   "[--no-infer] [--torch-env \"K=V ...\"] [--dlib-env \"K=V ...\"] [--steps-b1 N] [--steps-b16 N]\n", argv[0]);
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
  const bench::MappedData data = bench::map_data(data_file.c_str());

  const std::filesystem::path dir = std::filesystem::canonical("/proc/self/exe").parent_path();
  std::unique_ptr<Worker> torch, dlib;
  if (use_torch && std::filesystem::exists(dir / "libtorch_worker"))
    torch = std::make_unique<Worker>("libtorch", (dir / "libtorch_worker").string(), data_file, torch_env);
  if (use_dlib && std::filesystem::exists(dir / "dlib_worker"))
    dlib = std::make_unique<Worker>("dlib", (dir / "dlib_worker").string(), data_file, dlib_env);
  std::filesystem::remove(data_file);  // the workers hold their mappings

  std::printf("# staticgrad: %s; OMP max threads %d; loaded %s\n", sg::blas_name(), omp_get_max_threads(),
              bench::loaded_blas().c_str());
  if (torch) std::printf("# libtorch [%s]: %s\n", torch_env.c_str(), torch->description().c_str());
  if (dlib) std::printf("# dlib [%s]: %s\n", dlib_env.c_str(), dlib->description().c_str());
  std::printf("# data: %zu samples x %zu features; %d repetitions per case, medians of per-repetition ratios\n",
              data.samples, data.features, reps);
  std::fflush(stdout);

  std::vector<std::int64_t> order;
  // Warm-up: page in the data, start thread pools, let the BLAS pick its kernels.
  train_staticgrad<256, 128>(data, order, 64, 100, 99);
  if (torch) torch->train("mlp", 64, 100, 99);
  if (dlib) dlib->train("mlp", 64, 100, 99);

  for (const std::size_t batch : batches) {
    const std::size_t steps = batch == 1 ? steps_b1 : batch == 16 ? steps_b16 : data.samples / batch;
    std::vector<double> sg_rate, torch_rate, dlib_rate, r_torch, r_dlib, allocs;
    for (int rep = 0; rep < reps; ++rep) {
      const std::uint64_t seed = 1000 + rep;
      const TrainResult r = train_staticgrad<256, 128>(data, order, batch, steps, seed);
      const double s = double(r.samples) / r.seconds;
      sg_rate.push_back(s);
      allocs.push_back(r.allocations_per_step);
      if (torch) {
        torch_rate.push_back(torch->train("mlp", batch, steps, seed));
        r_torch.push_back(s / torch_rate.back());
      }
      if (dlib) {
        dlib_rate.push_back(dlib->train("mlp", batch, steps, seed));
        r_dlib.push_back(s / dlib_rate.back());
      }
    }
    std::printf("B=%zu staticgrad=%.0f libtorch=%.0f dlib=%.0f samples/s ratio_libtorch=%.2f ratio_dlib=%.2f "
                "allocations_per_step=%.2f (steps=%zu)\n",
                batch, median(sg_rate), median(torch_rate), median(dlib_rate), median(r_torch), median(r_dlib),
                *std::max_element(allocs.begin(), allocs.end()), steps);
    std::fflush(stdout);
  }

  if (wide) {
    const std::size_t batch = 1024, steps = data.samples / batch;
    const double flops = bench::train_flops_per_sample(bench::widths("wide"));
    train_staticgrad<1024, 1024>(data, order, batch, 5, 98);
    std::vector<double> sg_gf, gemm_gf, pct, torch_gf;
    for (int rep = 0; rep < reps; ++rep) {
      const TrainResult r = train_staticgrad<1024, 1024>(data, order, batch, steps, 2000 + rep);
      sg_gf.push_back(flops * double(r.samples) / r.seconds / 1e9);
      gemm_gf.push_back(sgemm_gflops(2048, 4));
      pct.push_back(100.0 * sg_gf.back() / gemm_gf.back());
      if (torch) torch_gf.push_back(flops * torch->train("wide", batch, steps, 2000 + rep) / 1e9);
    }
    std::printf("wide 784-1024-1024-10 B=1024: staticgrad=%.1f GFLOP/s (%.0f samples/s) sgemm_2048=%.1f GFLOP/s "
                "percent_of_sgemm=%.1f libtorch=%.1f GFLOP/s (%.2f MFLOP/sample)\n",
                median(sg_gf), median(sg_gf) * 1e9 / flops, median(gemm_gf), median(pct), median(torch_gf),
                flops / 1e6);
    std::fflush(stdout);
  }

  if (infer && torch) {
    const std::size_t count = 20000;
    std::vector<double> sg_t, torch_t, ratio;
    infer_staticgrad(data, 1000);
    torch->infer(1000);
    for (int rep = 0; rep < reps; ++rep) {
      sg_t.push_back(infer_staticgrad(data, count));
      torch_t.push_back(torch->infer(count));
      ratio.push_back(torch_t.back() / sg_t.back());
    }
    std::printf("inference B=1 (eval, forward only): staticgrad=%.2f us libtorch=%.2f us speedup=%.2f\n",
                median(sg_t) * 1e6, median(torch_t) * 1e6, median(ratio));
  }
  return 0;
}
