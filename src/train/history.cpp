// History as CSV and as an SVG learning curve, and several cost curves on one chart (hand-written SVG:
// no plotting dependency). Both charts share the frame, axes and legend code below.
#include "staticgrad/train/history.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <iterator>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "staticgrad/io/atomic_file.hpp"

namespace sg {
namespace {

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string quoted = "\"";
  for (char c : s) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // Control characters other than tab and newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

// A "nice" step (1, 2 or 5 times a power of ten) that splits `span` into about `target` intervals.
double nice_step(double span, int target) {
  const double raw = span / target;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

// Linear map from data to pixels.
struct Axis {
  double lo, hi, pixel_lo, pixel_hi;
  double operator()(double v) const { return pixel_lo + (v - lo) / (hi - lo) * (pixel_hi - pixel_lo); }
};

// The frame of a chart in pixels: the SVG's size and the margins around the plot area.
struct Chart {
  double width, height, left, right, top, bottom;
};

// The bounding box of the finite points of a chart; empty until add() sees one.
struct Range {
  double x_lo = HUGE_VAL, x_hi = -HUGE_VAL, y_lo = HUGE_VAL, y_hi = -HUGE_VAL;
  void add(double x, double y) {
    if (!std::isfinite(y)) return;
    x_lo = std::min(x_lo, x);
    x_hi = std::max(x_hi, x);
    y_lo = std::min(y_lo, y);
    y_hi = std::max(y_hi, y);
  }
  bool empty() const { return x_lo > x_hi; }
};

// The SVG's opening: header, white background, the title centred on top.
std::string svg_start(const Chart& c, std::string_view title) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">{3}</text>\n",
      c.width, c.height, c.width / 2, xml_escape(title));
}

// The closing of a chart with nothing to draw.
std::string svg_no_data(const Chart& c) {
  return fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">no finite costs recorded</text>\n</svg>\n",
                     c.width / 2, c.height / 2);
}

// Cost against epoch: rounds `r` out to nice ticks, draws the frame, grid, ticks and axis labels into
// `svg`, and returns the maps from data to pixels. `r` must not be empty.
std::pair<Axis, Axis> draw_axes(std::string& svg, const Chart& c, Range r) {
  const auto [width, height, left, right, top, bottom] = c;
  if (r.x_hi == r.x_lo) r.x_hi = r.x_lo + 1;
  if (r.y_hi == r.y_lo) {
    const double pad = r.y_lo == 0 ? 1 : std::abs(r.y_lo) * 0.1;
    r.y_lo -= pad;
    r.y_hi += pad;
  }
  const double y_step = nice_step(r.y_hi - r.y_lo, 5);
  r.y_lo = std::floor(r.y_lo / y_step) * y_step;
  r.y_hi = std::ceil(r.y_hi / y_step) * y_step;
  const double x_step = std::max(1.0, nice_step(r.x_hi - r.x_lo, 10));
  const Axis x{r.x_lo, r.x_hi, left, width - right};
  const Axis y{r.y_lo, r.y_hi, height - bottom, top};

  svg += fmt::format("<g stroke=\"#999\" stroke-width=\"1\" fill=\"none\">\n"
                     "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n</g>\n",
                     left, top, width - left - right, height - top - bottom);
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(y_step))));
  for (double v = r.y_lo; v <= r.y_hi + y_step / 2; v += y_step) {
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1:.2f}\" x2=\"{2}\" y2=\"{1:.2f}\" stroke=\"#eee\"/>"
                       "<line x1=\"{3}\" y1=\"{1:.2f}\" x2=\"{0}\" y2=\"{1:.2f}\" stroke=\"#333\"/>"
                       "<text x=\"{4}\" y=\"{5:.2f}\" text-anchor=\"end\">{6:.{7}f}</text>\n",
                       left, y(v), width - right, left - 5, left - 8, y(v) + 4, std::abs(v) < y_step / 2 ? 0.0 : v,
                       decimals);
  }
  for (double e = std::ceil(r.x_lo / x_step) * x_step; e <= r.x_hi + 1e-9; e += x_step) {
    svg += fmt::format("<line x1=\"{0:.2f}\" y1=\"{1}\" x2=\"{0:.2f}\" y2=\"{2}\" stroke=\"#333\"/>"
                       "<text x=\"{0:.2f}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
                       x(e), height - bottom, height - bottom + 5, height - bottom + 20, e);
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">epoch</text>\n", (left + width - right) / 2,
                     height - 15);
  svg += fmt::format("<text x=\"20\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 20 {0})\">cost</text>\n",
                     (top + height - bottom) / 2);
  return {x, y};
}

