#include "staticgrad/train/progress.hpp"

#include <cmath>

#include <fmt/format.h>
#include <unistd.h>

namespace sg {
namespace {

std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-:--";
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

}  // namespace

ProgressReporter::ProgressReporter(std::FILE* out, ProgressOptions options)
    : out_(out), options_(options), mode_(options.mode) {
  if (mode_ == ProgressMode::automatic) mode_ = ::isatty(::fileno(out_)) ? ProgressMode::live : ProgressMode::lines;
}

void ProgressReporter::begin_training(std::size_t epochs) { epochs_ = epochs; }

void ProgressReporter::begin_epoch(std::size_t epoch, std::size_t batches, std::size_t /*samples*/) {
  epoch_ = epoch;
  batches_ = batches;
  samples_done_ = 0;
  epoch_start_ = clock_seconds();
  first_draw_ = true;
}

void ProgressReporter::batch_done(std::size_t batch, std::size_t samples, double running_cost) {
  samples_done_ += samples;
  if (mode_ != ProgressMode::live) return;
  const double now = clock_seconds();
  const double interval = 1.0 / options_.redraws_per_second;
  if (first_draw_ || batch >= batches_ || now - last_draw_ >= interval) {
    last_draw_ = now;
    first_draw_ = false;
    draw(batch, running_cost);
  }
}

void ProgressReporter::draw(std::size_t batch, double running_cost) {
  const double elapsed = seconds_since(epoch_start_);
  const double fraction = batches_ ? static_cast<double>(batch) / static_cast<double>(batches_) : 1.0;
  const auto filled = static_cast<std::size_t>(fraction * static_cast<double>(options_.bar_width));
  std::string bar(options_.bar_width, ' ');
  for (std::size_t k = 0; k < filled && k < bar.size(); ++k) bar[k] = '=';
  if (filled < bar.size()) bar[filled] = '>';
  const double rate = elapsed > 0 ? static_cast<double>(samples_done_) / elapsed : 0;
  const double eta = batch > 0 ? elapsed / static_cast<double>(batch) * static_cast<double>(batches_ - batch) : NAN;
  fmt::print(out_, "\r\x1b[Kepoch {}/{} [{}] {}/{}  {:.0f} samples/s  ETA {}  cost {:.4g}", epoch_, epochs_, bar,
             batch, batches_, rate, duration(eta), running_cost);
  std::fflush(out_);
  drawn_ = true;
}

std::string ProgressReporter::summary_line(const EpochRecord& r) const {
  std::string line = fmt::format("epoch {}/{}", r.epoch, epochs_);
  if (!std::isnan(r.train_cost)) line += fmt::format("  train_cost {:.4g}", r.train_cost);
  if (!std::isnan(r.dev_cost)) line += fmt::format("  dev_cost {:.4g}", r.dev_cost);
  for (const auto& [name, value] : r.metrics) line += fmt::format("  {} {:.4g}", name, value);
  line += fmt::format("  lr {:.3g}  {:.1f} s", r.learning_rate, r.seconds);
  return line;
}

void ProgressReporter::end_epoch(const EpochRecord& record) {
  if (mode_ == ProgressMode::quiet) return;
  fmt::print(out_, "{}{}\n", drawn_ ? "\r\x1b[K" : "", summary_line(record));
  std::fflush(out_);
  drawn_ = false;
}

void ProgressReporter::message(std::string_view text) {
  if (mode_ == ProgressMode::quiet) return;
  fmt::print(out_, "{}{}\n", drawn_ ? "\r\x1b[K" : "", text);
  std::fflush(out_);
  drawn_ = false;
}

}  // namespace sg
