// The checkpoint format (docs/checkpoints.md has the byte table). Writing builds the file in memory and
// hands it to write_file_atomically; reading loads the file into memory and parses it with a cursor
// that checks every length against the bytes that remain before using it.
#include "staticgrad/io/checkpoint.hpp"

#include <filesystem>
#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <type_traits>

#include <fmt/format.h>
#include <fmt/std.h>
#include <zlib.h>

#include "staticgrad/core/error.hpp"
#include "staticgrad/io/atomic_file.hpp"

namespace sg {
namespace {

constexpr std::array<std::uint8_t, 8> magic{0x53, 0x47, 0x43, 0x4B, 0x50, 0x54, 0x1A, 0x0A};  // SGCKPT^Z\n
constexpr std::array<std::uint8_t, 8> end_marker{0x53, 0x47, 0x45, 0x4E, 0x44, 0x1A, 0x0A, 0x00};  // SGEND
constexpr std::size_t max_name_bytes = 1024;
constexpr std::size_t no_limit = 0xFFFFFFFFu;  // a string whose only bound is the file's size

std::uint32_t crc32_of(const std::uint8_t* p, std::size_t n) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  while (n > 0) {  // zlib takes a uInt length: feed large buffers in pieces
    const uInt chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
    crc = ::crc32(crc, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<std::uint32_t>(crc);
}

const char* type_name(ElementType t) { return t == ElementType::float32 ? "float32" : "float64"; }

std::string name_problem(std::string_view name) {
  if (name.empty()) return "an empty name";
  if (name.size() > max_name_bytes) return fmt::format("a name of {} bytes (at most {})", name.size(), max_name_bytes);
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7F) return fmt::format("a name with control character 0x{:02X}", c);
  return {};
}

// ---- writing ----------------------------------------------------------------------------------------

class Writer {
 public:
  void bytes(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
  }
  template <class U>
  void integer(U v) {
    for (std::size_t k = 0; k < sizeof(U); ++k) out_.push_back(static_cast<std::uint8_t>(v >> (8 * k)));
  }
  void string(std::string_view s) {
    if (s.size() > 0xFFFFFFFFu) throw format_error("a checkpoint string is longer than 4 GiB");
    integer(static_cast<std::uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  template <class T>
  void values(const std::vector<T>& v) {
    if constexpr (std::endian::native == std::endian::little) {
      bytes(v.data(), v.size() * sizeof(T));
    } else {
      using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
      for (T x : v) integer(std::bit_cast<U>(x));
    }
  }
  void real(double x) { integer(std::bit_cast<std::uint64_t>(x)); }  // bit for bit, NaN payloads too
  std::size_t size() const { return out_.size(); }
  const std::uint8_t* at(std::size_t offset) const { return out_.data() + offset; }
  std::vector<std::uint8_t>& buffer() { return out_; }

 private:
  std::vector<std::uint8_t> out_;
};

void write_records(Writer& w, const std::vector<TensorRecord>& records, const char* list) {
  std::set<std::string_view> seen;
  w.integer(static_cast<std::uint32_t>(records.size()));
  for (const TensorRecord& r : records) {
    if (const std::string problem = name_problem(r.name); !problem.empty())
      throw format_error(fmt::format("save_checkpoint: {} record \"{}\" has {}", list, r.name, problem));
    if (!seen.insert(r.name).second)
      throw format_error(fmt::format("save_checkpoint: {} record \"{}\" appears twice", list, r.name));
    const std::size_t count = std::visit([](const auto& v) { return v.size(); }, r.data);
    const bool fits = r.cols == 0 || r.rows <= SIZE_MAX / 8 / r.cols;
    if (!fits || r.rows * r.cols != count)
      throw shape_error(fmt::format("save_checkpoint: tensor \"{}\" is {}x{} but holds {} values", r.name,
                                    r.rows, r.cols, count));
    w.string(r.name);
    w.integer(static_cast<std::uint64_t>(r.rows));
    w.integer(static_cast<std::uint64_t>(r.cols));
    w.integer(static_cast<std::uint32_t>(r.element_type()));
    const std::size_t crc_at = w.size();
    w.integer(std::uint32_t{0});  // patched once the data is written
    const std::size_t byte_count = count * (r.element_type() == ElementType::float32 ? 4 : 8);
    w.integer(static_cast<std::uint64_t>(byte_count));
    const std::size_t data_at = w.size();
    std::visit([&](const auto& v) { w.values(v); }, r.data);
    const std::uint32_t crc = crc32_of(w.at(data_at), byte_count);
    for (std::size_t k = 0; k < 4; ++k) w.buffer()[crc_at + k] = static_cast<std::uint8_t>(crc >> (8 * k));
  }
}

// ---- the per-slice step counts and the history (version 2) -------------------------------------------

// How one slice count or history record breaks the CheckpointMeta contract (checkpoint.hpp), or "" when
// it keeps it: the writer and the reader apply the same rules, item by item.
std::string slice_steps_problem(const SliceStepCount& s, std::uint64_t optimizer_steps,
                                const std::set<std::string_view>& seen) {
  if (const std::string problem = name_problem(s.name); !problem.empty()) return "has " + problem;
  if (seen.count(s.name)) return "appears twice";
  if (s.steps > optimizer_steps)
    return fmt::format("step count expected at most {} (the optimizer's), found {}", optimizer_steps,
                       s.steps);
  return {};
}
std::string history_problem(const EpochRecord& r, std::uint64_t previous_epoch, std::uint64_t last_epoch) {
  if (r.epoch <= previous_epoch || r.epoch > last_epoch)
    return fmt::format(
        "epoch expected {} to {} (after epoch {}, at most the checkpoint's epoch {}), found {}",
        previous_epoch + 1, last_epoch, previous_epoch, last_epoch, r.epoch);
  return {};
}

void write_training_record(Writer& w, const CheckpointMeta& meta) {
  std::set<std::string_view> seen;
  w.integer(static_cast<std::uint32_t>(meta.optimizer_slice_steps.size()));
  for (const SliceStepCount& s : meta.optimizer_slice_steps) {
    if (const std::string problem = slice_steps_problem(s, meta.optimizer_steps, seen); !problem.empty())
      throw format_error(fmt::format("save_checkpoint: optimizer slice \"{}\" {}", s.name, problem));
    seen.insert(s.name);
    w.string(s.name);
    w.integer(s.steps);
  }
  w.integer(static_cast<std::uint32_t>(meta.history.size()));
  std::uint64_t previous = 0;
  for (const EpochRecord& r : meta.history) {
    if (const std::string problem = history_problem(r, previous, meta.epoch); !problem.empty())
      throw format_error(fmt::format("save_checkpoint: history record of epoch {}: {}", r.epoch, problem));
    previous = r.epoch;
    w.integer(static_cast<std::uint64_t>(r.epoch));
    w.real(r.train_cost);
    w.real(r.dev_cost);
    w.real(r.learning_rate);
    w.integer(static_cast<std::uint32_t>(r.metrics.size()));
    for (const auto& [name, value] : r.metrics) {  // a std::map: sorted, so unique and deterministic
      if (const std::string problem = name_problem(name); !problem.empty())
        throw format_error(fmt::format("save_checkpoint: history record of epoch {}: metric \"{}\" has {}",
                                       r.epoch, name, problem));
      w.string(name);
      w.real(value);
    }
  }
}

// ---- reading ----------------------------------------------------------------------------------------

class Reader {
 public:
  Reader(std::string file, std::span<const std::uint8_t> bytes) : file_(std::move(file)), bytes_(bytes) {}

  [[noreturn]] void fail(std::size_t at, std::string_view what) const {
    throw format_error(fmt::format("{}: byte {}: {}", file_, at, what));
  }
  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }

  // Fails with a truncation message unless n more bytes are available for `what`.
  void need(std::size_t n, std::string_view what) const {
    if (n > remaining())
      fail(pos_, fmt::format("truncated: {} needs {} bytes, the file has {} left (it is {} bytes long)", what, n,
                             remaining(), bytes_.size()));
  }
  const std::uint8_t* take(std::size_t n, std::string_view what) {
    need(n, what);
    const std::uint8_t* p = bytes_.data() + pos_;
    pos_ += n;
    return p;
  }
  template <class U>
  U integer(std::string_view what) {
    const std::uint8_t* p = take(sizeof(U), what);
    U v = 0;
    for (std::size_t k = 0; k < sizeof(U); ++k) v |= static_cast<U>(static_cast<U>(p[k]) << (8 * k));
    return v;
  }
  double real(std::string_view what) { return std::bit_cast<double>(integer<std::uint64_t>(what)); }
  std::string string(std::string_view what, std::size_t max_bytes) {
    const std::size_t at = pos_;
    const std::uint32_t n = integer<std::uint32_t>(fmt::format("the length of {}", what));
    if (n > max_bytes) fail(at, fmt::format("{} is {} bytes long, at most {} allowed", what, n, max_bytes));
    const std::uint8_t* p = take(n, what);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  // A count of items each at least `min_item_bytes` long: a count the file cannot hold is rejected
  // before anything is allocated for it.
  std::uint32_t count(std::string_view what, std::size_t min_item_bytes) {
    const std::size_t at = pos_;
    const std::uint32_t n = integer<std::uint32_t>(what);
    if (static_cast<std::uint64_t>(n) * min_item_bytes > remaining())
      fail(at, fmt::format("truncated: {} is {}, which needs at least {} more bytes, the file has {} left", what,
                           n, static_cast<std::uint64_t>(n) * min_item_bytes, remaining()));
    return n;
  }

 private:
  std::string file_;
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

template <class T>
std::vector<T> decode_values(const std::uint8_t* p, std::size_t count) {
  std::vector<T> v(count);
  if constexpr (std::endian::native == std::endian::little) {
    if (count) std::memcpy(v.data(), p, count * sizeof(T));
  } else {
    using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    for (std::size_t i = 0; i < count; ++i) {
      U u = 0;
      for (std::size_t k = 0; k < sizeof(T); ++k) u |= static_cast<U>(p[i * sizeof(T) + k]) << (8 * k);
      v[i] = std::bit_cast<T>(u);
    }
  }
  return v;
}

// name(4) rows(8) cols(8) type(4) crc(4) bytes(8): the smallest record has an empty name and no data.
constexpr std::size_t min_record_bytes = 4 + 8 + 8 + 4 + 4 + 8;

std::vector<TensorRecord> read_records(Reader& in, const char* list) {
  const std::uint32_t n = in.count(fmt::format("the number of {} records", list), min_record_bytes);
  std::vector<TensorRecord> records;
  records.reserve(n);
  std::set<std::string> seen;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::size_t name_at = in.offset();
    const std::string label = fmt::format("the name of {} record {}", list, i);
    std::string name = in.string(label, max_name_bytes);
    if (const std::string problem = name_problem(name); !problem.empty())
      in.fail(name_at, fmt::format("{} record {} has {}", list, i, problem));
    if (!seen.insert(name).second) in.fail(name_at, fmt::format("{} record \"{}\" appears twice", list, name));
    const std::string what = fmt::format("tensor \"{}\"", name);
    const std::uint64_t rows = in.integer<std::uint64_t>(what + " rows");
    const std::uint64_t cols = in.integer<std::uint64_t>(what + " cols");
    const std::size_t type_at = in.offset();
    const std::uint32_t type = in.integer<std::uint32_t>(what + " element type");
    if (type != 1 && type != 2)
      in.fail(type_at, fmt::format("{}: element type expected 1 (float32) or 2 (float64), found {}", what, type));
    const std::size_t element = type == 1 ? 4 : 8;
    const std::uint32_t crc = in.integer<std::uint32_t>(what + " CRC32");
    const std::size_t bytes_at = in.offset();
    const std::uint64_t byte_count = in.integer<std::uint64_t>(what + " byte count");
    // rows * cols * element, computed so that it cannot overflow.
    const bool fits = cols == 0 || rows <= UINT64_MAX / element / cols;
    if (!fits || rows * cols * element != byte_count)
      in.fail(bytes_at, fits ? fmt::format("{}: byte count expected {} ({}x{} {}), found {}", what,
                                           rows * cols * element, rows, cols, type == 1 ? "float32" : "float64",
                                           byte_count)
                             : fmt::format("{}: shape {}x{} is too large", what, rows, cols));
    const std::size_t data_at = in.offset();
    const std::uint8_t* data = in.take(byte_count, what + " data");
    const std::uint32_t found = crc32_of(data, byte_count);
    if (found != crc)
      in.fail(data_at, fmt::format("{}: CRC32 mismatch, the data is corrupt (expected {:08x}, found {:08x})",
                                   what, crc, found));
    TensorRecord r;
    r.name = std::move(name);
    r.rows = rows;
    r.cols = cols;
    if (type == 1)
      r.data = decode_values<float>(data, rows * cols);
    else
      r.data = decode_values<double>(data, rows * cols);
    records.push_back(std::move(r));
  }
  return records;
}

// name(4) steps(8); epoch(8) train(8) dev(8) rate(8) metric count(4); name(4) value(8).
constexpr std::size_t min_slice_steps_bytes = 4 + 8, min_history_bytes = 8 + 8 + 8 + 8 + 4,
                      min_metric_bytes = 4 + 8;

void read_training_record(Reader& in, CheckpointMeta& meta) {
  const std::uint32_t slices = in.count("the number of optimizer slice step counts", min_slice_steps_bytes);
  std::set<std::string_view> seen;
  meta.optimizer_slice_steps.reserve(slices);
  for (std::uint32_t k = 0; k < slices; ++k) {
    const std::size_t at = in.offset();
    SliceStepCount s;
    s.name = in.string(fmt::format("the name of optimizer slice step count {}", k), max_name_bytes);
    s.steps = in.integer<std::uint64_t>(fmt::format("the step count of optimizer slice \"{}\"", s.name));
    if (const std::string problem = slice_steps_problem(s, meta.optimizer_steps, seen); !problem.empty())
      in.fail(at, fmt::format("optimizer slice step count {} (\"{}\") {}", k, s.name, problem));
    meta.optimizer_slice_steps.push_back(std::move(s));
    seen.insert(meta.optimizer_slice_steps.back().name);  // names live in the vector, reserved above
  }
  const std::uint32_t records = in.count("the number of history records", min_history_bytes);
  meta.history.reserve(records);
  std::uint64_t previous = 0;
  for (std::uint32_t k = 0; k < records; ++k) {
    const std::size_t at = in.offset();
    const std::string what = fmt::format("history record {}", k);
    const std::uint64_t epoch = in.integer<std::uint64_t>(what + " epoch");
    EpochRecord r;
    r.epoch = static_cast<std::size_t>(epoch);
    if (const std::string problem = history_problem(r, previous, meta.epoch); !problem.empty())
      in.fail(at, fmt::format("{}: {}", what, problem));
    previous = epoch;
    r.train_cost = in.real(what + " train cost");
    r.dev_cost = in.real(what + " dev cost");
    r.learning_rate = in.real(what + " learning rate");
    r.seconds = std::numeric_limits<double>::quiet_NaN();  // not stored
    const std::uint32_t metrics =
        in.count(fmt::format("the number of metrics of {}", what), min_metric_bytes);
    for (std::uint32_t m = 0; m < metrics; ++m) {
      const std::size_t name_at = in.offset();
      std::string name = in.string(fmt::format("the name of metric {} of {}", m, what), max_name_bytes);
      if (const std::string problem = name_problem(name); !problem.empty())
        in.fail(name_at, fmt::format("{}: metric {} has {}", what, m, problem));
      const double value = in.real(fmt::format("{} metric \"{}\"", what, name));
      if (!r.metrics.emplace(std::move(name), value).second)
        in.fail(name_at, fmt::format("{}: metric {} appears twice", what, m));
    }
    meta.history.push_back(std::move(r));
  }
}

std::vector<std::uint8_t> read_whole_file(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw io_error(fmt::format("cannot open checkpoint {}: {}", path, std::strerror(errno)));
  std::vector<std::uint8_t> bytes;
  std::array<std::uint8_t, 1 << 16> chunk;
  while (true) {
    const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), f.get());
    bytes.insert(bytes.end(), chunk.data(), chunk.data() + n);
    if (n < chunk.size()) break;
  }
  if (std::ferror(f.get())) throw io_error(fmt::format("cannot read checkpoint {}: read error", path));
  return bytes;
}

void check_list(std::span<const TensorRecord> found, std::span<const TensorSpec> expected, const char* list) {
  for (const TensorSpec& spec : expected) {
    const TensorRecord* match = nullptr;
    for (const TensorRecord& r : found)
      if (r.name == spec.name) match = &r;
    if (!match)
      throw format_error(fmt::format("{} \"{}\": expected in the checkpoint, not found", list, spec.name));
    if (match->rows != spec.rows || match->cols != spec.cols)
      throw format_error(fmt::format("{} \"{}\": expected shape {}x{}, found {}x{}", list, spec.name, spec.rows,
                                     spec.cols, match->rows, match->cols));
    if (match->element_type() != spec.type)
      throw format_error(fmt::format("{} \"{}\": expected {} elements, found {}", list, spec.name,
                                     type_name(spec.type), type_name(match->element_type())));
  }
  for (const TensorRecord& r : found) {
    bool known = false;
    for (const TensorSpec& spec : expected) known = known || spec.name == r.name;
    if (!known) throw format_error(fmt::format("{} \"{}\": in the checkpoint but not expected", list, r.name));
  }
}

}  // namespace

template <class T>
std::span<const T> TensorRecord::values() const {
  if (const auto* v = std::get_if<std::vector<T>>(&data)) return *v;
  throw format_error(fmt::format("tensor \"{}\": stored as {}, read as {}", name, type_name(element_type()),
                                 std::is_same_v<T, float> ? "float32" : "float64"));
}
template std::span<const float> TensorRecord::values<float>() const;
template std::span<const double> TensorRecord::values<double>() const;

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  Writer w;
  w.bytes(magic.data(), magic.size());
  w.integer(checkpoint_format_version);
  w.integer(std::uint32_t{0});  // flags, reserved
  w.integer(c.fingerprint);
  w.string(c.architecture);
  w.integer(c.meta.epoch);
  w.integer(c.meta.step);
  w.integer(c.meta.seed);
  w.integer(static_cast<std::uint32_t>(c.meta.rng_state.size()));
  for (std::uint64_t word : c.meta.rng_state) w.integer(word);
  w.string(c.meta.optimizer);
  w.integer(c.meta.optimizer_steps);
  write_training_record(w, c.meta);
  w.integer(static_cast<std::uint32_t>(c.attributes.size()));
  for (const auto& [key, value] : c.attributes) {
    if (const std::string problem = name_problem(key); !problem.empty())
      throw format_error(fmt::format("save_checkpoint: attribute \"{}\" has {}", key, problem));
    w.string(key);
    w.string(value);
  }
  write_records(w, c.tensors, "tensor");
  write_records(w, c.optimizer_state, "optimizer state");
  w.integer(crc32_of(w.at(0), w.size()));
  w.bytes(end_marker.data(), end_marker.size());
  write_file_atomically(path, std::as_bytes(std::span<const std::uint8_t>(w.buffer())));
}

