#define BOOST_TEST_MODULE history
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <string>
#include <vector>

#include "ctgrad/io/history.hpp"
#include "temp_dir.hpp"

namespace io = ctgrad::io;
using io::testing::read_text;
using io::testing::temp_dir;

namespace {

std::vector<io::run_history> two_runs() {
  return {
      {"relu", {{1, 0.5, 0.82, 0.45, 0.84, 4.0}, {2, 0.4, 0.86, 0.42, 0.85, 4.5}}},
      {"gelu", {{1, 0.48, 0.83, 0.44, 0.845, 5.0}, {2, 0.38, 0.87, 0.41, 0.855, 5.5}}},
  };
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

struct gnuplot_installed {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    boost::test_tools::assertion_result r(::access("/usr/bin/gnuplot", X_OK) == 0);
    r.message() << "/usr/bin/gnuplot is missing: install gnuplot-nox to run this test";
    return r;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(history)

BOOST_AUTO_TEST_CASE(csv_has_a_header_and_one_row_per_epoch) {
  temp_dir dir;
  const auto runs = two_runs();
  BOOST_TEST_REQUIRE(io::write_history_csv(dir.file("h.csv"), runs).ok());
  BOOST_TEST(read_text(dir.file("h.csv")) ==
             "activation,epoch,loss,accuracy,val_loss,val_accuracy,seconds\n"
             "relu,1,0.5,0.82,0.45,0.84,4\n"
             "relu,2,0.4,0.86,0.42,0.85,4.5\n"
             "gelu,1,0.48,0.83,0.44,0.845,5\n"
             "gelu,2,0.38,0.87,0.41,0.855,5.5\n");
  BOOST_TEST(dir.list() == std::vector<std::string>{"h.csv"});
}

BOOST_AUTO_TEST_CASE(csv_quotes_awkward_activation_names) {
  const std::vector<io::run_history> runs = {{"leaky_relu(0.1, \"x\")", {{1, 1, 0.5, 1, 0.5, 1}}}};
  BOOST_TEST(io::history_csv(runs) ==
             "activation,epoch,loss,accuracy,val_loss,val_accuracy,seconds\n"
             "\"leaky_relu(0.1, \"\"x\"\")\",1,1,0.5,1,0.5,1\n");
}

BOOST_AUTO_TEST_CASE(plot_script_draws_accuracy_left_and_loss_right_per_activation) {
  const auto s = io::history_plot_script(two_runs(), "h.dat", "h", "T");
  BOOST_TEST(contains(s, "set multiplot layout 1,2 title 'T'"));
  const auto acc = s.find("set title 'accuracy'"), loss = s.find("set title 'loss'");
  BOOST_TEST_REQUIRE(acc != std::string::npos);
  BOOST_TEST_REQUIRE(loss != std::string::npos);
  BOOST_TEST(acc < loss);  // left panel first
  const std::string acc_panel = s.substr(acc, loss - acc), loss_panel = s.substr(loss);
  // train solid (dt 1) and validation dashed (dt 2), colour i+1 for run i, data block i
  BOOST_TEST(contains(acc_panel, "'h.dat' index 0 using 1:3 with linespoints lw 2 pt 7 ps 0.5 lc 1 dt 1 title 'relu train'"));
  BOOST_TEST(contains(acc_panel, "'' index 0 using 1:5 with linespoints lw 2 pt 7 ps 0.5 lc 1 dt 2 title 'relu val'"));
  BOOST_TEST(contains(acc_panel, "'' index 1 using 1:3 with linespoints lw 2 pt 7 ps 0.5 lc 2 dt 1 title 'gelu train'"));
  BOOST_TEST(contains(loss_panel, "index 1 using 1:4 with linespoints lw 2 pt 7 ps 0.5 lc 2 dt 2 title 'gelu val'"));
  BOOST_TEST(contains(loss_panel, "index 0 using 1:2 "));
  BOOST_TEST(contains(s, "set output 'h.svg'"));
  BOOST_TEST(contains(s, "set output 'h.png'"));
}

BOOST_AUTO_TEST_CASE(plot_titles_escape_quotes) {
  const std::vector<io::run_history> runs = {{"o'neil", {{1, 1, 0.5, 1, 0.5, 1}}}};
  BOOST_TEST(contains(io::history_plot_script(runs, "d", "o", "t"), "title 'o''neil train'"));
}

BOOST_AUTO_TEST_CASE(data_file_has_one_block_per_run) {
  temp_dir dir;
  const auto r = io::write_history_plot(dir.file("h"), two_runs(), {.gnuplot = ""});
  BOOST_TEST_REQUIRE(r.ok(), r.status());
  BOOST_TEST(r->svg.empty());
  BOOST_TEST(contains(r->note, "rendering disabled; render with: cd " + dir.path() + " && gnuplot h.gp"));
  BOOST_TEST(read_text(r->data) ==
             "# index 0: relu\n# epoch loss accuracy val_loss val_accuracy seconds\n"
             "1 0.5 0.82 0.45 0.84 4\n2 0.4 0.86 0.42 0.85 4.5\n"
             "\n\n"
             "# index 1: gelu\n# epoch loss accuracy val_loss val_accuracy seconds\n"
             "1 0.48 0.83 0.44 0.845 5\n2 0.38 0.87 0.41 0.855 5.5\n");
  BOOST_TEST(read_text(r->script) == io::history_plot_script(two_runs(), "h.dat", "h",
                                                             io::plot_options{}.title));
}

BOOST_AUTO_TEST_CASE(missing_gnuplot_is_a_note_saying_how_to_render) {
  temp_dir dir;
  const auto r = io::write_history_plot(dir.file("h"), two_runs(), {.gnuplot = "/nonexistent/gnuplot"});
  BOOST_TEST_REQUIRE(r.ok(), r.status());
  BOOST_TEST(r->svg.empty());
  BOOST_TEST(r->png.empty());
  BOOST_TEST(contains(r->note, "/nonexistent/gnuplot not found; install gnuplot (Debian: gnuplot-nox)"), r->note);
  BOOST_TEST(contains(r->note, "gnuplot h.gp"), r->note);
  BOOST_TEST(dir.list() == (std::vector<std::string>{"h.dat", "h.gp"}));
}

BOOST_AUTO_TEST_CASE(gnuplot_renders_svg_and_png, *boost::unit_test::precondition(gnuplot_installed())) {
  temp_dir dir;
  const auto r = io::write_history_plot(dir.file("h"), two_runs());
  BOOST_TEST_REQUIRE(r.ok(), r.status());
  BOOST_TEST_REQUIRE(r->svg == dir.file("h.svg"), r->note);
  const std::string svg = read_text(r->svg);
  BOOST_TEST(contains(svg, "<svg"));
  BOOST_TEST(contains(svg, "relu train"));
  BOOST_TEST(contains(svg, "gelu val"));
  BOOST_TEST(contains(svg, "accuracy"));
  if (!r->png.empty()) {
    BOOST_TEST(read_text(r->png).substr(0, 4) == "\x89PNG");
  } else {
    BOOST_TEST_MESSAGE("PNG not rendered: " << r->note);
  }
}

BOOST_AUTO_TEST_CASE(plot_rejects_no_runs_and_line_breaks) {
  temp_dir dir;
  BOOST_TEST(io::write_history_plot(dir.file("h"), {}).status().code() ==
             absl::StatusCode::kInvalidArgument);
  const std::vector<io::run_history> bad = {{"a\nb", {}}};
  BOOST_TEST(!io::write_history_plot(dir.file("h"), bad).ok());
}

BOOST_AUTO_TEST_CASE(comparison_table_has_a_row_per_activation) {
  const std::vector<io::run_summary> rows = {{"relu", 0.8812, 0.33449, 4.213},
                                             {"leaky_relu", 0.8791, 0.3401, 4.3}};
  BOOST_TEST(io::format_comparison_table(rows) ==
             "activation  test accuracy  test loss  s/epoch\n"
             "relu               88.12%     0.3345     4.21\n"
             "leaky_relu         87.91%     0.3401     4.30\n");
  BOOST_TEST(io::mean_epoch_seconds(two_runs()[1]) == 5.25);
  BOOST_TEST(io::mean_epoch_seconds(io::run_history{}) == 0.0);
}

BOOST_AUTO_TEST_CASE(history_metadata_gives_back_the_same_doubles) {
  io::run_history h{"relu", {{1, 0.1, 1.0 / 3.0, 0.45, 0.84, 4.0}, {2, 1e-300, 0.86, 2.0 / 3.0, 0.85, 123.456}}};
  const std::string text = io::history_metadata(h);
  BOOST_TEST(text.find(';') != std::string::npos);
  const auto back = io::parse_history_metadata(text, "ck.bin");
  BOOST_TEST_REQUIRE(back.ok(), back.status().message());
  BOOST_TEST_REQUIRE(back->size() == 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& a = h.epochs[i];
    const auto& b = (*back)[i];
    BOOST_TEST(a.epoch == b.epoch);
    BOOST_TEST(a.loss == b.loss);  // exactly: 17 significant digits
    BOOST_TEST(a.accuracy == b.accuracy);
    BOOST_TEST(a.val_loss == b.val_loss);
    BOOST_TEST(a.val_accuracy == b.val_accuracy);
    BOOST_TEST(a.seconds == b.seconds);
  }
  BOOST_TEST(io::history_metadata(io::run_history{"relu", {}}).empty());
  BOOST_TEST(io::parse_history_metadata("", "ck.bin")->empty());
}

BOOST_AUTO_TEST_CASE(malformed_history_metadata_is_data_loss_naming_the_file_and_entry) {
  const auto bad = io::parse_history_metadata("1,0.5,0.8,0.4,0.8,4;2,0.4,oops,0.4,0.8,4", "run/ck.bin");
  BOOST_TEST(absl::IsDataLoss(bad.status()));
  BOOST_TEST(contains(std::string(bad.status().message()), "run/ck.bin: malformed history entry '2,0.4,oops"));
  BOOST_TEST(absl::IsDataLoss(io::parse_history_metadata("1,0.5,0.8", "x").status()));
}

BOOST_AUTO_TEST_SUITE_END()
