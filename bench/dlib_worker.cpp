// bench/dlib_worker.cpp - the dlib side of bench/train_throughput, run as a child process (see common.hpp).
// Written as a dlib user would: loss_multiclass_log<fc<relu<fc<relu<fc<input>>>>>>, dnn_trainer with the
// adam solver (no weight decay, beta1 0.9, beta2 0.999, learning rate 1e-3, never shrunk), and
// train_one_step on a mini-batch gathered into reused sample matrices. dnn_trainer trains on its own
// thread; get_net() waits for it, so the timing includes every step.
#include <dlib/dnn.h>
#include <dlib/revision.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "common.hpp"

namespace {

using sample_type = dlib::matrix<float, 0, 1>;
using mlp_net = dlib::loss_multiclass_log<
    dlib::fc<10, dlib::relu<dlib::fc<128, dlib::relu<dlib::fc<256, dlib::input<sample_type>>>>>>>;
using wide_net = dlib::loss_multiclass_log<
    dlib::fc<10, dlib::relu<dlib::fc<1024, dlib::relu<dlib::fc<1024, dlib::input<sample_type>>>>>>>;

template <class Net>
std::pair<double, std::size_t> train(const bench::MappedData& data, std::vector<std::int64_t>& order,
                                     std::size_t batch, std::size_t steps, std::uint64_t seed) {
  Net net;
  dlib::dnn_trainer<Net, dlib::adam> trainer(net, dlib::adam(0, 0.9, 0.999));
  trainer.set_learning_rate(1e-3);
  trainer.set_min_learning_rate(1e-9);
  trainer.set_iterations_without_progress_threshold(1u << 30);  // never shrink the learning rate
  trainer.be_quiet();
  bench::shuffle(order, data.samples, seed);
  std::vector<sample_type> xb(batch, sample_type(static_cast<long>(data.features)));
  std::vector<unsigned long> yb(batch);
  auto t0 = bench::clock::now();
  for (std::size_t s = 0; s < steps; ++s) {
    for (std::size_t j = 0; j < batch; ++j) {
      const std::size_t k = static_cast<std::size_t>(order[(s * batch + j) % data.samples]);
      std::copy(data.x + k * data.features, data.x + (k + 1) * data.features, xb[j].begin());
      yb[j] = static_cast<unsigned long>(data.labels[k]);
    }
    trainer.train_one_step(xb, yb);
  }
  trainer.get_net();  // waits for the training thread to finish the queued steps
  return {bench::seconds_since(t0), steps * batch};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: dlib_worker <data file>\n");
    return 2;
  }
  bench::malloc_as_after_loading_data();  // as in libtorch_worker: see common.hpp
  const bench::MappedData data = bench::map_data(argv[1]);
  std::vector<std::int64_t> order;
  const std::string description = "dlib " + std::to_string(DLIB_MAJOR_VERSION) + "." +
                                  std::to_string(DLIB_MINOR_VERSION) + ", " + bench::loaded_blas();
  return bench::serve(
      description,
      [&](const std::string& name, std::size_t batch, std::size_t steps, std::uint64_t seed) {
        return name == "wide" ? train<wide_net>(data, order, batch, steps, seed)
                              : train<mlp_net>(data, order, batch, steps, seed);
      },
      [&](std::size_t, std::size_t) { return 0.0; });  // inference is compared with LibTorch only
}
