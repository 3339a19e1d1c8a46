// examples/common/command_line.hpp - the examples' command line: each example declares its flags and
// options with the variables they set, and this parses argv into them and writes the --help text.
//
//   Options o;
//   example::CommandLine cli("shallow_vs_deep", "Trains ... and prints ...");
//   cli.flag("--short", o.short_run, "a quick run for CI")
//       .count("--epochs", o.epochs, "N", "epochs (default 10)")
//       .option("--seed", o.seed, "S", "seed (default 1)");
//   return cli.run(argc, argv, [&] { return run(o); });
//
// Contract: parse() sets only the variables of the options it sees (a variable keeps its default
// otherwise; given() tells which were seen), prints usage() and returns false on --help, and throws
// std::invalid_argument with a one-line message naming the flag on an unknown option, a missing value
// or a value that does not read as the variable's type. Values are read whole and strictly (no
// whitespace, no trailing text): count() wants an integer >= 1, unsigned and int options an integer,
// double options a number; strings and paths take the text as it is.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace example {

namespace detail {

// Reads all of `text` as a T with std::from_chars; `what` names T in the error ("an integer").
template <class T>
T read_number(std::string_view flag, std::string_view text, std::string_view what) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    throw std::invalid_argument(fmt::format("{} needs {}, not \"{}\"", flag, what, text));
  return value;
}

template <class T>
void read_value(std::string_view flag, std::string_view text, T& target) {
  if constexpr (std::is_same_v<T, std::string>)
    target = std::string(text);
  else if constexpr (std::is_same_v<T, std::filesystem::path> ||
                     std::is_same_v<T, std::optional<std::filesystem::path>>)
    target = std::filesystem::path(text);
  else if constexpr (std::is_same_v<T, double>)
    target = read_number<double>(flag, text, "a number");
  else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>)
    target = read_number<T>(flag, text, "a non-negative integer");
  else if constexpr (std::is_same_v<T, int>)
    target = read_number<int>(flag, text, "an integer");
  else
    static_assert(sizeof(T) == 0, "example::CommandLine: an option of an unsupported type");
}

}  // namespace detail

class CommandLine {
 public:
  // program: the name in the usage line and in error messages; description: what the program does
  // (may hold newlines), printed under the usage line.
  CommandLine(std::string program, std::string description)
      : program_(std::move(program)), description_(std::move(description)) {}

  // A switch: `target` becomes true when `name` is given.
  CommandLine& flag(std::string name, bool& target, std::string help) {
    return add(std::move(name), {}, std::move(help), [&target](std::string_view) { target = true; });
  }

  // An option with a value, read as T (std::string, std::filesystem::path, std::optional<path>, double,
  // int or an unsigned integer such as std::size_t and std::uint64_t; 0 allowed). metavar names the
  // value in the help ("N", "DIR").
  template <class T>
  CommandLine& option(std::string name, T& target, std::string metavar, std::string help) {
    auto set = [&target, flag = name](std::string_view text) { detail::read_value(flag, text, target); };
    return add(std::move(name), std::move(metavar), std::move(help), std::move(set));
  }

  // An option whose value is a count: an integer >= 1 (epochs, examples, a batch size).
  CommandLine& count(std::string name, std::size_t& target, std::string metavar, std::string help) {
    auto set = [&target, flag = name](std::string_view text) {
      const auto value = detail::read_number<std::size_t>(flag, text, "a positive integer");
      if (value == 0)
        throw std::invalid_argument(fmt::format("{} needs a positive integer, not \"{}\"", flag, text));
      target = value;
    };
    return add(std::move(name), std::move(metavar), std::move(help), std::move(set));
  }

  // Reads argv[1..argc). Returns false after printing usage() for --help; throws std::invalid_argument
  // on an unknown option, a missing value or a malformed one.
  bool parse(int argc, char** argv) {
    for (int k = 1; k < argc; ++k) {
      const std::string_view arg = argv[k];
      if (arg == "--help") {
        fmt::print("{}", usage());
        return false;
      }
      const auto entry = std::ranges::find(entries_, arg, &Entry::name);
      if (entry == entries_.end())
        throw std::invalid_argument(fmt::format("unknown option {} (see --help)", arg));
      if (entry->metavar.empty()) {
        entry->set({});
      } else {
        if (k + 1 >= argc) throw std::invalid_argument(fmt::format("{} needs a value", arg));
        entry->set(argv[++k]);
      }
      given_.insert(entry->name);
    }
    return true;
  }

  // Whether parse() saw `name`: lets --short change the default of an option the user did not give.
  bool given(std::string_view name) const { return given_.contains(name); }

  // parse(), then body() unless --help was asked for; any exception, from either, ends the program
  // with one line on stderr, "<program>: error: <what>", and exit code 1.
  template <class Body>
  int run(int argc, char** argv, Body body) {
    try {
      return parse(argc, argv) ? body() : 0;
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}: error: {}\n", program_, e.what());
      return 1;
    }
  }

  // The help text: the usage line, the description, then one line per option (help text that spans
  // several lines is indented under the first).
  std::string usage() const {
    std::size_t column = std::string_view("--help").size();
    for (const Entry& e : entries_) column = std::max(column, label(e).size());
    column += 4;
    std::string text = fmt::format("usage: {} [options]\n\n{}\n\n", program_, description_);
    auto line = [&](std::string_view left, std::string_view help) {
      text += fmt::format("  {:<{}}", left, column);
      for (char c : help) text += c == '\n' ? "\n  " + std::string(column, ' ') : std::string(1, c);
      text += '\n';
    };
    for (const Entry& e : entries_) line(label(e), e.help);
    line("--help", "this text");
    return text;
  }

 private:
  struct Entry {
    std::string name, metavar, help;
    std::function<void(std::string_view)> set;
  };
  static std::string label(const Entry& e) { return e.metavar.empty() ? e.name : e.name + " " + e.metavar; }

  CommandLine& add(std::string name, std::string metavar, std::string help,
                   std::function<void(std::string_view)> set) {
    entries_.push_back({std::move(name), std::move(metavar), std::move(help), std::move(set)});
    return *this;
  }

  std::string program_, description_;
  std::vector<Entry> entries_;
  std::set<std::string, std::less<>> given_;
};

}  // namespace example
