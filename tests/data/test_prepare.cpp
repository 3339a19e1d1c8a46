// Preparation: validate, subset, concatenate, the Normalizer, one-hot encoding and class counts.
#include <boost/test/unit_test.hpp>

#include <omp.h>
#include <cmath>
#include <limits>

#include "data/helpers.hpp"
#include "staticgrad/core/error.hpp"
#include "staticgrad/data/labels.hpp"
#include "staticgrad/data/normalizer.hpp"

namespace {

// m samples of 3 features: feature 0 varies, feature 1 is constant, feature 2 is large.
sg::data::Dataset small(std::size_t m) {
  sg::data::Dataset ds;
  ds.x.resize(3, m);
  ds.labels.resize(m);
  ds.num_classes = 3;
  for (std::size_t j = 0; j < m; ++j) {
    ds.x(0, j) = static_cast<float>(j);
    ds.x(1, j) = 7.0f;
    ds.x(2, j) = 1000.0f + 10.0f * static_cast<float>(j % 4);
    ds.labels[j] = static_cast<std::int32_t>(j % 3);
  }
  return ds;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(prepare)

BOOST_AUTO_TEST_CASE(validate_checks_every_invariant) {
  auto ds = small(4);
  sg::data::validate(ds, "d");
  ds.labels[2] = 3;
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] { sg::data::validate(ds, "d"); }) ==
             "d: sample 2: class label in [0, 3) expected, found 3");
  ds.labels[2] = 0;
  ds.x(1, 3) = std::numeric_limits<float>::quiet_NaN();
  BOOST_TEST(sg::test::message_of<sg::numeric_error>([&] { sg::data::validate(ds, "d"); }) ==
             "d: sample 3, feature 1: a finite value expected, found nan");
  ds.labels.pop_back();
  BOOST_TEST(sg::test::message_of<sg::shape_error>([&] { sg::data::validate(ds, "d"); }) ==
             "d: one label per sample expected (4 samples), found 3 labels");
  auto img = small(2);
  img.image_rows = 2;
  img.image_cols = 2;
  BOOST_TEST(sg::test::message_of<sg::shape_error>([&] { sg::data::validate(img, "d"); }) ==
             "d: 2 x 2 images expected to have 4 features, found 3");
}

BOOST_AUTO_TEST_CASE(subset_and_concatenate) {
  const auto ds = small(5);
  const std::vector<std::size_t> pick = {4, 1, 1};
  const auto s = sg::data::subset(ds, pick);
  BOOST_TEST(s.size() == 3u);
  BOOST_TEST(s.num_classes == 3u);
  BOOST_TEST(s.x(0, 0) == 4.0f);
  BOOST_TEST(s.x(0, 2) == 1.0f);
  BOOST_TEST(s.labels == (std::vector<std::int32_t>{1, 1, 1}), boost::test_tools::per_element());
  const std::vector<std::size_t> bad = {0, 5};
  BOOST_TEST(sg::test::message_of<sg::shape_error>([&] { sg::data::subset(ds, bad); }) ==
             "subset: position 1: an index below 5 (the sample count) expected, found 5");
  const auto c = sg::data::concatenate(ds, s);
  BOOST_TEST(c.size() == 8u);
  BOOST_TEST(c.x(0, 5) == 4.0f);
  BOOST_TEST(c.labels[7] == 1);
  sg::data::Dataset other;
  other.x.resize(2, 1);
  other.labels = {0};
  BOOST_CHECK_THROW(sg::data::concatenate(ds, other), sg::shape_error);
}

