// The examples quoted in docs/data.md and docs/splits.md, run as tests; the last case checks that the
// docs quote them (and their outputs) exactly.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "data/helpers.hpp"
#include "data/snippets.hpp"
#include "staticgrad/core/error.hpp"
#include "staticgrad/data/augment.hpp"
#include "staticgrad/data/csv.hpp"
#include "staticgrad/data/fashion_mnist.hpp"
#include "staticgrad/data/idx.hpp"
#include "staticgrad/data/labels.hpp"
#include "staticgrad/data/normalizer.hpp"
#include "staticgrad/data/split.hpp"

namespace {

std::map<std::string, std::string>& outputs() {
  static std::map<std::string, std::string> o;
  return o;
}

// m images of rows x cols with pixels in [0, 1] and labels j % classes.
sg::data::Dataset images(std::size_t m, std::size_t rows = 8, std::size_t cols = 8,
                         std::size_t classes = 10) {
  sg::data::Dataset ds;
  ds.x.resize(rows * cols, m);
  for (std::size_t k = 0; k < ds.x.size(); ++k) ds.x[k] = static_cast<float>(k * 37 % 101) / 100.0f;
  for (std::size_t j = 0; j < m; ++j) ds.labels.push_back(static_cast<std::int32_t>(j % classes));
  ds.num_classes = classes;
  ds.image_rows = rows;
  ds.image_cols = cols;
  return ds;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(docs_data)

BOOST_AUTO_TEST_CASE(load_fashion_mnist) {
  if (!sg::data::find_fashion_mnist()) {
    BOOST_TEST_MESSAGE("Fashion-MNIST is not installed: docs example skipped");
    return;
  }
  // [snippet:load_fashion_mnist]
  // Finds /usr/share/datasets/fashion-mnist (or $STATICGRAD_FASHION_MNIST); throws sg::io_error saying
  // `apt-get install dataset-fashion-mnist` when it is absent.
  sg::data::FashionMnist fm = sg::data::load_fashion_mnist();
  const sg::data::Dataset& train = fm.train;  // x: 784 x 60000, one image per column, pixels in [0, 1]
  const auto name = sg::data::fashion_mnist_class_names()[static_cast<std::size_t>(train.labels[0])];
  // [/snippet]
  BOOST_TEST(train.features() == 784u);
  BOOST_TEST(name == "Ankle boot");
}

BOOST_AUTO_TEST_CASE(read_files) {
  sg::test::TempDir tmp;
  const std::filesystem::path dir = tmp.path();
  sg::test::write_file(dir / "train-images-idx3-ubyte.gz",
                       sg::test::gzip_stored(sg::test::idx_images(3, 28, 28)));
  sg::test::write_file(dir / "train-labels-idx1-ubyte.gz",
                       sg::test::gzip_stored(sg::test::idx_labels({9, 0, 0})));
  sg::test::write_text(dir / "iris.csv",
                       "sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,0\n"
                       "7.0,3.2,4.7,1.4,1\n6.3,3.3,6.0,2.5,2\n");
  sg::test::write_text(dir / "broken.csv", "a,b,label\n1,2,0\n3,n/a,1\n");

  // [snippet:read_idx]
  const sg::data::Dataset train = sg::data::read_idx(dir / "train-images-idx3-ubyte.gz",
                                                     dir / "train-labels-idx1-ubyte.gz", /*num_classes=*/10);
  // [/snippet]
  BOOST_TEST(train.size() == 3u);
  // [snippet:read_csv]
  sg::data::CsvOptions options;
  options.label_name = "species";  // or by position: options.label_index = 4
  const sg::data::Dataset iris = sg::data::read_csv(dir / "iris.csv", options);
  // iris.x is 4 x 3 (features x samples), iris.num_classes == 3 (the largest label + 1)
  // [/snippet]
  BOOST_TEST(iris.features() == 4u);
  BOOST_TEST(iris.num_classes == 3u);

  std::string message;
  // [snippet:reader_error]
  try {
    sg::data::read_csv(dir / "broken.csv");
  } catch (const sg::format_error& e) {  // every reader error names file, position, expected, found
    message = e.what();
  }
  // [/snippet]
  outputs()["reader_error"] = message.substr(dir.string().size() + 1) + "\n";
  BOOST_TEST(outputs()["reader_error"] == "broken.csv:3:3: number expected, found \"n/a\"\n");
}

BOOST_AUTO_TEST_CASE(prepare_and_augment) {
  const sg::data::Dataset all = images(500);
  sg::data::Split split = sg::data::split_by_ratio(all, 0.6, 0.2, 0.2, /*seed=*/1);
  const sg::data::Dataset raw_train = split.train;

  // [snippet:normalize]
  const auto normalizer = sg::data::Normalizer::fit(split.train);  // statistics of the training set only
  normalizer.apply(split.train);
  normalizer.apply(split.dev);  // dev and test through the same transformation
  normalizer.apply(split.test);
  // A checkpoint stores normalizer.mean() and normalizer.stddev(); a later run restores them:
  const sg::data::Normalizer restored(normalizer.mean(), normalizer.stddev());
  // [/snippet]
  BOOST_TEST(restored.features() == 64u);

  // [snippet:one_hot]
  const sg::Matrix<float> y = sg::data::one_hot(split.train.labels, split.train.num_classes);  // 10 x m
  const std::vector<std::size_t> per_class = sg::data::class_counts(split.train);  // check the balance
  // [/snippet]
  BOOST_TEST(y.cols() == split.train.size());
  BOOST_TEST(per_class.size() == 10u);

  const sg::data::Dataset& train = raw_train;  // augmentation works on raw pixels
  const std::size_t batch_size = 32, steps = 5;
  const std::uint64_t seed = 42;
  // [snippet:augment]
  const sg::data::Augmentation augmentation{
      .horizontal_flip = true, .max_shift = 2, .max_rotation_degrees = 10, .noise_stddev = 0.02f};
  sg::Matrix<float> batch(train.features(), batch_size);
  for (std::uint64_t step = 0; step < steps; ++step) {
    // Copy this step's samples (raw pixels, columns of train.x) into the batch...
    for (std::size_t k = 0; k < batch_size; ++k) {
      const std::size_t j = (step * batch_size + k) % train.size();
      std::copy_n(train.x.data() + j * train.features(), train.features(),
                  batch.data() + k * train.features());
    }
    // ...augment it (a new draw every step), then normalise with the training statistics.
    sg::data::augment_batch(batch, train.image_rows, train.image_cols, augmentation, seed, step);
    normalizer.apply(batch);
    // model.forward(batch), backward, optimiser step...
  }
  // [/snippet]
  BOOST_TEST(batch.cols() == batch_size);
}

BOOST_AUTO_TEST_CASE(splits) {
  const sg::data::Dataset ds = images(1000);
  // [snippet:split_by_ratio]
  // Small data (up to tens of thousands of samples): 60% train, 20% dev, 20% test.
  const sg::data::Split s = sg::data::split_by_ratio(ds, 0.6, 0.2, 0.2, /*seed=*/7);
  // [/snippet]
  BOOST_TEST(s.dev.size() == 200u);
  // [snippet:split_by_count]
  // Big data: dev and test only need to be large enough to tell models apart, e.g. 1% each.
  const std::size_t one_percent = ds.size() / 100;
  const sg::data::Split big = sg::data::split_by_count(ds, one_percent, one_percent, /*seed=*/7);
  // [/snippet]
  BOOST_TEST(big.train.size() == 980u);
  // [snippet:carve_train_dev]
  // Hold out part of the training set, never trained on, to tell variance from data mismatch.
  const sg::data::TrainDevSplit t = sg::data::carve_train_dev(s.train, /*train_dev_count=*/60, /*seed=*/8);
  // train on t.train; measure errors on t.train, t.train_dev, s.dev (and s.test at the end)
  // [/snippet]
  BOOST_TEST(t.train_dev.size() == 60u);

  const sg::data::Dataset web = images(2000), mobile = images(200);
  // [snippet:split_mismatched]
  // 2000 web images (plentiful, but not what users send) and 200 mobile images (what the app will see).
  // Dev and test: only mobile. Training: all web images plus the remaining mobile ones.
  const sg::data::Split m =
      sg::data::split_mismatched(web, mobile, /*dev_count=*/50, /*test_count=*/50, /*seed=*/9);
  // m.train.size() == 2100, m.dev.size() == 50, m.test.size() == 50
  // [/snippet]
  BOOST_TEST(m.train.size() == 2100u);
}

// Depends on read_files, which records the outputs quoted in the docs.
BOOST_AUTO_TEST_CASE(docs_quote_the_compiled_examples,
                     *boost::unit_test::depends_on("docs_data/read_files")) {
  const std::vector<std::filesystem::path> sources = {__FILE__};
  BOOST_TEST(sg::test::check_doc(sg::test::docs_dir() / "data.md", sources, outputs()) >= 7u);
  BOOST_TEST(sg::test::check_doc(sg::test::docs_dir() / "splits.md", sources, outputs()) >= 4u);
}

BOOST_AUTO_TEST_SUITE_END()