// One curve through the finite (x, y) points; nothing when there is none. Returns whether it drew.
template <class Points>
bool draw_polyline(std::string& svg, std::string_view id, std::string_view colour, const Points& xy, const Axis& x,
                   const Axis& y) {
  std::string points;
  for (const auto& [px, py] : xy)
    if (std::isfinite(py)) points += fmt::format("{}{:.2f},{:.2f}", points.empty() ? "" : " ", x(px), y(py));
  if (!points.empty())
    svg += fmt::format("<polyline id=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", id,
                       colour, points);
  return !points.empty();
}

// A legend in the top right corner, `box_width` wide: a line of each entry's colour and its label.
void draw_legend(std::string& svg, const Chart& c, double box_width,
                 std::span<const std::pair<std::string_view, std::string>> entries) {
  const double lx = c.width - c.right - box_width - 10;
  double ly = c.top + 12;
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"white\" stroke=\"#999\"/>\n", lx - 8,
                     c.top + 2, box_width, 8 + 18 * static_cast<int>(entries.size()));
  for (const auto& [colour, label] : entries) {
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"/>"
                       "<text x=\"{4}\" y=\"{5}\">{6}</text>\n",
                       lx, ly, lx + 24, colour, lx + 30, ly + 4, label);
    ly += 18;
  }
}

constexpr Chart cost_chart{.width = 720, .height = 450, .left = 80, .right = 20, .top = 50, .bottom = 60};

}  // namespace

std::optional<std::size_t> History::best_epoch() const {
  std::optional<std::size_t> best;
  double best_cost = 0;
  for (const EpochRecord& r : records_)
    if (std::isfinite(r.dev_cost) && (!best || r.dev_cost < best_cost)) {
      best = r.epoch;
      best_cost = r.dev_cost;
    }
  return best;
}

std::string History::csv() const {
  std::set<std::string> metric_names;
  for (const EpochRecord& r : records_)
    for (const auto& [name, value] : r.metrics) metric_names.insert(name);
  std::string out = "epoch,train_cost,dev_cost,learning_rate,seconds";
  for (const std::string& name : metric_names) {
    out += ',';
    out += csv_field(name);
  }
  out += '\n';
  for (const EpochRecord& r : records_) {
    out += fmt::format("{},{},{},{},{}", r.epoch, r.train_cost, r.dev_cost, r.learning_rate, r.seconds);
    for (const std::string& name : metric_names) {
      out += ',';
      if (auto it = r.metrics.find(name); it != r.metrics.end()) out += fmt::format("{}", it->second);
    }
    out += '\n';
  }
  return out;
}

