// Model selection by an optimising metric under satisficing constraints.
#include "staticgrad/eval/selection.hpp"

#include <fmt/core.h>

#include <cmath>

#include "staticgrad/core/error.hpp"

namespace sg::eval {

double Candidate::metric(std::string_view metric) const {
  const auto it = metrics.find(metric);
  if (it != metrics.end()) return it->second;
  std::string have;
  for (const auto& [key, value] : metrics) have += fmt::format("{}{}", have.empty() ? "" : ", ", key);
  throw sg::error(
      fmt::format("candidate \"{}\": metric \"{}\" expected, found only [{}]", name, metric, have));
}

bool Satisficing::satisfied_by(const Candidate& c) const {
  const double v = c.metric(metric);
  if (std::isnan(v)) return false;
  return bound == Bound::at_most ? v <= threshold : v >= threshold;
}

namespace {

std::optional<std::size_t> best_of(std::span<const Candidate> candidates, const Optimising& by,
                                   const std::vector<bool>& eligible) {
  std::optional<std::size_t> best;
  double best_value = 0;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const double v = candidates[i].metric(by.metric);  // every candidate must have it, eligible or not
    if (!eligible[i] || std::isnan(v)) continue;
    if (!best || (by.goal == Goal::maximise ? v > best_value : v < best_value)) {
      best = i;
      best_value = v;
    }
  }
  return best;
}

}  // namespace

std::optional<std::size_t> pick_best(std::span<const Candidate> candidates, const Optimising& by) {
  return best_of(candidates, by, std::vector<bool>(candidates.size(), true));
}

Selection select_optimising(std::span<const Candidate> candidates, const Optimising& optimising,
                            std::span<const Satisficing> constraints) {
  Selection s;
  s.failed.resize(candidates.size());
  std::vector<bool> eligible(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    for (std::size_t k = 0; k < constraints.size(); ++k)
      if (!constraints[k].satisfied_by(candidates[i])) s.failed[i].push_back(k);
    eligible[i] = s.failed[i].empty();
  }
  s.best = best_of(candidates, optimising, eligible);
  return s;
}

std::string format_selection(std::span<const Candidate> candidates, const Optimising& optimising,
                             std::span<const Satisficing> constraints, const Selection& selection) {
  std::size_t name_width = 5;
  for (const auto& c : candidates) name_width = std::max(name_width, c.name.size());
  std::string out = fmt::format(
      "optimising: {} {}", optimising.goal == Goal::maximise ? "maximise" : "minimise", optimising.metric);
  for (const auto& k : constraints)
    out += fmt::format("; satisficing: {} {} {}", k.metric,
                       k.bound == Bound::at_most ? "<=" : ">=", k.threshold);
  out += fmt::format("\n  {:<{}} {:>14}", "model", name_width, optimising.metric);
  for (const auto& k : constraints) out += fmt::format(" {:>14}", k.metric);
  out += "  verdict\n";
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const bool best = selection.best == i;
    out += fmt::format("{} {:<{}} {:>14.6g}", best ? "*" : " ", candidates[i].name, name_width,
                       candidates[i].metric(optimising.metric));
    for (const auto& k : constraints) out += fmt::format(" {:>14.6g}", candidates[i].metric(k.metric));
    if (best) {
      out += "  chosen";
    } else if (i < selection.failed.size() && !selection.failed[i].empty()) {
      out += "  fails";
      for (std::size_t k : selection.failed[i]) out += fmt::format(" {}", constraints[k].metric);
    } else {
      out += "  eligible";
    }
    out += '\n';
  }
  if (!selection.best) out += "no model satisfies every constraint\n";
  return out;
}

}  // namespace sg::eval
