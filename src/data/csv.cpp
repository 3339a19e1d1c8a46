// The CSV reader: a small line-by-line tokenizer that remembers where each cell starts, so that every
// error can say line:column.
#include "staticgrad/data/csv.hpp"

#include <fmt/core.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "staticgrad/core/error.hpp"
#include "staticgrad/data/bytes.hpp"

namespace sg::data {

namespace {

struct Cell {
  std::string text;    // unquoted contents
  std::size_t column;  // 1-based byte column where the cell starts
};

// Cuts one line (without its line end) into cells. Throws for an unterminated quote or text between a
// closing quote and the next delimiter.
std::vector<Cell> split_line(std::string_view line, char delimiter, std::string_view name,
                             std::size_t line_no) {
  std::vector<Cell> cells;
  std::size_t i = 0;
  for (;;) {
    Cell cell{{}, i + 1};
    std::size_t k = i;
    while (k < line.size() && (line[k] == ' ' || line[k] == '\t') && line[k] != delimiter) ++k;
    if (k < line.size() && line[k] == '"') {
      std::size_t q = k + 1;
      for (;;) {
        if (q >= line.size())
          throw sg::format_error(
              fmt::format("{}:{}:{}: closing quote for the quote at column {} expected, found end of line",
                          name, line_no, q + 1, k + 1));
        if (line[q] == '"') {
          if (q + 1 < line.size() && line[q + 1] == '"') {
            cell.text += '"';
            q += 2;
            continue;
          }
          break;
        }
        cell.text += line[q++];
      }
      ++q;  // past the closing quote
      while (q < line.size() && (line[q] == ' ' || line[q] == '\t') && line[q] != delimiter) ++q;
      if (q < line.size() && line[q] != delimiter)
        throw sg::format_error(
            fmt::format("{}:{}:{}: delimiter '{}' or end of line expected after a quoted cell, found '{}'",
                        name, line_no, q + 1, delimiter, line[q]));
      i = q;
    } else {
      const std::size_t end = line.find(delimiter, i);
      const std::size_t stop = end == std::string_view::npos ? line.size() : end;
      cell.text.assign(line.substr(i, stop - i));
      i = stop;
    }
    cells.push_back(std::move(cell));
    if (i >= line.size()) break;
    ++i;  // past the delimiter; a delimiter at the end of the line starts one more, empty, cell
    if (i == line.size()) {
      cells.push_back(Cell{{}, i + 1});
      break;
    }
  }
  return cells;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses a decimal number (an optional sign, digits, fraction, exponent; also "nan" and "inf" so that
// they can be reported as non-finite rather than as garbage). Returns false when `s` is not a number.
bool parse_number(std::string_view s, double& value) {
  if (s.empty()) return false;
  std::string_view digits = s;
  const bool plus = digits.front() == '+';
  if (plus) digits.remove_prefix(1);
  if (digits.empty() || digits.front() == '+' || (plus && digits.front() == '-')) return false;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ptr != digits.data() + digits.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    // from_chars does not say which way it was out of range: ask strtod, which returns +-HUGE_VAL for
    // overflow and a tiny value (kept as such) for underflow.
    const std::string copy(digits);
    value = std::strtod(copy.c_str(), nullptr);
  } else if (ec != std::errc{}) {
    return false;
  }
  return true;
}

std::string shown(std::string_view s) {
  constexpr std::size_t max_shown = 40;
  std::string out = "\"";
  for (std::size_t k = 0; k < s.size() && k < max_shown; ++k) {
    const unsigned char c = static_cast<unsigned char>(s[k]);
    if (c == '"' || c == '\\')
      out += fmt::format("\\{}", static_cast<char>(c));
    else if (c < 0x20 || c >= 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  if (s.size() > max_shown) out += "...";
  return out + "\"";
}

}  // namespace

Dataset parse_csv(std::string_view text, std::string_view name, const CsvOptions& options) {
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r')
    throw sg::format_error(fmt::format("{}: a delimiter other than a quote or a line end expected, found {}",
                                       name, shown(std::string_view(&options.delimiter, 1))));
  if (options.num_classes > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw sg::shape_error(
        fmt::format("{}: num_classes at most 2^31-1 expected, found {}", name, options.num_classes));
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte-order mark

  std::size_t line_no = 0;
  std::size_t pos = 0;
  // The next non-blank line, without its line end; false at the end of the text.
  const auto next_line = [&](std::string_view& line) {
    while (pos < text.size()) {
      const std::size_t end = text.find('\n', pos);
      const std::size_t stop = end == std::string_view::npos ? text.size() : end;
      line = text.substr(pos, stop - pos);
      if (line.ends_with('\r')) line.remove_suffix(1);
      pos = stop == text.size() ? stop : stop + 1;
      ++line_no;
      if (!line.empty()) return true;
    }
    return false;
  };

  std::string_view line;
  if (!next_line(line))
    throw sg::format_error(
        fmt::format("{}:{}:1: a header row expected, found end of file", name, line_no + 1));
  const std::size_t header_line = line_no;
  const std::vector<Cell> header = split_line(line, options.delimiter, name, line_no);
  const std::size_t n_cells = header.size();

  std::size_t label = 0;
  if (options.label_index) {
    label = *options.label_index;
    if (label >= n_cells)
      throw sg::format_error(
          fmt::format("{}:{}:1: label column index {} expected in a header of {} columns, found only {}",
                      name, header_line, label, n_cells, n_cells));
  } else {
    label = n_cells;
    for (std::size_t c = 0; c < n_cells && label == n_cells; ++c)
      if (trim(header[c].text) == options.label_name) label = c;
    if (label == n_cells) {
      std::string names;
      for (std::size_t c = 0; c < n_cells; ++c) names += (c ? ", " : "") + shown(trim(header[c].text));
      throw sg::format_error(fmt::format("{}:{}:1: label column {} expected in the header, found columns {}",
                                         name, header_line, shown(options.label_name), names));
    }
  }

  std::vector<float> values;
  std::vector<std::int32_t> labels;
  std::size_t largest_plus_one = 0;
  while (next_line(line)) {
    const std::vector<Cell> cells = split_line(line, options.delimiter, name, line_no);
    if (cells.size() != n_cells)
      throw sg::format_error(
          fmt::format("{}:{}:{}: {} cells expected (as in the header on line {}), found {}", name, line_no,
                      cells.size() > n_cells ? cells[n_cells].column : line.size() + 1, n_cells, header_line,
                      cells.size()));
    for (std::size_t c = 0; c < n_cells; ++c) {
      const std::string_view cell = trim(cells[c].text);
      const auto where = [&] { return fmt::format("{}:{}:{}", name, line_no, cells[c].column); };
      double v = 0;
      if (c == label) {
        if (!parse_number(cell, v) || !std::isfinite(v) || v != std::floor(v))
          throw sg::format_error(
              fmt::format("{}: integer class label expected, found {}", where(), shown(cell)));
        if (v < 0 || (options.num_classes != 0 && v >= static_cast<double>(options.num_classes)) ||
            v > static_cast<double>(std::numeric_limits<std::int32_t>::max() - 1))
          throw sg::format_error(fmt::format(
              "{}: class label in [0, {}) expected, found {}", where(),
              options.num_classes != 0 ? fmt::format("{}", options.num_classes) : std::string("2^31-1"),
              shown(cell)));
        const auto y = static_cast<std::int32_t>(v);
        labels.push_back(y);
        largest_plus_one = std::max(largest_plus_one, static_cast<std::size_t>(y) + 1);
        continue;
      }
      if (cell.empty())
        throw sg::format_error(fmt::format("{}: number expected, found an empty cell", where()));
      if (!parse_number(cell, v))
        throw sg::format_error(fmt::format("{}: number expected, found {}", where(), shown(cell)));
      if (!std::isfinite(v) || std::abs(v) > static_cast<double>(std::numeric_limits<float>::max()))
        throw sg::numeric_error(fmt::format("{}: finite number{} expected, found {}", where(),
                                            std::isnan(v) ? "" : " within float range", shown(cell)));
      values.push_back(static_cast<float>(v));
    }
  }

  Dataset ds;
  const std::size_t m = labels.size();
  ds.x.resize(n_cells - 1, m);
  std::copy(values.begin(), values.end(), ds.x.data());  // row by row is column-major for features x samples
  ds.labels = std::move(labels);
  ds.num_classes = options.num_classes != 0 ? options.num_classes : largest_plus_one;
  return ds;
}

Dataset read_csv(const std::string& path, const CsvOptions& options) {
  const std::vector<std::uint8_t> bytes = read_file_bytes(path);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return parse_csv(text, path, options);
}

}  // namespace sg::data
