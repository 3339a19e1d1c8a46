// History: the CSV reads back, the SVG is well-formed XML with one point per finite cost; so are the
// cost curves of several runs.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <boost/test/unit_test.hpp>

#include "staticgrad/train/history.hpp"
#include "temp_folder.hpp"

namespace fs = std::filesystem;

namespace {

sg::History sample_history() {
  // [snippet:history]
  sg::History history;
  const double train[] = {0.69, 0.52, 0.41, 0.35, 0.31, 0.29};
  const double dev[] = {0.70, 0.55, 0.47, 0.45, 0.46, 0.49};
  for (std::size_t e = 1; e <= 6; ++e)
    history.add({.epoch = e, .train_cost = train[e - 1], .dev_cost = dev[e - 1],
                 .metrics = {{"dev_accuracy", 0.5 + 0.05 * static_cast<double>(e)}},
                 .learning_rate = 0.1 / static_cast<double>(e), .seconds = 1.25});
  // [snippet:history]
  return history;
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream cells(line);
    while (std::getline(cells, field, ',')) fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    rows.push_back(fields);
  }
  return rows;
}

std::size_t count_points(const std::string& points) {
  std::istringstream in(points);
  std::size_t n = 0;
  for (std::string pair; in >> pair;) {
    BOOST_TEST(pair.find(',') != std::string::npos);
    ++n;
  }
  return n;
}