BOOST_AUTO_TEST_CASE(normalizer_gives_zero_mean_unit_standard_deviation_on_train) {
  auto train = small(8);
  const auto norm = sg::data::Normalizer::fit(train);
  BOOST_TEST(norm.features() == 3u);
  BOOST_TEST(norm.mean()[0] == 3.5f);
  BOOST_TEST(norm.stddev()[0] == std::sqrt(5.25f),
             boost::test_tools::tolerance(1e-6f));  // population sd of 0..7
  BOOST_TEST(norm.stddev()[1] == 0.0f);
  norm.apply(train);
  for (std::size_t i : {0u, 2u}) {
    double sum = 0, squares = 0;
    for (std::size_t j = 0; j < train.size(); ++j) sum += train.x(i, j);
    for (std::size_t j = 0; j < train.size(); ++j) squares += train.x(i, j) * train.x(i, j);
    BOOST_TEST(sum / 8 == 0.0, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(squares / 8 == 1.0, boost::test_tools::tolerance(1e-5));
  }
  // The constant feature is only centred: 0 on train, and a different dev value stays small.
  for (std::size_t j = 0; j < train.size(); ++j) BOOST_TEST(train.x(1, j) == 0.0f);
  auto dev = small(2);
  dev.x(1, 0) = 7.5f;
  norm.apply(dev);
  BOOST_TEST(dev.x(1, 0) == 0.5f);
  // Dev and test use the training statistics, not their own.
  BOOST_TEST(dev.x(0, 0) == (0.0f - 3.5f) / std::sqrt(5.25f), boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(normalizer_restores_from_stored_values_and_checks_shapes) {
  auto a = small(8), b = small(8);
  const auto fitted = sg::data::Normalizer::fit(a);
  const sg::data::Normalizer restored(fitted.mean(), fitted.stddev(), fitted.epsilon());
  fitted.apply(a);
  restored.apply(b);
  for (std::size_t k = 0; k < a.x.size(); ++k) BOOST_TEST(a.x[k] == b.x[k]);

  sg::data::Dataset wrong;
  wrong.x.resize(2, 1);
  BOOST_TEST(sg::test::message_of<sg::shape_error>([&] { fitted.apply(wrong); }) ==
             "Normalizer::apply: 3 features expected (as fitted), found 2");
  BOOST_TEST(sg::test::message_of<sg::shape_error>([&] { sg::data::Normalizer{}.apply(wrong); }) ==
             "Normalizer::apply: 0 features expected (as fitted), found 2 (the normalizer was never fitted)");
  BOOST_CHECK_THROW(sg::data::Normalizer({1.0f}, {-1.0f}), sg::numeric_error);
  BOOST_CHECK_THROW(sg::data::Normalizer({1.0f}, {}), sg::shape_error);
  BOOST_CHECK_THROW(sg::data::Normalizer::fit(sg::data::Dataset{}), sg::shape_error);
}

BOOST_AUTO_TEST_CASE(normalizer_statistics_do_not_depend_on_thread_count) {
  sg::data::Dataset ds;
  ds.x.resize(64, 501);
  for (std::size_t k = 0; k < ds.x.size(); ++k)
    ds.x[k] = static_cast<float>(std::sin(0.37 * static_cast<double>(k)));
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = sg::data::Normalizer::fit(ds);
  omp_set_num_threads(2);
  const auto two = sg::data::Normalizer::fit(ds);
  omp_set_num_threads(threads);
  BOOST_TEST(one.mean() == two.mean(), boost::test_tools::per_element());
  BOOST_TEST(one.stddev() == two.stddev(), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(one_hot_and_class_counts) {
  const std::vector<std::int32_t> labels = {2, 0, 2, 1};
  const auto y = sg::data::one_hot(labels, 3);
  BOOST_TEST(y.rows() == 3u);
  BOOST_TEST(y.cols() == 4u);
  for (std::size_t j = 0; j < 4; ++j)
    for (std::size_t c = 0; c < 3; ++c)
      BOOST_TEST(y(c, j) == (static_cast<std::int32_t>(c) == labels[j] ? 1.0f : 0.0f));
  BOOST_TEST(sg::data::class_counts(labels, 4) == (std::vector<std::size_t>{1, 1, 2, 0}),
             boost::test_tools::per_element());
  BOOST_TEST(sg::test::message_of<sg::format_error>([&] { sg::data::one_hot(labels, 2); }) ==
             "sample 0: class label in [0, 2) expected, found 2");
  const std::vector<std::int32_t> negative = {0, -1};
  BOOST_CHECK_THROW(sg::data::class_counts(negative, 2), sg::format_error);
  BOOST_TEST(sg::data::class_counts(small(7)) == (std::vector<std::size_t>{3, 2, 2}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
