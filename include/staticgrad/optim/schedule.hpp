// staticgrad/optim/schedule.hpp - learning-rate schedules: small value types called once per step.
//
// Numbering: epochs and steps count from 1, as in the course's formulas (epoch 1 is the first pass over
// the training set; step t is the t-th mini-batch since training began, not since the epoch began).
// 0 is read as 1 by every schedule, so none divides by zero and calling a schedule before training
// starts gives the rate of the first epoch.
//
// Every schedule S satisfies LearningRateSchedule<S, T>: `T operator()(std::size_t epoch,
// std::size_t step) const`. They are aggregates, and `sg::inverse_time_decay{0.2, 1.0}` deduces T.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <memory>

namespace sg {

template <class S, class T>
concept LearningRateSchedule = requires(const S& s, std::size_t epoch, std::size_t step) {
  { s(epoch, step) } -> std::convertible_to<T>;
};

namespace detail {
constexpr std::size_t from_one(std::size_t k) { return k == 0 ? 1 : k; }
}  // namespace detail

// alpha0, whatever the epoch.
template <std::floating_point T = double>
struct constant_schedule {
  T alpha0;
  T operator()(std::size_t, std::size_t) const { return alpha0; }
};

// alpha0 / (1 + decay_rate * epoch).
template <std::floating_point T = double>
struct inverse_time_decay {
  T alpha0;
  T decay_rate;
  T operator()(std::size_t epoch, std::size_t) const {
    return alpha0 / (T(1) + decay_rate * static_cast<T>(detail::from_one(epoch)));
  }
};

// base^epoch * alpha0 (the course's 0.95^epoch_num * alpha0 by default).
template <std::floating_point T = double>
struct exponential_decay {
  T alpha0;
  T base = T(0.95);
  T operator()(std::size_t epoch, std::size_t) const {
    return std::pow(base, static_cast<T>(detail::from_one(epoch))) * alpha0;
  }
};

// k / sqrt(epoch) * alpha0.
template <std::floating_point T = double>
struct sqrt_epoch_decay {
  T alpha0;
  T k;
  T operator()(std::size_t epoch, std::size_t) const {
    return k / std::sqrt(static_cast<T>(detail::from_one(epoch))) * alpha0;
  }
};

// k / sqrt(t) * alpha0, t the mini-batch number counted over the whole run.
template <std::floating_point T = double>
struct sqrt_step_decay {
  T alpha0;
  T k;
  T operator()(std::size_t, std::size_t step) const {
    return k / std::sqrt(static_cast<T>(detail::from_one(step))) * alpha0;
  }
};

// `sg::inverse_time_decay{0.2, 1.0}` deduces T from the initializers. C++20 deduces an aggregate's
// arguments by itself, but clang 16 does not (aggregate deduction came in clang 17), so these guides
// say it for positional initializers; with designated ones clang 16 needs the type: `<double>{...}`.
template <class T> constant_schedule(T) -> constant_schedule<T>;
template <class T> inverse_time_decay(T, T) -> inverse_time_decay<T>;
template <class T> exponential_decay(T) -> exponential_decay<T>;
template <class T> exponential_decay(T, T) -> exponential_decay<T>;
template <class T> sqrt_epoch_decay(T, T) -> sqrt_epoch_decay<T>;
template <class T> sqrt_step_decay(T, T) -> sqrt_step_decay<T>;

// A rate set by hand (from a callback, after looking at the learning curve). Copies share one rate, so
// the copy that fit() holds sees what a callback sets through its own copy. Not synchronised: set it
// between steps, from the training thread.
template <std::floating_point T = double>
class manual_schedule {
 public:
  explicit manual_schedule(T alpha0) : rate_(std::make_shared<T>(alpha0)) {}
  void set(T rate) { *rate_ = rate; }
  T get() const { return *rate_; }
  T operator()(std::size_t, std::size_t) const { return *rate_; }

 private:
  std::shared_ptr<T> rate_;
};

}  // namespace sg