// The polylines of an SVG document by id, with their point counts; fails the test unless well-formed.
std::map<std::string, std::size_t> polylines(const std::string& svg) {
  boost::property_tree::ptree tree;
  std::istringstream in(svg);
  BOOST_REQUIRE_NO_THROW(boost::property_tree::read_xml(in, tree));
  std::map<std::string, std::size_t> found;
  for (const auto& [tag, node] : tree.get_child("svg"))
    if (tag == "polyline")
      found[node.get<std::string>("<xmlattr>.id")] = count_points(node.get<std::string>("<xmlattr>.points"));
  return found;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(history)

BOOST_AUTO_TEST_CASE(best_epoch_is_the_lowest_dev_cost) {
  BOOST_TEST(*sample_history().best_epoch() == 4u);
  sg::History no_dev;
  no_dev.add({.epoch = 1, .train_cost = 0.3});
  BOOST_TEST(!no_dev.best_epoch().has_value());
  sg::History ties;
  ties.add({.epoch = 1, .dev_cost = 0.5});
  ties.add({.epoch = 2, .dev_cost = NAN});
  ties.add({.epoch = 3, .dev_cost = 0.5});
  BOOST_TEST(*ties.best_epoch() == 1u);
}

BOOST_AUTO_TEST_CASE(csv_reads_back_exactly) {
  sg_test::TempFolder dir;
  sg::History history = sample_history();
  history.add({.epoch = 7, .train_cost = 0.28, .metrics = {{"note, quoted", 1.0}}, .learning_rate = 1e-3});
  // [snippet:history_files]
  history.write_csv(dir.path / "history.csv");
  history.write_learning_curve_svg(dir.path / "learning_curve.svg", "784-128-10, Adam");
  // [snippet:history_files]
  std::ifstream in(dir.path / "history.csv");
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto rows = parse_csv(text);
  BOOST_REQUIRE(rows.size() == 8u);
  // The quoted metric name holds a comma, so a naive split yields one field more in the header.
  BOOST_TEST(text.substr(0, text.find('\n')) ==
             "epoch,train_cost,dev_cost,learning_rate,seconds,dev_accuracy,\"note, quoted\"");
  for (std::size_t e = 1; e <= 6; ++e) {
    const auto& row = rows[e];
    const sg::EpochRecord& r = history.records()[e - 1];
    BOOST_REQUIRE(row.size() == 7u);
    BOOST_TEST(std::stoul(row[0]) == e);
    BOOST_TEST(std::strtod(row[1].c_str(), nullptr) == r.train_cost);  // exact: shortest round-trip form
    BOOST_TEST(std::strtod(row[2].c_str(), nullptr) == r.dev_cost);
    BOOST_TEST(std::strtod(row[3].c_str(), nullptr) == r.learning_rate);
    BOOST_TEST(std::strtod(row[4].c_str(), nullptr) == 1.25);
    BOOST_TEST(std::strtod(row[5].c_str(), nullptr) == r.metrics.at("dev_accuracy"));
    BOOST_TEST(row[6].empty());
  }
  BOOST_TEST(rows[7][2] == "nan");  // no dev cost in epoch 7
  BOOST_TEST(rows[7][5].empty());
  BOOST_TEST(rows[7][6] == "1");
  BOOST_TEST(fs::exists(dir.path / "learning_curve.svg"));
  BOOST_TEST(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 2);
}

BOOST_AUTO_TEST_CASE(svg_is_well_formed_with_both_curves) {
  const std::string svg = sample_history().learning_curve_svg("Adam <lr=1e-3> & \"decay\"");
  const auto lines = polylines(svg);
  BOOST_TEST(lines.size() == 2u);
  BOOST_TEST(lines.at("train_cost") == 6u);
  BOOST_TEST(lines.at("dev_cost") == 6u);
  BOOST_TEST(svg.find("best dev cost 0.45 (epoch 4)") != std::string::npos);
  BOOST_TEST(svg.find(">epoch</text>") != std::string::npos);
  BOOST_TEST(svg.find(">cost</text>") != std::string::npos);
  BOOST_TEST(svg.find("Adam &lt;lr=1e-3&gt; &amp; &quot;decay&quot;") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(svg_leaves_out_missing_costs_and_survives_edge_cases) {
  sg::History history;
  history.add({.epoch = 1, .train_cost = 0.5});
  history.add({.epoch = 2, .train_cost = INFINITY, .dev_cost = 0.6});
  history.add({.epoch = 3, .train_cost = 0.4, .dev_cost = NAN});
  const auto lines = polylines(history.learning_curve_svg("gaps"));
  BOOST_TEST(lines.at("train_cost") == 2u);
  BOOST_TEST(lines.at("dev_cost") == 1u);
  sg::History one;
  one.add({.epoch = 1, .train_cost = 0.5, .dev_cost = 0.5});  // one epoch, one value: degenerate ranges
  BOOST_TEST(polylines(one.learning_curve_svg("one")).size() == 2u);
  BOOST_TEST(polylines(sg::History{}.learning_curve_svg("empty")).empty());
}

BOOST_AUTO_TEST_CASE(cost_curves_svg_draws_each_curve_and_names_it) {
  // Two runs: one point per epoch, and one every half epoch with a missing (NaN) cost.
  const std::vector<sg::CostCurve> curves{
      {"gradient descent (alpha 0.01)", {{1, 0.9}, {2, 0.7}, {3, 0.6}}},
      {"Adam <beta1=0.9> & co", {{0.5, 1.2}, {1, 0.6}, {1.5, NAN}, {2, 0.4}, {2.5, 0.35}, {3, 0.3}}}};
  const std::string svg = sg::cost_curves_svg("four \"optimisers\"", curves);
  const auto lines = polylines(svg);
  BOOST_TEST(lines.size() == 2u);
  BOOST_TEST(lines.at("curve1") == 3u);
  BOOST_TEST(lines.at("curve2") == 5u);
  BOOST_TEST(svg.find(">gradient descent (alpha 0.01)</text>") != std::string::npos);
  BOOST_TEST(svg.find(">Adam &lt;beta1=0.9&gt; &amp; co</text>") != std::string::npos);
  BOOST_TEST(svg.find("four &quot;optimisers&quot;") != std::string::npos);
  BOOST_TEST(svg.find(">epoch</text>") != std::string::npos);
  BOOST_TEST(svg.find(">cost</text>") != std::string::npos);
  // The epoch axis starts at 0: a tick labelled 0 sits on the left edge of the plot.
  BOOST_TEST(svg.find("text-anchor=\"middle\">0</text>") != std::string::npos);

  sg_test::TempFolder dir;
  sg::write_cost_curves_svg(dir.path / "optimizers.svg", "four", curves);
  std::ifstream in(dir.path / "optimizers.svg");
  const std::string written{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  BOOST_TEST(written == sg::cost_curves_svg("four", curves));

  const std::vector<sg::CostCurve> nothing{{"all NaN", {{1, NAN}}}};
  BOOST_TEST(polylines(sg::cost_curves_svg("empty", nothing)).empty());
  BOOST_TEST(polylines(sg::cost_curves_svg("none", {})).empty());
}

BOOST_AUTO_TEST_SUITE_END()
