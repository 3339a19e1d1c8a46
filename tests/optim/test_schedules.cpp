// Learning-rate schedules against the course's formulas.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>

#include <boost/test/unit_test.hpp>

#include "staticgrad/optim/schedule.hpp"

namespace tt = boost::test_tools;

static_assert(sg::LearningRateSchedule<sg::inverse_time_decay<float>, float>);
static_assert(sg::LearningRateSchedule<sg::manual_schedule<double>, double>);

BOOST_AUTO_TEST_SUITE(schedules)

BOOST_AUTO_TEST_CASE(inverse_time_decay_follows_the_course_table) {
  // [snippet:inverse_time_decay]
  // The course's example: alpha0 = 0.2, decay_rate = 1 gives 0.1, 0.067, 0.05, 0.04 for epochs 1..4.
  const sg::inverse_time_decay schedule{0.2, 1.0};
  BOOST_TEST(schedule(1, 0) == 0.1, tt::tolerance(1e-15));
  BOOST_TEST(schedule(2, 0) == 0.2 / 3, tt::tolerance(1e-15));
  BOOST_TEST(schedule(3, 0) == 0.05, tt::tolerance(1e-15));
  BOOST_TEST(schedule(4, 0) == 0.04, tt::tolerance(1e-15));
  // [snippet:inverse_time_decay]
  BOOST_TEST(schedule(0, 0) == schedule(1, 0));  // epoch 0 reads as epoch 1
  static_assert(std::is_same_v<decltype(schedule(1, 1)), double>);
}

BOOST_AUTO_TEST_CASE(exponential_decay_uses_its_base) {
  const sg::exponential_decay course{0.1};  // base 0.95
  BOOST_TEST(course(1, 0) == 0.095, tt::tolerance(1e-15));
  BOOST_TEST(course(10, 0) == std::pow(0.95, 10) * 0.1, tt::tolerance(1e-15));
  const sg::exponential_decay<float> halving{0.4f, 0.5f};
  BOOST_TEST(halving(3, 0) == 0.05f);
  BOOST_TEST(halving(0, 7) == 0.2f);
}

BOOST_AUTO_TEST_CASE(sqrt_epoch_decay_divides_by_the_root_of_the_epoch) {
  const sg::sqrt_epoch_decay schedule{0.1, 2.0};
  BOOST_TEST(schedule(1, 99) == 0.2, tt::tolerance(1e-15));
  BOOST_TEST(schedule(4, 99) == 0.1, tt::tolerance(1e-15));
  BOOST_TEST(schedule(9, 0) == 2.0 / 3 * 0.1, tt::tolerance(1e-15));
  BOOST_TEST(std::isfinite(schedule(0, 0)));
  BOOST_TEST(schedule(0, 0) == schedule(1, 0));
}

BOOST_AUTO_TEST_CASE(sqrt_step_decay_follows_the_mini_batch_number) {
  const sg::sqrt_step_decay schedule{0.01, 1.0};
  BOOST_TEST(schedule(3, 1) == 0.01, tt::tolerance(1e-15));
  BOOST_TEST(schedule(3, 100) == 0.001, tt::tolerance(1e-15));
  BOOST_TEST(schedule(1, 100) == schedule(7, 100));  // the epoch plays no part
  BOOST_TEST(schedule(1, 0) == schedule(1, 1));
}

BOOST_AUTO_TEST_CASE(constant_schedule_never_changes) {
  const sg::constant_schedule<float> schedule{3e-4f};
  BOOST_TEST(schedule(0, 0) == 3e-4f);
  BOOST_TEST(schedule(1000, 123456) == 3e-4f);
}

BOOST_AUTO_TEST_CASE(manual_schedule_copies_share_the_rate) {
  // [snippet:manual_schedule]
  sg::manual_schedule<float> schedule(0.1f);
  const sg::manual_schedule<float> held_by_fit = schedule;  // a copy, as fit() would keep
  schedule.set(0.01f);                                      // e.g. from a callback after a plateau
  BOOST_TEST(held_by_fit(5, 500) == 0.01f);
  // [snippet:manual_schedule]
  BOOST_TEST(schedule.get() == 0.01f);
}

// [snippet:custom_schedule]
struct warmup {
  double alpha0;
  std::size_t steps;
  double operator()(std::size_t, std::size_t t) const {
    return alpha0 * std::min(1.0, static_cast<double>(t) / static_cast<double>(steps));
  }
};
static_assert(sg::LearningRateSchedule<warmup, double>);
// [snippet:custom_schedule]

BOOST_AUTO_TEST_CASE(a_user_schedule_fits_the_concept) {
  const warmup schedule{0.1, 100};
  BOOST_TEST(schedule(1, 50) == 0.05);
  BOOST_TEST(schedule(3, 1000) == 0.1);
}

BOOST_AUTO_TEST_SUITE_END()