std::string History::learning_curve_svg(std::string_view title) const {
  std::string svg = svg_start(cost_chart, title);
  Range range;  // over the finite points of both curves
  for (const EpochRecord& r : records_)
    for (double cost : {r.train_cost, r.dev_cost}) range.add(static_cast<double>(r.epoch), cost);
  if (range.empty()) return svg + svg_no_data(cost_chart);
  const auto [x, y] = draw_axes(svg, cost_chart, range);
  const auto [width, height, left, right, top, bottom] = cost_chart;

  // The curves. x and y are captured by init-capture: clang 16 with OpenMP cannot capture a structured
  // binding.
  auto curve = [&, &x = x, &y = y](double EpochRecord::*cost, const char* colour, const char* id) {
    std::vector<std::pair<double, double>> points;
    for (const EpochRecord& r : records_) points.emplace_back(static_cast<double>(r.epoch), r.*cost);
    return draw_polyline(svg, id, colour, points, x, y);
  };
  const bool has_train = curve(&EpochRecord::train_cost, "#1f77b4", "train_cost");
  const bool has_dev = curve(&EpochRecord::dev_cost, "#ff7f0e", "dev_cost");

  // The best dev epoch.
  if (const auto best = best_epoch()) {
    double cost = 0;
    for (const EpochRecord& r : records_)
      if (r.epoch == *best) cost = r.dev_cost;
    const bool label_left = x(static_cast<double>(*best)) > 0.55 * width;  // keep clear of the legend
    svg += fmt::format("<line x1=\"{0:.2f}\" y1=\"{1}\" x2=\"{0:.2f}\" y2=\"{2}\" stroke=\"#2ca02c\" "
                       "stroke-dasharray=\"5,4\"/>\n<circle cx=\"{0:.2f}\" cy=\"{3:.2f}\" r=\"4\" fill=\"#2ca02c\"/>\n"
                       "<text x=\"{4:.2f}\" y=\"{5}\" fill=\"#2ca02c\" text-anchor=\"{8}\">best dev cost {6:.4g} "
                       "(epoch {7})</text>\n",
                       x(static_cast<double>(*best)), top, height - bottom, y(cost),
                       x(static_cast<double>(*best)) + (label_left ? -6 : 6), top + 14, cost, *best,
                       label_left ? "end" : "start");
  }

  std::vector<std::pair<std::string_view, std::string>> legend;
  if (has_train) legend.emplace_back("#1f77b4", "train cost");
  if (has_dev) legend.emplace_back("#ff7f0e", "dev cost");
  draw_legend(svg, cost_chart, 120, legend);
  svg += "</svg>\n";
  return svg;
}

std::string cost_curves_svg(std::string_view title, std::span<const CostCurve> curves) {
  // Matplotlib's default cycle: distinct, and readable for the common kinds of colour blindness.
  static constexpr std::string_view palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  std::string svg = svg_start(cost_chart, title);
  Range range;
  for (const CostCurve& c : curves)
    for (const CostPoint& p : c.points) range.add(p.epoch, p.cost);
  if (range.empty()) return svg + svg_no_data(cost_chart);
  range.x_lo = std::min(range.x_lo, 0.0);  // training starts at epoch 0, before the first step
  const auto [x, y] = draw_axes(svg, cost_chart, range);

  std::vector<std::pair<std::string_view, std::string>> legend;
  std::size_t longest = 0;
  for (std::size_t k = 0; k < curves.size(); ++k) {
    const std::string_view colour = palette[k % std::size(palette)];
    std::vector<std::pair<double, double>> points;
    for (const CostPoint& p : curves[k].points) points.emplace_back(p.epoch, p.cost);
    draw_polyline(svg, fmt::format("curve{}", k + 1), colour, points, x, y);
    legend.emplace_back(colour, xml_escape(curves[k].name));
    longest = std::max(longest, curves[k].name.size());
  }
  draw_legend(svg, cost_chart, 40 + 7 * static_cast<double>(longest), legend);  // ~7 pixels a character
  svg += "</svg>\n";
  return svg;
}

void History::write_csv(const std::string& path) const { write_file_atomically(path, csv()); }

void History::write_learning_curve_svg(const std::string& path, std::string_view title) const {
  write_file_atomically(path, learning_curve_svg(title));
}

void write_cost_curves_svg(const std::string& path, std::string_view title,
                           std::span<const CostCurve> curves) {
  write_file_atomically(path, cost_curves_svg(title, curves));
}

}  // namespace sg
