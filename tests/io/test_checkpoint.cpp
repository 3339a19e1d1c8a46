// Checkpoints: round trip, and every way a file can be damaged is rejected with a precise message.
#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/test/unit_test.hpp>

#include "staticgrad/core/error.hpp"
#include "staticgrad/io/atomic_file.hpp"
#include "staticgrad/io/checkpoint.hpp"
#include "support/checkpoint_bytes.hpp"

namespace fs = std::filesystem;

namespace {

// A fresh folder per test, removed afterwards.
struct TempFolder {
  fs::path path;
  TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "sg-checkpoint-XXXXXX").string();
    path = ::mkdtemp(pattern.data());
  }
  ~TempFolder() { fs::remove_all(path); }
};

sg::Checkpoint small_checkpoint() {
  // docs/checkpoints.md quotes this block as laid out here.
  // clang-format off
  // [snippet:checkpoint_build]
  sg::Checkpoint c;
  c.fingerprint = 0x5eed'f00d'cafe'0001ull;
  c.architecture = "dense<2,3> -> relu -> dense<3,1> -> sigmoid";
  c.meta = {.epoch = 7, .step = 700, .seed = 42, .rng_state = {7, 123456789},
            .optimizer = "adam", .optimizer_steps = 700,
            .optimizer_slice_steps = {{"fc1.W", 700}, {"fc1.b", 300}},  // fc1.b was frozen for 400 steps
            .history = {{.epoch = 6, .train_cost = 0.25, .dev_cost = 0.5,
                         .metrics = {{"dev_accuracy", 0.875}}, .learning_rate = 1e-3},
                        {.epoch = 7, .train_cost = 0.125, .dev_cost = 0.375,
                         .metrics = {{"dev_accuracy", 0.9}}, .learning_rate = 5e-4}}};
  c.tensors.push_back({"fc1.W", 3, 2, std::vector<float>{0.5f, -1.f, 2.f, 0.25f, 1e-3f, -7.f}});
  c.tensors.push_back({"fc1.b", 3, 1, std::vector<float>{0.f, 0.1f, -0.1f}});
  c.optimizer_state.push_back({"v", 9, 1, std::vector<float>(9, 0.01f)});
  c.optimizer_state.push_back({"s", 9, 1, std::vector<float>(9, 1e-4f)});
  c.attributes["normalizer"] = "mean=0.1307 std=0.3081";
  // [snippet:checkpoint_build]
  // clang-format on
  return c;
}

