// Fashion-MNIST: finding and loading it, from a generated stand-in and (when installed) the real files.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "data/helpers.hpp"
#include "staticgrad/core/error.hpp"
#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/data/labels.hpp"

BOOST_AUTO_TEST_SUITE(fashion_mnist)

BOOST_AUTO_TEST_CASE(loads_a_directory_of_the_four_files) {
  sg::test::TempDir dir;
  // A stand-in with the real names: gzip for the training files, plain for the test files.
  sg::test::write_file(dir / "train-images-idx3-ubyte.gz",
                       sg::test::gzip_stored(sg::test::idx_images(3, 28, 28)));
  sg::test::write_file(dir / "train-labels-idx1-ubyte.gz",
                       sg::test::gzip_stored(sg::test::idx_labels({9, 0, 3})));
  sg::test::write_file(dir / "t10k-images-idx3-ubyte", sg::test::idx_images(2, 28, 28));
  BOOST_TEST(!sg::data::find_fashion_mnist(dir.path()));  // one file missing
  sg::test::write_file(dir / "t10k-labels-idx1-ubyte", sg::test::idx_labels({1, 2}));
  BOOST_TEST((sg::data::find_fashion_mnist(dir.path()) == dir.path()));
  const auto fm = sg::data::load_fashion_mnist(dir.path());
  BOOST_TEST(fm.train.size() == 3u);
  BOOST_TEST(fm.test.size() == 2u);
  BOOST_TEST(fm.train.num_classes == 10u);  // given, not inferred from the labels present
  BOOST_TEST(fm.test.num_classes == 10u);
  BOOST_TEST(fm.train.labels[0] == 9);
}

BOOST_AUTO_TEST_CASE(absence_says_how_to_install_it) {
  sg::test::TempDir dir;
  const std::string what =
      sg::test::message_of<sg::io_error>([&] { sg::data::load_fashion_mnist(dir.path()); });
  BOOST_TEST(what.find("apt-get install dataset-fashion-mnist") != std::string::npos, what);
  BOOST_TEST(what.find(dir.path().string()) != std::string::npos, what);
}

BOOST_AUTO_TEST_CASE(class_names) {
  const auto& names = sg::data::fashion_mnist_class_names();
  BOOST_TEST(names[0] == "T-shirt/top");
  BOOST_TEST(names[9] == "Ankle boot");
}

BOOST_AUTO_TEST_CASE(the_real_data_set_when_installed) {
  const auto dir = sg::data::find_fashion_mnist();
  if (!dir) {
    BOOST_TEST_MESSAGE(
        "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): test skipped");
    return;
  }
  const auto fm = sg::data::load_fashion_mnist();
  BOOST_TEST(fm.train.size() == 60000u);
  BOOST_TEST(fm.test.size() == 10000u);
  BOOST_TEST(fm.train.features() == 784u);
  BOOST_TEST(fm.train.image_rows == 28u);
  BOOST_TEST(fm.train.image_cols == 28u);
  // Balanced classes: 6000 and 1000 of each.
  for (auto n : sg::data::class_counts(fm.train)) BOOST_TEST(n == 6000u);
  for (auto n : sg::data::class_counts(fm.test)) BOOST_TEST(n == 1000u);
  const auto [lo, hi] = std::minmax_element(fm.train.x.data(), fm.train.x.data() + fm.train.x.size());
  BOOST_TEST(*lo == 0.0f);
  BOOST_TEST(*hi == 1.0f);
}

BOOST_AUTO_TEST_SUITE_END()
