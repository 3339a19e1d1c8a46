// The compiled half of staticgrad/train/hyperparameter_search.hpp.
#include "staticgrad/train/hyperparameter_search.hpp"

#include <cmath>

#include <fmt/format.h>

#include "staticgrad/core/error.hpp"
#include "staticgrad/core/random.hpp"

namespace sg {

namespace {
double log_uniform(SearchRange r, double u, const char* what) {
  if (!(r.low > 0 && r.high >= r.low))
    throw error(fmt::format("random search: the {} range [{}, {}] must be positive and ordered", what, r.low, r.high));
  return std::exp(std::log(r.low) + u * (std::log(r.high) - std::log(r.low)));
}
}  // namespace

std::vector<Hyperparameters> sample_candidates(const SearchSpace& space, std::size_t count, std::uint64_t seed) {
  std::vector<Hyperparameters> out(count);
  const std::uint64_t stream = random::stream_id("hyperparameter_search");
  for (std::size_t k = 0; k < count; ++k) {
    Hyperparameters& c = out[k];
    auto u = [&](std::uint64_t which) { return random::uniform(seed, stream, k * 8 + which); };
    if (space.learning_rate) c.learning_rate = log_uniform(*space.learning_rate, u(0), "learning_rate");
    if (space.l2) c.l2 = log_uniform(*space.l2, u(1), "l2");
    if (space.keep_prob) {
      const SearchRange r = *space.keep_prob;
      if (!(r.low > 0 && r.high <= 1 && r.low <= r.high))
        throw error(fmt::format("random search: keep_prob range [{}, {}] must lie in (0, 1]", r.low, r.high));
      c.keep_prob = r.low + u(2) * (r.high - r.low);
    }
    if (space.one_minus_beta) c.beta = 1 - log_uniform(*space.one_minus_beta, u(3), "1 - beta");
    if (!space.batch_sizes.empty())
      c.batch_size = space.batch_sizes[random::below(space.batch_sizes.size(), seed, stream, k * 8 + 4)];
  }
  return out;
}

std::string format_trials(std::span<const SearchTrial> trials, std::string_view metric_name) {
  std::string out = fmt::format("{:>4} {:>10} {:>10} {:>9} {:>7} {:>6} {:>13} {:>9} {:>8}\n", "rank", "lr", "l2",
                                "keep_prob", "beta", "batch", metric_name, "dev_cost", "seconds");
  for (std::size_t k = 0; k < trials.size(); ++k) {
    const SearchTrial& t = trials[k];
    out += fmt::format("{:>4} {:>10.3g} {:>10.3g} {:>9.3f} {:>7.4f} {:>6} {:>13.4f} {:>9.4f} {:>8.1f}\n", k + 1,
                       t.candidate.learning_rate, t.candidate.l2, t.candidate.keep_prob, t.candidate.beta,
                       t.candidate.batch_size, t.dev_metric, t.dev_cost, t.seconds);
  }
  return out;
}

}  // namespace sg
