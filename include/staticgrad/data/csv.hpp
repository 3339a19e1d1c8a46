// staticgrad/data/csv.hpp - numeric CSV files with a header row and an integer class-label column.
//
// Cells are separated by `delimiter`; a cell may be double-quoted ("" inside quotes is one quote) but may
// not span lines. Blank lines are skipped, CRLF line ends and a UTF-8 byte-order mark are accepted, and
// spaces or tabs around a number are ignored. Every error names the file and the line:column (1-based,
// in bytes) and what was expected against what was found, e.g.
//   iris.csv:7:12: number expected, found "n/a"
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "staticgrad/data/dataset.hpp"

namespace sg::data {

// CsvOptions: how to find the label column and how many classes there are.
struct CsvOptions {
  std::string label_name = "label";        // the label column's header, used unless label_index is set
  std::optional<std::size_t> label_index;  // the label column by 0-based position; overrides label_name
  std::size_t num_classes = 0;             // 0: infer as the largest label + 1
  char delimiter = ',';
};

// Parses CSV text already in memory; `name` is used in messages. Every column but the label column is
// a feature, in file order. Labels are non-negative integers ("3" or "3.0"). Throws sg::format_error for
// a missing header or label column, a ragged row, an unterminated quote, a cell that is not a number or
// a label that is not an integer in range, and sg::numeric_error for NaN, Inf or a value beyond float.
Dataset parse_csv(std::string_view text, std::string_view name, const CsvOptions& options = {});

// Reads `path` (plain or gzip) and parses it (sg::io_error when it cannot be read).
Dataset read_csv(const std::string& path, const CsvOptions& options = {});

}  // namespace sg::data
