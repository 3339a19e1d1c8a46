// staticgrad/train/history.hpp - what fit() returns: one record per epoch, as CSV and as a learning curve;
// and cost curves of several runs on one chart.
#pragma once

#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sg {

// One epoch of training. A cost that was not measured (no dev set) is NaN.
struct EpochRecord {
  std::size_t epoch = 0;  // from 1
  double train_cost = std::numeric_limits<double>::quiet_NaN();
  double dev_cost = std::numeric_limits<double>::quiet_NaN();
  std::map<std::string, double> metrics{};  // e.g. {"dev_accuracy", 0.91}
  double learning_rate = 0;
  double seconds = 0;
};

// History: the records in the order they were added (normally by increasing epoch).
class History {
 public:
  void add(EpochRecord record) { records_.push_back(std::move(record)); }
  std::span<const EpochRecord> records() const { return records_; }
  std::size_t size() const { return records_.size(); }
  // Why training ended early (early stopping, the NaN guard), or empty when it ran all its epochs.
  const std::string& stop_reason() const { return stop_reason_; }
  void set_stop_reason(std::string reason) { stop_reason_ = std::move(reason); }
  bool empty() const { return records_.empty(); }

  // The epoch with the lowest finite dev cost (the earliest of equal ones); empty when no dev cost is
  // finite. This is the epoch early stopping would have kept.
  std::optional<std::size_t> best_epoch() const;

  // CSV text: a header `epoch,train_cost,dev_cost,learning_rate,seconds` followed by one column per metric
  // name that any record has (sorted by name), then one row per record. Numbers are written in their
  // shortest form that reads back exactly; a missing metric is an empty field; NaN is written `nan`.
  std::string csv() const;
  // An SVG learning curve: train and dev cost against the epoch, axes with ticks and labels, a legend,
  // and a dashed line at best_epoch(). Non-finite costs are left out of the curves.
  std::string learning_curve_svg(std::string_view title) const;

  // Write csv() or learning_curve_svg() with write_file_atomically (sg::io_error on failure).
  void write_csv(const std::string& path) const;
  void write_learning_curve_svg(const std::string& path, std::string_view title) const;

 private:
  std::vector<EpochRecord> records_;
  std::string stop_reason_;
};

// One curve of cost_curves_svg: a name for the legend and its (epoch, cost) points in order. The epoch
// may be fractional (a point every few mini-batches) or whole (one point per epoch).
struct CostPoint {
  double epoch = 0;
  double cost = 0;
};
struct CostCurve {
  std::string name;
  std::vector<CostPoint> points;
};

// Several cost curves on one chart, e.g. the same network trained by different optimisers: the axes
// of learning_curve_svg() (epoch from 0, cost), one coloured polyline per curve (id "curve1", "curve2",
// ... in order) and a legend of the names. Non-finite costs are left out.
std::string cost_curves_svg(std::string_view title, std::span<const CostCurve> curves);
// cost_curves_svg() written with write_file_atomically (sg::io_error on failure).
void write_cost_curves_svg(const std::string& path, std::string_view title,
                           std::span<const CostCurve> curves);

}  // namespace sg