Checkpoint load_checkpoint(const std::string& path_name) {
  const std::filesystem::path path(path_name);
  const std::vector<std::uint8_t> bytes = read_whole_file(path);
  Reader in(fmt::format("checkpoint {}", path), bytes);
  Checkpoint c;

  const std::size_t head = std::min(magic.size(), bytes.size());
  const bool prefix_matches = head == 0 || std::memcmp(bytes.data(), magic.data(), head) == 0;
  if (head < magic.size() && prefix_matches) in.need(magic.size(), "the magic number");
  const std::uint8_t* m = in.take(head, "the magic number");
  if (!prefix_matches)
    in.fail(0, fmt::format("not a staticgrad checkpoint: magic expected {:02X}, found {:02X}", fmt::join(magic, " "),
                           fmt::join(m, m + std::min(magic.size(), bytes.size()), " ")));
  const std::uint32_t version = in.integer<std::uint32_t>("the format version");
  if (version < oldest_checkpoint_format_version || version > checkpoint_format_version)
    in.fail(8, fmt::format("format version expected {} to {}, found {}", oldest_checkpoint_format_version,
                           checkpoint_format_version, version));
  c.format_version = version;
  const std::uint32_t flags = in.integer<std::uint32_t>("the flags");
  if (flags != 0) in.fail(12, fmt::format("flags expected 0, found {}", flags));
  c.fingerprint = in.integer<std::uint64_t>("the architecture fingerprint");
  c.architecture = in.string("the architecture description", no_limit);
  c.meta.epoch = in.integer<std::uint64_t>("the epoch");
  c.meta.step = in.integer<std::uint64_t>("the step");
  c.meta.seed = in.integer<std::uint64_t>("the seed");
  const std::uint32_t words = in.count("the number of RNG state words", 8);
  for (std::uint32_t k = 0; k < words; ++k) c.meta.rng_state.push_back(in.integer<std::uint64_t>("an RNG state word"));
  c.meta.optimizer = in.string("the optimizer name", max_name_bytes);
  c.meta.optimizer_steps = in.integer<std::uint64_t>("the optimizer step count");
  if (version >= 2) read_training_record(in, c.meta);
  const std::uint32_t attributes = in.count("the number of attributes", 8);
  for (std::uint32_t k = 0; k < attributes; ++k) {
    const std::size_t at = in.offset();
    std::string key = in.string("an attribute key", max_name_bytes);
    if (const std::string problem = name_problem(key); !problem.empty())
      in.fail(at, fmt::format("attribute {} has {}", k, problem));
    std::string value = in.string(fmt::format("attribute \"{}\"", key), no_limit);
    if (!c.attributes.emplace(std::move(key), std::move(value)).second)
      in.fail(at, "an attribute key appears twice");
  }
  c.tensors = read_records(in, "tensor");
  c.optimizer_state = read_records(in, "optimizer state");
  const std::size_t crc_at = in.offset();
  const std::uint32_t expected_crc = in.integer<std::uint32_t>("the file CRC32");
  const std::uint32_t found_crc = crc32_of(bytes.data(), crc_at);
  if (found_crc != expected_crc)
    in.fail(crc_at, fmt::format("file CRC32 mismatch, the header or metadata is corrupt (expected {:08x}, found {:08x})",
                                expected_crc, found_crc));
  const std::size_t end_at = in.offset();
  const std::uint8_t* e = in.take(end_marker.size(), "the end marker");
  if (std::memcmp(e, end_marker.data(), end_marker.size()) != 0)
    in.fail(end_at, fmt::format("end marker expected {:02X}, found {:02X}", fmt::join(end_marker, " "),
                                fmt::join(e, e + end_marker.size(), " ")));
  if (in.remaining() != 0)
    in.fail(in.offset(), fmt::format("{} unexpected bytes after the end marker", in.remaining()));
  return c;
}

void check_compatible(const Checkpoint& checkpoint, std::uint64_t fingerprint, std::span<const TensorSpec> expected) {
  if (checkpoint.fingerprint != fingerprint)
    throw format_error(fmt::format(
        "the checkpoint was written for another architecture: fingerprint expected {:016x}, found {:016x} ({})",
        fingerprint, checkpoint.fingerprint, checkpoint.architecture));
  check_list(checkpoint.tensors, expected, "tensor");
}

void check_optimizer_state(const Checkpoint& checkpoint, std::string_view optimizer,
                           std::span<const TensorSpec> expected) {
  if (checkpoint.meta.optimizer != optimizer)
    throw format_error(fmt::format("optimizer expected \"{}\", found \"{}\"", optimizer, checkpoint.meta.optimizer));
  check_list(checkpoint.optimizer_state, expected, "optimizer state");
}

}  // namespace sg
