// staticgrad/graph/profile.hpp - where the time of a model's passes goes, node by node.
//
//   model.set_profiling(true);                 // clears the counts and starts timing
//   for (...) { model.forward(); model.backward(); optimiser.step(...); }
//   fmt::print("{}", model.profile().table());
// While profiling is on, each node's forward pass (its layer's hooks included) and backward pass (the
// zeroing of its adjoint included) is timed with a monotonic clock (core/clock.hpp): two clock reads
// per node and pass, about 50 ns, small against any layer's work. Off, the default, a pass reads one
// flag per node.
// Optimiser steps, data loading and the L2 term are not nodes and are not in the profile.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "staticgrad/core/clock.hpp"

namespace sg {

// The time one pass of one node took, summed over its calls.
struct PassTime {
  double seconds = 0;
  std::size_t calls = 0;
};

// One node's times.
struct NodeTime {
  std::string name;
  std::string kind;  // the layer's kind, e.g. "Conv2D"
  PassTime forward, backward;
  double seconds() const { return forward.seconds + backward.seconds; }
};

// Every layer node's times, in declaration order (data inputs, which do no work, are left out).
struct Profile {
  std::vector<NodeTime> nodes;

  double seconds() const {
    double total = 0;
    for (const NodeTime& n : nodes) total += n.seconds();
    return total;
  }
  // The node called `name`, or null.
  const NodeTime* find(std::string_view name) const {
    for (const NodeTime& n : nodes)
      if (n.name == name) return &n;
    return nullptr;
  }
  // A table: node, kind, forward and backward milliseconds per call, and the node's share of the total.
  std::string table() const {
    const double total = seconds();
    std::string out = fmt::format("{:<16} {:<20} {:>8} {:>12} {:>12} {:>7}\n", "node", "kind", "calls", "forward ms",
                                  "backward ms", "share");
    const auto per_call = [](const PassTime& p) { return p.calls ? 1e3 * p.seconds / double(p.calls) : 0.0; };
    for (const NodeTime& n : nodes)
      out += fmt::format("{:<16} {:<20} {:>8} {:>12.3f} {:>12.3f} {:>6.1f}%\n", n.name, n.kind, n.forward.calls,
                         per_call(n.forward), per_call(n.backward), total > 0 ? 100.0 * n.seconds() / total : 0.0);
    return out;
  }
};

namespace detail {
// Adds the seconds of its lifetime, and one call, to *time; does nothing when time is null.
class ScopedPassTimer {
 public:
  explicit ScopedPassTimer(PassTime* time) : time_(time) {
    if (time_) start_ = clock_seconds();
  }
  ~ScopedPassTimer() {
    if (time_) {
      time_->seconds += seconds_since(start_);
      ++time_->calls;
    }
  }
  ScopedPassTimer(const ScopedPassTimer&) = delete;
  ScopedPassTimer& operator=(const ScopedPassTimer&) = delete;

 private:
  PassTime* time_;
  double start_ = 0;
};
}  // namespace detail

}  // namespace sg