std::vector<char> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const fs::path& p, const std::vector<char>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The message of the sg::format_error that loading `p` throws ("" when it loads).
std::string load_error(const fs::path& p) {
  try {
    sg::load_checkpoint(p);
  } catch (const sg::format_error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(checkpoint)

BOOST_AUTO_TEST_CASE(round_trip_keeps_everything) {
  TempFolder dir;
  const sg::Checkpoint c = small_checkpoint();
  // [snippet:checkpoint_round_trip]
  sg::save_checkpoint(dir.path / "model.sgck", c);
  const sg::Checkpoint back = sg::load_checkpoint(dir.path / "model.sgck");
  // [snippet:checkpoint_round_trip]
  BOOST_TEST(back.fingerprint == c.fingerprint);
  BOOST_TEST(back.architecture == c.architecture);
  BOOST_TEST(back.meta.epoch == 7u);
  BOOST_TEST(back.meta.step == 700u);
  BOOST_TEST(back.meta.seed == 42u);
  BOOST_TEST(back.meta.rng_state == c.meta.rng_state);
  BOOST_TEST(back.meta.optimizer == "adam");
  BOOST_TEST(back.meta.optimizer_steps == 700u);
  BOOST_TEST((back.meta.optimizer_slice_steps == c.meta.optimizer_slice_steps));
  BOOST_REQUIRE(back.meta.history.size() == 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    const sg::EpochRecord &r = back.meta.history[k], &e = c.meta.history[k];
    BOOST_TEST(r.epoch == e.epoch);
    BOOST_TEST(r.train_cost == e.train_cost);
    BOOST_TEST(r.dev_cost == e.dev_cost);
    BOOST_TEST(r.learning_rate == e.learning_rate);
    BOOST_TEST((r.metrics == e.metrics));
    BOOST_TEST(std::isnan(r.seconds));  // wall-clock time is not stored
  }
  BOOST_TEST(back.format_version == sg::checkpoint_format_version);
  BOOST_TEST(back.attributes == c.attributes);
  BOOST_REQUIRE(back.tensors.size() == 2u);
  BOOST_REQUIRE(back.optimizer_state.size() == 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    BOOST_TEST(back.tensors[k].name == c.tensors[k].name);
    BOOST_TEST(back.tensors[k].rows == c.tensors[k].rows);
    BOOST_TEST(back.tensors[k].cols == c.tensors[k].cols);
    BOOST_TEST((back.tensors[k].data == c.tensors[k].data));
    BOOST_TEST((back.optimizer_state[k].data == c.optimizer_state[k].data));
  }
  BOOST_CHECK_THROW(back.tensors[0].values<double>(), sg::format_error);
  BOOST_TEST(back.tensors[0].values<float>()[2] == 2.f);
  // The size the byte table in docs/checkpoints.md predicts: header 24 + architecture 4+43, metadata
  // 8+8+8 + 4+2*8 + 4+4 + 8, slice step counts 4 + 2*(4+5 + 8), history 4 + 2*(36 + 4+12 + 8),
  // attributes 4 + (4+10 + 4+22), records 4 + sum(36 + name + data) twice, file CRC 4, end marker 8.
  const std::size_t training = (4 + 2 * 17) + (4 + 2 * 60);
  const std::size_t records = 4 + (36 + 5 + 24) + (36 + 5 + 12) + 4 + (36 + 1 + 36) + (36 + 1 + 36);
  BOOST_TEST(fs::file_size(dir.path / "model.sgck") ==
             24 + 47 + 24 + 20 + 8 + 8 + training + 44 + records + 12);
  BOOST_TEST(fs::file_size(dir.path / "model.sgck") == 621u);
  // Nothing but the checkpoint is left in the folder.
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(double_tensors_and_empty_lists_round_trip) {
  TempFolder dir;
  sg::Checkpoint c;
  c.tensors.push_back({"theta", 2, 2, std::vector<double>{1.0 / 3, -0.0, 1e300, 5e-324}});
  c.tensors.push_back({"empty", 0, 4, std::vector<double>{}});
  sg::save_checkpoint(dir.path / "c", c);
  const sg::Checkpoint back = sg::load_checkpoint(dir.path / "c");
  BOOST_TEST((back.tensors[0].data == c.tensors[0].data));
  BOOST_TEST(back.tensors[1].rows == 0u);
  BOOST_TEST(back.tensors[1].cols == 4u);
  BOOST_TEST(back.optimizer_state.empty());
}

BOOST_AUTO_TEST_CASE(every_truncation_is_rejected) {
  TempFolder dir;
  sg::save_checkpoint(dir.path / "full", small_checkpoint());
  const std::vector<char> full = read_bytes(dir.path / "full");
  for (std::size_t n = 0; n < full.size(); ++n) {
    write_bytes(dir.path / "cut", std::vector<char>(full.begin(), full.begin() + static_cast<long>(n)));
    const std::string message = load_error(dir.path / "cut");
    BOOST_TEST_INFO("truncated to " << n << " bytes");
    BOOST_TEST(contains(message, "truncated"), message);
  }
  std::vector<char> longer = full;
  longer.push_back('\0');
  write_bytes(dir.path / "long", longer);
  BOOST_TEST(contains(load_error(dir.path / "long"), "unexpected bytes after the end"));
}

BOOST_AUTO_TEST_CASE(flipped_magic_is_rejected) {
  TempFolder dir;
  sg::save_checkpoint(dir.path / "c", small_checkpoint());
  std::vector<char> bytes = read_bytes(dir.path / "c");
  bytes[1] = 'X';
  write_bytes(dir.path / "c", bytes);
  const std::string message = load_error(dir.path / "c");
  BOOST_TEST(contains(message, "byte 0: not a staticgrad checkpoint"), message);
  BOOST_TEST(contains(message, "expected 53 47 43 4B 50 54 1A 0A, found 53 58 43"), message);
  BOOST_TEST(contains(message, (dir.path / "c").string()), message);
}

BOOST_AUTO_TEST_CASE(other_version_is_rejected) {
  TempFolder dir;
  sg::save_checkpoint(dir.path / "c", small_checkpoint());
  std::vector<char> bytes = read_bytes(dir.path / "c");
  for (char version : {'\0', '\3'}) {
    bytes[8] = version;
    write_bytes(dir.path / "c", bytes);
    const std::string message = load_error(dir.path / "c");
    BOOST_TEST(
        contains(message, fmt::format("byte 8: format version expected 1 to 2, found {}", int(version))),
        message);
  }
}

BOOST_AUTO_TEST_CASE(version_1_files_still_load) {
  // A file as version 1 wrote it (no per-slice step counts, no history) loads with those two empty:
  // the single optimiser step count then applies to every slice. Everything else is as saved.
  TempFolder dir;
  sg::Checkpoint c = small_checkpoint();
  sg::save_checkpoint(dir.path / "v2", c);
  write_bytes(dir.path / "v1", sg_test::as_version_1(read_bytes(dir.path / "v2")));
  BOOST_TEST(fs::file_size(dir.path / "v1") == fs::file_size(dir.path / "v2") - (4 + 2 * 17) - (4 + 2 * 60));
  const sg::Checkpoint back = sg::load_checkpoint(dir.path / "v1");
  BOOST_TEST(back.format_version == 1u);
  BOOST_TEST(back.meta.optimizer_slice_steps.empty());
  BOOST_TEST(back.meta.history.empty());
  BOOST_TEST(back.meta.epoch == 7u);
  BOOST_TEST(back.meta.optimizer_steps == 700u);
  BOOST_TEST(back.attributes == c.attributes);
  BOOST_REQUIRE(back.optimizer_state.size() == 2u);
  BOOST_TEST((back.optimizer_state[1].data == c.optimizer_state[1].data));
  // Saving it again writes the current version.
  sg::save_checkpoint(dir.path / "again", back);
  BOOST_TEST(sg::load_checkpoint(dir.path / "again").format_version == sg::checkpoint_format_version);
}

BOOST_AUTO_TEST_CASE(inconsistent_step_counts_and_history_are_rejected) {
  TempFolder dir;
  sg::save_checkpoint(dir.path / "good", small_checkpoint());
  const std::vector<char> good = read_bytes(dir.path / "good");
  const std::size_t slices_at = sg_test::slice_steps_offset(good);
  // fc1.b's count (the second entry: after 4 + (4+5+8) bytes and its own name) set to 701 > 700, the
  // file CRC recomputed so that the reader gets to the check.
  {
    std::vector<char> bytes = good;
    const std::size_t entry_at = slices_at + 4 + 17;
    sg_test::write_le(bytes, entry_at + 4 + 5, 701, 8);
    sg_test::fix_file_crc(bytes);
    write_bytes(dir.path / "c", bytes);
    const std::string message = load_error(dir.path / "c");
    BOOST_TEST(contains(message, (dir.path / "c").string()), message);
    BOOST_TEST(contains(message, fmt::format("byte {}: optimizer slice step count 1 (\"fc1.b\") step count "
                                             "expected at most 700 (the optimizer's), found 701",
                                             entry_at)),
               message);
  }
  // The second history record's epoch set to 6, the same as the first's.
  {
    std::vector<char> bytes = good;
    const std::size_t record_at = slices_at + (4 + 2 * 17) + 4 + 60;
    BOOST_REQUIRE(sg_test::read_le(bytes, record_at, 8) == 7u);
    sg_test::write_le(bytes, record_at, 6, 8);
    sg_test::fix_file_crc(bytes);
    write_bytes(dir.path / "c", bytes);
    const std::string message = load_error(dir.path / "c");
    BOOST_TEST(
        contains(message, fmt::format("byte {}: history record 1: epoch expected 7 to 7 (after epoch 6, "
                                      "at most the checkpoint's epoch 7), found 6",
                                      record_at)),
        message);
  }
  // Without the recomputed CRC the same change is caught as corruption.
  {
    std::vector<char> bytes = good;
    sg_test::write_le(bytes, slices_at + (4 + 2 * 17) + 4 + 60 + 8, 0x7ff8000000000000ull, 8);  // cost: NaN
    write_bytes(dir.path / "c", bytes);
    BOOST_TEST(contains(load_error(dir.path / "c"), "file CRC32 mismatch"));
  }
  // The writer applies the same rules and writes nothing.
  auto save_error = [&](const sg::Checkpoint& c) -> std::string {
    try {
      sg::save_checkpoint(dir.path / "good", c);
    } catch (const sg::format_error& e) {
      return e.what();
    }
    return "";
  };
  sg::Checkpoint c = small_checkpoint();
  c.meta.optimizer_slice_steps[1].name = "fc1.W";
  BOOST_TEST(save_error(c) == "save_checkpoint: optimizer slice \"fc1.W\" appears twice");
  c = small_checkpoint();
  c.meta.history[1].epoch = 8;
  BOOST_TEST(save_error(c) ==
             "save_checkpoint: history record of epoch 8: epoch expected 7 to 7 (after epoch 6, "
             "at most the checkpoint's epoch 7), found 8");
  c = small_checkpoint();
  c.meta.history[0].epoch = 0;
  BOOST_TEST(contains(save_error(c), "epoch expected 1 to 7"));
  c = small_checkpoint();
  c.meta.history[0].metrics["bad\nname"] = 1;
  BOOST_TEST(contains(save_error(c), "metric \"bad\nname\" has a name with control character 0x0A"));
  BOOST_TEST((read_bytes(dir.path / "good") == good));
}

BOOST_AUTO_TEST_CASE(corrupted_data_byte_fails_its_crc) {
  TempFolder dir;
  sg::save_checkpoint(dir.path / "c", small_checkpoint());
  std::vector<char> bytes = read_bytes(dir.path / "c");
  // A data byte of "fc1.b": find its name and skip the rest of the record header (rows 8, cols 8,
  // type 4, CRC 4, byte count 8).
  const std::string name = "fc1.b";  // the last occurrence: the first is its optimizer slice step count
  const auto at = std::find_end(bytes.begin(), bytes.end(), name.begin(), name.end()) - bytes.begin();
  const long data_at = at + static_cast<long>(name.size()) + 8 + 8 + 4 + 4 + 8;
  bytes[static_cast<std::size_t>(data_at + 5)] ^= 0x10;
  write_bytes(dir.path / "c", bytes);
  const std::string message = load_error(dir.path / "c");
  BOOST_TEST(contains(message, "byte " + std::to_string(data_at) + ": tensor \"fc1.b\": CRC32 mismatch"), message);
}

BOOST_AUTO_TEST_CASE(corrupted_metadata_fails_the_file_crc) {
  TempFolder dir;
  sg::save_checkpoint(dir.path / "c", small_checkpoint());
  std::vector<char> bytes = read_bytes(dir.path / "c");
  bytes[16] ^= 0x01;  // the fingerprint's low byte
  write_bytes(dir.path / "c", bytes);
  BOOST_TEST(contains(load_error(dir.path / "c"), "file CRC32 mismatch"));
}

BOOST_AUTO_TEST_CASE(impossible_lengths_are_rejected_before_allocating) {
  TempFolder dir;
  sg::save_checkpoint(dir.path / "c", small_checkpoint());
  std::vector<char> bytes = read_bytes(dir.path / "c");
  bytes[24] = bytes[25] = bytes[26] = bytes[27] = '\xff';  // the architecture string's length: 4 GiB
  write_bytes(dir.path / "c", bytes);
  const std::string message = load_error(dir.path / "c");
  BOOST_TEST(contains(message, "byte 28: truncated: the architecture description needs 4294967295 bytes"),
             message);
}

BOOST_AUTO_TEST_CASE(compatibility_names_the_first_mismatch) {
  const sg::Checkpoint c = small_checkpoint();
  const std::vector<sg::TensorSpec> model{{"fc1.W", 3, 2}, {"fc1.b", 3, 1}};
  BOOST_CHECK_NO_THROW(sg::check_compatible(c, c.fingerprint, model));
  auto message_of = [&](std::uint64_t fingerprint, const std::vector<sg::TensorSpec>& specs) -> std::string {
    try {
      sg::check_compatible(c, fingerprint, specs);
    } catch (const sg::format_error& e) {
      return e.what();
    }
    return "";
  };
  const std::string wrong_architecture = message_of(1, model);
  BOOST_TEST(contains(wrong_architecture, "fingerprint expected 0000000000000001, found 5eedf00dcafe0001"),
             wrong_architecture);
  BOOST_TEST(contains(wrong_architecture, c.architecture), wrong_architecture);
  BOOST_TEST(message_of(c.fingerprint, {{"fc1.W", 128, 2}, {"fc1.b", 3, 1}}) ==
             "tensor \"fc1.W\": expected shape 128x2, found 3x2");
  BOOST_TEST(message_of(c.fingerprint, {{"fc1.W", 3, 2}, {"fc2.W", 3, 1}, {"fc1.b", 3, 1}}) ==
             "tensor \"fc2.W\": expected in the checkpoint, not found");
  BOOST_TEST(message_of(c.fingerprint, {{"fc1.W", 3, 2}}) ==
             "tensor \"fc1.b\": in the checkpoint but not expected");
  BOOST_TEST(message_of(c.fingerprint, {{"fc1.W", 3, 2, sg::ElementType::float64}, {"fc1.b", 3, 1}}) ==
             "tensor \"fc1.W\": expected float64 elements, found float32");
  const std::vector<sg::TensorSpec> adam_state{{"v", 9, 1}, {"s", 9, 1}};
  BOOST_CHECK_NO_THROW(sg::check_optimizer_state(c, "adam", adam_state));
  BOOST_CHECK_THROW(sg::check_optimizer_state(c, "rmsprop", adam_state), sg::format_error);
}

BOOST_AUTO_TEST_CASE(invalid_records_are_not_written) {
  TempFolder dir;
  sg::Checkpoint c = small_checkpoint();
  sg::save_checkpoint(dir.path / "c", c);
  c.tensors[0].rows = 4;  // 4x2 but 6 values
  BOOST_CHECK_THROW(sg::save_checkpoint(dir.path / "c", c), sg::shape_error);
  c = small_checkpoint();
  c.tensors[1].name = "fc1.W";
  BOOST_CHECK_THROW(sg::save_checkpoint(dir.path / "c", c), sg::format_error);
  c.tensors[1].name = "";
  BOOST_CHECK_THROW(sg::save_checkpoint(dir.path / "c", c), sg::format_error);
  BOOST_TEST(load_error(dir.path / "c") == "");  // the first checkpoint is still there and valid
}

BOOST_AUTO_TEST_CASE(crash_while_writing_keeps_the_old_checkpoint) {
  // A child process starts to write a large checkpoint over a good one and is killed mid-write: a file
  // size limit makes the kernel send SIGXFSZ once the temporary file reaches 64 KiB.
  TempFolder dir;
  const fs::path path = dir.path / "model.sgck";
  sg::save_checkpoint(path, small_checkpoint());
  const std::vector<char> before = read_bytes(path);
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    const rlimit no_core{0, 0}, small{1 << 16, 1 << 16};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::setrlimit(RLIMIT_FSIZE, &small);
    ::signal(SIGXFSZ, SIG_DFL);  // the test framework may have installed its own handler
    sg::Checkpoint big = small_checkpoint();
    big.tensors.push_back({"big", 1000, 100, std::vector<float>(100000, 1.f)});
    try {
      sg::save_checkpoint(path, big);
    } catch (...) {
      ::_exit(3);  // a write error instead of the signal: still a failed save
    }
    ::_exit(0);  // must not happen: the file is larger than the limit
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  BOOST_TEST((WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 3)));
  BOOST_TEST((read_bytes(path) == before));
  BOOST_TEST(load_error(path) == "");
  // The killed writer left its temporary file; the next save succeeds, replaces the checkpoint and
  // removes that file (its process is gone).
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 2);
  sg::Checkpoint next = small_checkpoint();
  next.meta.epoch = 8;
  sg::save_checkpoint(path, next);
  BOOST_TEST(sg::load_checkpoint(path).meta.epoch == 8u);
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(stray_temporary_files_are_removed_on_the_next_save) {
  TempFolder dir;
  const fs::path path = dir.path / "model.sgck";
  // A pid that is certainly not running: a child that has exited and been reaped.
  const pid_t child = ::fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  auto touch = [&](const std::string& name) {
    std::ofstream(dir.path / name) << "half a checkpoint";
    return dir.path / name;
  };
  const fs::path dead = touch(fmt::format("model.sgck.tmp-{}-0", child));
  const fs::path dead_too = touch(fmt::format("model.sgck.tmp-{}-17", child));
  // This process's pid with a k no write of this process uses: an earlier process with the same pid.
  const fs::path same_pid = touch(fmt::format("model.sgck.tmp-{}-4000000000", ::getpid()));
  // Kept: a running writer (the parent, e.g. ctest), another target's file, names of another form.
  const fs::path running = touch(fmt::format("model.sgck.tmp-{}-3", ::getppid()));
  const fs::path other_target = touch(fmt::format("other.sgck.tmp-{}-0", child));
  const fs::path not_ours = touch("model.sgck.tmp-notes");
  const fs::path no_k = touch(fmt::format("model.sgck.tmp-{}", child));
  const fs::path signed_pid = touch(fmt::format("model.sgck.tmp-+{}-0", child));

  // What the next save would remove, without saving:
  std::vector<std::string> expected{dead.string(), dead_too.string(), same_pid.string()};
  std::sort(expected.begin(), expected.end());  // the function returns them in name order
  BOOST_TEST((sg::remove_stray_temporary_files(path) == expected));
  for (const fs::path& p : {dead, dead_too, same_pid}) BOOST_TEST(!fs::exists(p), p);
  // And a save does the same: a new stray file is gone after it, the others stay.
  const fs::path dead_again = touch(fmt::format("model.sgck.tmp-{}-1", child));
  sg::save_checkpoint(path, small_checkpoint());
  BOOST_TEST(!fs::exists(dead_again));
  BOOST_TEST(load_error(path) == "");
  for (const fs::path& p : {running, other_target, not_ours, no_k, signed_pid}) BOOST_TEST(fs::exists(p), p);
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 6);
  // A folder that cannot be read is no error: nothing is removed.
  BOOST_TEST(sg::remove_stray_temporary_files(dir.path / "no-folder" / "model.sgck").empty());
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_io_error_naming_the_path) {
  TempFolder dir;
  const fs::path path = dir.path / "no-such.sgck";
  try {
    sg::load_checkpoint(path);
    BOOST_FAIL("loading a missing file did not throw");
  } catch (const sg::io_error& e) {
    BOOST_TEST(contains(e.what(), path.string()), e.what());
    BOOST_TEST(contains(e.what(), "No such file"), e.what());
  }
  BOOST_CHECK_THROW(sg::save_checkpoint(dir.path / "no-folder" / "c.sgck", small_checkpoint()), sg::io_error);
}

BOOST_AUTO_TEST_SUITE_END()
