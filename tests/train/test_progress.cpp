// Progress: one line per epoch off a terminal, a throttled live line on one, nothing when quiet.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "staticgrad/train/progress.hpp"

namespace {

// Everything written to a tmpfile so far.
std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s += static_cast<char>(c);
  return s;
}

std::size_t count(const std::string& s, std::string_view part) {
  std::size_t n = 0;
  for (std::size_t at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
  return n;
}

// Two epochs of `batches` mini-batches of 64 samples.
void train(sg::ProgressReporter& progress, std::size_t batches) {
  progress.begin_training(2);
  for (std::size_t e = 1; e <= 2; ++e) {
    progress.begin_epoch(e, batches, batches * 64);
    for (std::size_t b = 1; b <= batches; ++b) progress.batch_done(b, 64, 1.0 / static_cast<double>(b));
    progress.end_epoch({.epoch = e, .train_cost = 0.5 / static_cast<double>(e), .dev_cost = 0.6,
                        .metrics = {{"dev_accuracy", 0.875}}, .learning_rate = 1e-3, .seconds = 12.34});
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(progress)

BOOST_AUTO_TEST_CASE(a_file_gets_exactly_one_line_per_epoch) {
  std::FILE* f = std::tmpfile();
  sg::ProgressReporter progress(f);  // automatic: a tmpfile is not a terminal
  BOOST_TEST((progress.mode() == sg::ProgressMode::lines));
  train(progress, 100);
  BOOST_TEST(contents(f) ==
             "epoch 1/2  train_cost 0.5  dev_cost 0.6  dev_accuracy 0.875  lr 0.001  12.3 s\n"
             "epoch 2/2  train_cost 0.25  dev_cost 0.6  dev_accuracy 0.875  lr 0.001  12.3 s\n");
  std::fclose(f);
}

BOOST_AUTO_TEST_CASE(live_mode_redraws_in_place_and_is_throttled) {
  std::FILE* f = std::tmpfile();
  sg::ProgressReporter progress(f, {.mode = sg::ProgressMode::live, .redraws_per_second = 10});
  train(progress, 2000);  // 2000 batches in far less than a tenth of a second
  const std::string s = contents(f);
  // Per epoch: the first batch, the last batch (at most one more if the machine stalls), and the summary.
  BOOST_TEST(count(s, "\r\x1b[K") <= 2u * 4u);
  BOOST_TEST(count(s, "\r\x1b[K") >= 2u * 3u);
  BOOST_TEST(count(s, "\n") == 2u);
  BOOST_TEST(s.find("epoch 1/2 [") != std::string::npos);
  BOOST_TEST(s.find("2000/2000") != std::string::npos);
  BOOST_TEST(s.find("samples/s  ETA 0:00  cost 0.0005") != std::string::npos);
  BOOST_TEST(s.find("\r\x1b[Kepoch 2/2  train_cost 0.25") != std::string::npos);
  std::fclose(f);
}

BOOST_AUTO_TEST_CASE(quiet_mode_prints_nothing) {
  std::FILE* f = std::tmpfile();
  sg::ProgressReporter progress(f, {.mode = sg::ProgressMode::quiet});
  train(progress, 10);
  progress.message("early stopping");
  BOOST_TEST(contents(f).empty());
  std::fclose(f);
}

BOOST_AUTO_TEST_CASE(messages_and_missing_costs) {
  std::FILE* f = std::tmpfile();
  sg::ProgressReporter progress(f, {.mode = sg::ProgressMode::lines});
  progress.begin_training(10);
  progress.message("restoring the weights of epoch 3");
  progress.end_epoch({.epoch = 4, .train_cost = 0.125, .learning_rate = 0.01, .seconds = 0.5});
  BOOST_TEST(contents(f) == "restoring the weights of epoch 3\nepoch 4/10  train_cost 0.125  lr 0.01  0.5 s\n");
  std::fclose(f);
}

BOOST_AUTO_TEST_SUITE_END()
