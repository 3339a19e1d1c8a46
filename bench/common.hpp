// bench/common.hpp - what the benchmark driver and the peer workers share: the data file, the shuffle,
// the line protocol and a clock. Deliberately free of staticgrad, LibTorch and dlib headers, so that each
// worker links exactly one framework (and one OpenBLAS: LibTorch and staticgrad would otherwise both
// load a library with the soname libopenblas.so.0, and only the first one loaded would run).
//
// The data file (written by the driver, mapped read-only by the workers):
//   uint64 magic, uint64 samples, uint64 features, then samples * features float32 (sample-major: one
//   sample's features contiguous, the column-per-sample layout of staticgrad and the row-per-sample
//   layout of LibTorch are the same bytes), then samples int32 labels.
//
// The protocol (driver -> worker on stdin, worker -> driver on stdout, one line each):
//   "train <net> <batch> <steps> <seed>" -> "<seconds> <samples>"   net is "mlp", "wide" or "cnn"
//   "infer <count> <batch>"              -> "<seconds per sample>"  count forward passes of `batch`
//                                                                   samples each, evaluation mode, no gradient
//   "quit"
// A worker first prints "ready <description of its BLAS and threads>".
#pragma once

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

inline constexpr std::uint64_t data_magic = 0x7367626e63686461ull;  // "sgbnchda"
inline constexpr std::size_t classes = 10;

struct MappedData {
  std::size_t samples = 0, features = 0;
  const float* x = nullptr;             // samples * features
  const std::int32_t* labels = nullptr;  // samples
  void* base = nullptr;
  std::size_t bytes = 0;
};

inline MappedData map_data(const char* path) {
  const int fd = ::open(path, O_RDONLY);
  if (fd < 0) throw std::runtime_error(std::string("bench: cannot open ") + path);
  struct stat st {};
  ::fstat(fd, &st);
  void* base = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (base == MAP_FAILED) throw std::runtime_error(std::string("bench: cannot map ") + path);
  const auto* head = static_cast<const std::uint64_t*>(base);
  if (head[0] != data_magic) throw std::runtime_error("bench: not a benchmark data file");
  MappedData d;
  d.samples = head[1];
  d.features = head[2];
  d.x = reinterpret_cast<const float*>(head + 3);
  d.labels = reinterpret_cast<const std::int32_t*>(d.x + d.samples * d.features);
  d.base = base;
  d.bytes = static_cast<std::size_t>(st.st_size);
  return d;
}

inline void write_data(const char* path, const float* x, const std::int32_t* labels, std::size_t samples,
                       std::size_t features) {
  std::ofstream out(path, std::ios::binary);
  const std::uint64_t head[3] = {data_magic, samples, features};
  out.write(reinterpret_cast<const char*>(head), sizeof head);
  out.write(reinterpret_cast<const char*>(x), static_cast<std::streamsize>(samples * features * sizeof(float)));
  out.write(reinterpret_cast<const char*>(labels), static_cast<std::streamsize>(samples * sizeof(std::int32_t)));
  if (!out) throw std::runtime_error(std::string("bench: cannot write ") + path);
}

// The sample order of one epoch: every framework visits the same samples in the same order.
inline void shuffle(std::vector<std::int64_t>& order, std::size_t samples, std::uint64_t seed) {
  order.resize(samples);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
}

// Network widths: the MLP and the wide net.
struct Widths {
  std::size_t in, h1, h2, out;
};
inline Widths widths(const std::string& net) {
  if (net == "wide") return {784, 1024, 1024, 10};
  return {784, 256, 128, 10};
}

// Multiply-adds x 2 per sample of one training step: forward, dW of every layer, dA of all but the first.
inline double train_flops_per_sample(const Widths& w) {
  const double f = 2.0 * (double(w.in) * w.h1 + double(w.h1) * w.h2 + double(w.h2) * w.out);
  const double da = 2.0 * (double(w.h1) * w.h2 + double(w.h2) * w.out);
  return 2.0 * f + da;
}

using clock = std::chrono::steady_clock;
inline double seconds_since(clock::time_point t0) {
  return std::chrono::duration<double>(clock::now() - t0).count();
}

// glibc's malloc serves a request above its mmap threshold (128 KiB at start) with a fresh mmap and
// returns it with munmap on free; the threshold rises (to at most 32 MiB, the trim threshold to twice
// that) the first time a program frees such a block. Any ordinary program has done that before its
// training loop (loading a data set frees its read buffers), so its per-step tensors (LibTorch's
// gradients, Adam's temporaries: 784 x 256 floats is 784 KiB) come from the heap. A worker that only
// maps the driver's data file never frees one, and paid about 360 page faults per step (1.09 M in 3000
// steps at batch 1; 19 k with this set): 467 against 724 samples/s at batch 1 (issue 16). Called first
// in every peer worker, this puts the worker's allocator where a plain program's already is.
inline void malloc_as_after_loading_data() {
  ::mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  ::mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
}

// Which libopenblas (and libgomp) this process has loaded, read from /proc/self/maps.
inline std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::string line, found;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if ((path.find("libopenblas") != std::string::npos || path.find("libblas") != std::string::npos ||
         path.find("libmkl") != std::string::npos) &&
        found.find(path) == std::string::npos)
      found += (found.empty() ? "" : ",") + path;
  }
  return found.empty() ? "no OpenBLAS mapped" : found;
}

// The worker's main loop: answers the protocol's requests with the callbacks given.
template <class Train, class Infer>
int serve(const std::string& description, Train&& train, Infer&& infer) {
  std::printf("ready %s\n", description.c_str());
  std::fflush(stdout);
  char line[256];
  while (std::fgets(line, sizeof line, stdin)) {
    char net[16] = {};
    unsigned long long batch = 0, steps = 0, seed = 0, count = 0, infer_batch = 0;
    if (std::sscanf(line, "train %15s %llu %llu %llu", net, &batch, &steps, &seed) == 4) {
      const auto [seconds, samples] = train(std::string(net), std::size_t(batch), std::size_t(steps), seed);
      std::printf("%.9f %zu\n", seconds, samples);
    } else if (std::sscanf(line, "infer %llu %llu", &count, &infer_batch) == 2) {
      std::printf("%.12f\n", infer(std::size_t(count), std::size_t(infer_batch)));
    } else if (std::strncmp(line, "quit", 4) == 0) {
      break;
    } else {
      std::printf("error unknown request\n");
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace bench
