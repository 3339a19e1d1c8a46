// Splits: sizes, disjointness, determinism, the train-dev set and mismatched distributions.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>

#include "data/helpers.hpp"
#include "staticgrad/core/error.hpp"
#include "staticgrad/data/split.hpp"

namespace {

// m samples with one feature holding the sample's id (offset by `base`), labels id % 2.
sg::data::Dataset ids(std::size_t m, float base = 0) {
  sg::data::Dataset ds;
  ds.x.resize(1, m);
  ds.labels.resize(m);
  ds.num_classes = 2;
  for (std::size_t j = 0; j < m; ++j) {
    ds.x(0, j) = base + static_cast<float>(j);
    ds.labels[j] = static_cast<std::int32_t>(j % 2);
  }
  return ds;
}

std::multiset<float> values(const sg::data::Dataset& ds) {
  return std::multiset<float>(ds.x.data(), ds.x.data() + ds.x.size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(splits)

BOOST_AUTO_TEST_CASE(shuffle_is_a_seeded_permutation) {
  const auto a = sg::data::shuffled_indices(1000, 7);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t k = 0; k < sorted.size(); ++k) BOOST_TEST(sorted[k] == k);
  BOOST_TEST(a == sg::data::shuffled_indices(1000, 7), boost::test_tools::per_element());
  BOOST_TEST((a != sg::data::shuffled_indices(1000, 8)));
  std::size_t fixed_points = 0;
  for (std::size_t k = 0; k < a.size(); ++k) fixed_points += a[k] == k;
  BOOST_TEST(fixed_points < 10u);  // about 1 expected for a random permutation
}

BOOST_AUTO_TEST_CASE(by_ratio_60_20_20) {
  const auto ds = ids(1000);
  const auto s = sg::data::split_by_ratio(ds, 0.6, 0.2, 0.2, 42);
  BOOST_TEST(s.train.size() == 600u);
  BOOST_TEST(s.dev.size() == 200u);
  BOOST_TEST(s.test.size() == 200u);
  auto all = values(s.train);
  for (float v : values(s.dev)) all.insert(v);
  for (float v : values(s.test)) all.insert(v);
  BOOST_TEST((all == values(ds)));                // a partition: every sample exactly once
  for (std::size_t j = 0; j < s.dev.size(); ++j)  // labels travel with their samples
    BOOST_TEST(s.dev.labels[j] == static_cast<std::int32_t>(s.dev.x(0, j)) % 2);
  const auto again = sg::data::split_by_ratio(ds, 0.6, 0.2, 0.2, 42);
  BOOST_TEST((values(again.dev) == values(s.dev)));
  BOOST_TEST(sg::test::message_of<sg::shape_error>([&] { sg::data::split_by_ratio(ds, 0.6, 0.3, 0.2, 1); }) ==
             "split_by_ratio: non-negative fractions summing to 1 expected, found 0.6 + 0.3 + 0.2 = 1.1");
  BOOST_CHECK_THROW(sg::data::split_by_ratio(ds, 1.2, -0.2, 0.0, 1), sg::shape_error);
  const auto tiny = sg::data::split_by_ratio(ids(1), 0.0, 0.5, 0.5, 3);  // rounding never over-assigns
  BOOST_TEST(tiny.train.size() + tiny.dev.size() + tiny.test.size() == 1u);
}

BOOST_AUTO_TEST_CASE(by_count_for_big_data) {
  const auto ds = ids(10000);
  const auto s = sg::data::split_by_count(ds, 100, 100, 5);  // 1% dev, 1% test
  BOOST_TEST(s.train.size() == 9800u);
  BOOST_TEST(s.dev.size() == 100u);
  BOOST_TEST(s.test.size() == 100u);
  BOOST_TEST(sg::test::message_of<sg::shape_error>([&] { sg::data::split_by_count(ds, 6000, 5000, 5); }) ==
             "split_by_count: dev + test <= 10000 samples expected, found 6000 + 5000");
}

BOOST_AUTO_TEST_CASE(train_dev_comes_out_of_train) {
  const auto train = ids(500);
  const auto t = sg::data::carve_train_dev(train, 50, 9);
  BOOST_TEST(t.train.size() == 450u);
  BOOST_TEST(t.train_dev.size() == 50u);
  auto all = values(t.train);
  for (float v : values(t.train_dev)) all.insert(v);
  BOOST_TEST((all == values(train)));
  BOOST_CHECK_THROW(sg::data::carve_train_dev(train, 501, 9), sg::shape_error);
}

BOOST_AUTO_TEST_CASE(mismatched_dev_and_test_come_only_from_the_target) {
  // The course's example scaled down: 2000 "web" images (ids 0..1999), 200 "mobile" (ids 10000..10199).
  const auto web = ids(2000), mobile = ids(200, 10000);
  const auto s = sg::data::split_mismatched(web, mobile, 50, 50, 11);
  BOOST_TEST(s.train.size() == 2100u);
  BOOST_TEST(s.dev.size() == 50u);
  BOOST_TEST(s.test.size() == 50u);
  for (float v : values(s.dev)) BOOST_TEST(v >= 10000.0f);
  for (float v : values(s.test)) BOOST_TEST(v >= 10000.0f);
  std::size_t mobile_in_train = 0;
  for (float v : values(s.train)) mobile_in_train += v >= 10000.0f;
  BOOST_TEST(mobile_in_train == 100u);
  auto all = values(s.train);
  for (float v : values(s.dev)) all.insert(v);
  for (float v : values(s.test)) all.insert(v);
  auto expected = values(web);
  for (float v : values(mobile)) expected.insert(v);
  BOOST_TEST((all == expected));
  // The training set is shuffled: the mobile samples are not all at the end.
  std::size_t mobile_in_first_half = 0;
  for (std::size_t j = 0; j < s.train.size() / 2; ++j) mobile_in_first_half += s.train.x(0, j) >= 10000.0f;
  BOOST_TEST(mobile_in_first_half > 20u);
  BOOST_CHECK_THROW(sg::data::split_mismatched(web, mobile, 150, 51, 1), sg::shape_error);
}

BOOST_AUTO_TEST_SUITE_END()
