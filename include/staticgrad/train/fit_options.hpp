// staticgrad/train/fit_options.hpp - the settings of one training run (sg::fit, train/fit.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "staticgrad/train/history.hpp"
#include "staticgrad/train/progress.hpp"

namespace sg {

struct FitOptions {
  std::size_t epochs = 10;        // train until this epoch (counting from 1)
  std::size_t initial_epoch = 0;  // epochs already done: resuming from a checkpoint of that epoch
  // The records of those epochs (CheckpointMeta::history): the returned History starts with them, so a
  // resumed run's History covers every epoch. Empty, or epochs strictly increasing up to initial_epoch.
  std::vector<EpochRecord> initial_history = {};
  std::size_t batch_size = 64;
  // S: each mini-batch is cut into S shards (distributed/sharding.hpp) whose gradients are computed
  // separately and summed in shard order. The result depends on S, never on the number of processes
  // that compute the shards: one process, or any P <= S ranks of sg::distributed::fit, give the same
  // bits. 1 (the default) is the unsplit batch; a distributed run of P ranks needs S >= P.
  std::size_t shards = 1;
  double learning_rate = 1e-3;  // the initial rate; a schedule callback may change it
  std::uint64_t shuffle_seed = 0;
  bool shuffle = true;
  std::size_t eval_batch_size = 1024;
  double max_gradient_norm = 0;  // > 0: clip the global gradient norm to it
  bool nan_guard = true;
  ProgressOptions progress = {};
  std::FILE* progress_out = stdout;
};

}  // namespace sg
