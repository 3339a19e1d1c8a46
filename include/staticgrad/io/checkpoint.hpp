// staticgrad/io/checkpoint.hpp - save and load training state in a versioned, checksummed binary file.
//
// A checkpoint holds what resuming needs: the parameters (named tensors), the optimiser's state and step
// counts (overall and per parameter slice), the epoch, step, seed and RNG words, the training history
// so far, and free key-value strings (for example the input normaliser). The byte layout is in
// docs/checkpoints.md. Loading validates the whole file before returning, and
// check_compatible() validates it against a model before anything is copied into the model, so a bad
// file never leaves a model half-loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "staticgrad/train/history.hpp"

namespace sg {

// The current format version, written by save_checkpoint. load_checkpoint reads it and every older one
// from oldest_checkpoint_format_version on; version 1 has no per-slice step counts and no history (they
// load empty: the single optimiser step count then applies to every slice).
inline constexpr std::uint32_t checkpoint_format_version = 2;
inline constexpr std::uint32_t oldest_checkpoint_format_version = 1;

// How a tensor's elements are stored: IEEE 754 binary32 or binary64, little-endian.
enum class ElementType : std::uint32_t { float32 = 1, float64 = 2 };

// One named rows x cols tensor, column-major like sg::Matrix. Contract (checked by save_checkpoint):
// the name is 1 to 1024 bytes without control characters, and the data holds rows * cols values.
struct TensorRecord {
  std::string name;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::variant<std::vector<float>, std::vector<double>> data;

  ElementType element_type() const {
    return data.index() == 0 ? ElementType::float32 : ElementType::float64;
  }
  // The values as T; throws sg::format_error naming the tensor when they are stored as the other type.
  template <class T>
  std::span<const T> values() const;
};

// How many optimiser steps one parameter slice ("fc1.W") was trainable in: its t in the bias corrections.
struct SliceStepCount {
  std::string name;
  std::uint64_t steps = 0;
  bool operator==(const SliceStepCount&) const = default;
};

// Where training stood. rng_state holds whatever words the trainer needs to continue its random streams
// (with counter-based random numbers, typically the shuffle epoch and the dropout step).
//
// Contract (checked by save_checkpoint and load_checkpoint): slice names are 1 to 1024 bytes without
// control characters and unique, each slice count is at most optimizer_steps; history epochs are at least
// 1, strictly increasing and at most `epoch`; metric names follow the rule of slice names. A history
// record's `seconds` is not stored (wall-clock time would make checkpoints of identical runs differ) and
// loads as NaN.
struct CheckpointMeta {
  std::uint64_t epoch = 0;
  std::uint64_t step = 0;
  std::uint64_t seed = 0;
  std::vector<std::uint64_t> rng_state = {};
  std::string optimizer = {};         // the optimiser's name ("adam"), empty when none is saved
  std::uint64_t optimizer_steps = 0;  // the optimiser's step_count()
  // The optimiser's slice_steps() by slice name; empty: every slice has optimizer_steps (version 1).
  std::vector<SliceStepCount> optimizer_slice_steps = {};
  std::vector<EpochRecord> history = {};  // the epochs trained so far, as fit recorded them
};

struct Checkpoint {
  std::uint32_t format_version = checkpoint_format_version;  // as read by load_checkpoint; written: current
  std::uint64_t fingerprint = 0;  // a hash of the network's type: ops, extents, parameter names
  std::string architecture;       // the same, readable: shown when the fingerprints differ
  CheckpointMeta meta;
  std::vector<TensorRecord> tensors;          // parameters (and buffers such as batch-norm averages)
  std::vector<TensorRecord> optimizer_state;  // e.g. "v" and "s" for Adam
  std::map<std::string, std::string> attributes;
};

// What a model expects to find: a name, a shape and an element type.
struct TensorSpec {
  std::string_view name;
  std::size_t rows = 0;
  std::size_t cols = 0;
  ElementType type = ElementType::float32;
};

// Writes `checkpoint` to `path` atomically (see write_file_atomically): after a crash `path` holds the
// previous checkpoint or the new one, never part of one. Throws sg::shape_error when a record's data does
// not hold rows * cols values, sg::format_error when a name is invalid or repeated or the meta breaks its
// contract, sg::io_error when the file cannot be written; `path` is untouched on any throw. Always writes
// the current version (checkpoint.format_version is ignored).
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// Reads and validates the whole file: magic, version (1 or 2), every length and count against the bytes
// that remain, every CRC32, names (non-empty, unique within their list), the CheckpointMeta contract, and
// nothing after the end. Throws
// sg::io_error naming the path when it cannot be read and sg::format_error naming the path, the byte
// offset, and what was expected against what was found otherwise.
Checkpoint load_checkpoint(const std::string& path);

// Checks that `checkpoint` fits a model with `fingerprint` and exactly the tensors in `expected` (any
// order), and throws sg::format_error naming the first mismatch: the architecture, a missing tensor, a
// shape (`tensor "fc2.W": expected shape 128x256, found 64x256`), an element type, or an extra tensor.
void check_compatible(const Checkpoint& checkpoint, std::uint64_t fingerprint,
                      std::span<const TensorSpec> expected);

// The same for the optimiser part: its name and its state records.
void check_optimizer_state(const Checkpoint& checkpoint, std::string_view optimizer,
                           std::span<const TensorSpec> expected);

extern template std::span<const float> TensorRecord::values<float>() const;
extern template std::span<const double> TensorRecord::values<double>() const;

}  // namespace sg
