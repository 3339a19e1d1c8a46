// staticgrad/train/progress.hpp - what the user sees while fit() runs.
//
// On a terminal: one live line redrawn in place (epoch k/K, a bar, batch b/B, samples/s, ETA, running
// cost), at most `redraws_per_second` times a second, replaced at the end of each epoch by that epoch's
// summary line. Elsewhere (a log file, a pipe, CI): only the summary lines, exactly one per epoch, so
// logs stay readable. Quiet: nothing at all.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

#include "staticgrad/core/clock.hpp"
#include "staticgrad/train/history.hpp"

namespace sg {

enum class ProgressMode {
  automatic,  // live when the output is a terminal (isatty), lines otherwise
  live,
  lines,
  quiet,
};

struct ProgressOptions {
  ProgressMode mode = ProgressMode::automatic;
  double redraws_per_second = 10;  // live mode only; the first and the last batch are always drawn
  std::size_t bar_width = 24;
};

// ProgressReporter: call begin_training once, then per epoch begin_epoch, batch_done for each mini-batch
// and end_epoch; message() may be called at any time. Writes through fmt to `out`, which must stay open
// while the reporter is used; never closes it.
class ProgressReporter {
 public:
  explicit ProgressReporter(std::FILE* out = stdout, ProgressOptions options = {});

  // The mode in use: automatic resolved to live or lines.
  ProgressMode mode() const { return mode_; }

  void begin_training(std::size_t epochs);
  // `batches` mini-batches holding `samples` samples in all will follow.
  void begin_epoch(std::size_t epoch, std::size_t batches, std::size_t samples);
  // Mini-batch `batch` (from 1) of `samples` samples is done; `running_cost` is the mean cost so far in
  // this epoch. Redraws the live line when the throttle allows (or when batch is the last one).
  void batch_done(std::size_t batch, std::size_t samples, double running_cost);
  // Prints the epoch's summary line: `epoch 3/20  train_cost 0.3412  dev_cost 0.359  dev_accuracy 0.8812
  // lr 0.001  12.3 s` (a NaN cost is left out).
  void end_epoch(const EpochRecord& record);
  // A note from a callback (early stopping, the NaN guard): clears the live line, prints `text` on its own.
  void message(std::string_view text);

  // The summary line end_epoch prints for `record`, without the newline.
  std::string summary_line(const EpochRecord& record) const;

 private:
  void draw(std::size_t batch, double running_cost);

  std::FILE* out_;
  ProgressOptions options_;
  ProgressMode mode_;
  std::size_t epochs_ = 0, epoch_ = 0, batches_ = 0, samples_done_ = 0;
  double epoch_start_ = 0, last_draw_ = 0;  // clock_seconds() readings
  bool drawn_ = false;      // a live line is on screen
  bool first_draw_ = true;  // of this epoch
};

}  // namespace sg
