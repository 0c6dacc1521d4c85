#define BOOST_TEST_MODULE progress
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "ctgrad/io/progress.hpp"

namespace io = ctgrad::io;

namespace {

// Captures what a FILE* receives (POSIX open_memstream), so tests see the exact bytes.
class capture {
 public:
  capture() : file_(::open_memstream(&buf_, &size_)) { BOOST_TEST_REQUIRE(file_ != nullptr); }
  ~capture() {
    if (file_ != nullptr) std::fclose(file_);
    std::free(buf_);
  }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(buf_, size_);
  }

 private:
  char* buf_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* file_;
};

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (auto p = s.find('\n'); p != std::string::npos; start = p + 1, p = s.find('\n', start)) {
    out.push_back(s.substr(start, p - start));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(progress)

BOOST_AUTO_TEST_CASE(plain_style_prints_a_line_per_quarter) {
  capture out;
  double t = 0;
  {
    io::epoch_progress p(2, 5, 100,
                         {.out = out.file(), .style = io::progress_style::plain, .clock = [&] { return t; }});
    for (std::size_t b = 1; b <= 100; ++b) {
      t += 0.01;
      p.update(b, b * 32, 1.0 / static_cast<double>(b));
    }
  }
  const auto ls = lines(out.text());
  BOOST_TEST_REQUIRE(ls.size() == 4u, out.text());
  BOOST_TEST(ls[0].find("epoch 2/5  batch 25/100 (25%)") == 0u, ls[0]);
  BOOST_TEST(ls[1].find("batch 50/100 (50%)") != std::string::npos);
  BOOST_TEST(ls[2].find("batch 75/100 (75%)") != std::string::npos);
  BOOST_TEST(ls[3] == "epoch 2/5  batch 100/100 (100%)  loss 0.0100  3200 samples/s  ETA 0:00");
  BOOST_TEST(count(out.text(), "\r") == 0u);
}

BOOST_AUTO_TEST_CASE(plain_style_reports_where_an_unfinished_epoch_stopped) {
  capture out;
  io::epoch_progress p(1, 1, 10, {.out = out.file(), .style = io::progress_style::plain, .clock = [] { return 1.0; }});
  p.update(1, 64, 2.5);
  p.finish();
  p.finish();
  const auto ls = lines(out.text());
  BOOST_TEST_REQUIRE(ls.size() == 1u, out.text());
  BOOST_TEST(ls[0].find("batch 1/10 (10%)  loss 2.5000") != std::string::npos, ls[0]);
}

BOOST_AUTO_TEST_CASE(terminal_style_redraws_in_place_at_most_ten_times_a_second) {
  capture out;
  double t = 0;
  {
    io::epoch_progress p(1, 3, 1000,
                         {.out = out.file(), .style = io::progress_style::terminal, .clock = [&] { return t; }});
    for (std::size_t b = 1; b <= 1000; ++b) {  // 1000 batches in 2 simulated seconds
      t += 0.002;
      p.update(b, b * 64, 0.5);
    }
  }
  const std::string s = out.text();
  const std::size_t draws = count(s, "\r");
  BOOST_TEST(draws >= 20u);  // first draw, then every 0.1 s, then the last
  BOOST_TEST(draws <= 22u);
  BOOST_TEST(count(s, "\n") == 1u);
  BOOST_TEST(s.back() == '\n');
  const std::string last = s.substr(s.rfind('\r') + 1);
  BOOST_TEST(last.find("epoch 1/3 [########################] 1000/1000  loss 0.5000  32000 samples/s  ETA 0:00") == 0u,
             last);
}

BOOST_AUTO_TEST_CASE(terminal_style_shows_rate_and_eta_midway) {
  capture out;
  double t = 0;
  io::epoch_progress p(1, 1, 100, {.out = out.file(), .style = io::progress_style::terminal, .clock = [&] { return t; }});
  t = 2.0;
  p.update(50, 3200, 0.75);
  const std::string s = out.text();
  BOOST_TEST(s.find("\repoch 1/1 [############............]  50/100  loss 0.7500  1600 samples/s  ETA 0:02") == 0u, s);
}

BOOST_AUTO_TEST_CASE(automatic_style_is_plain_when_not_a_terminal) {
  capture out;
  io::epoch_progress p(1, 1, 4, {.out = out.file()});
  BOOST_TEST((p.style() == io::progress_style::plain));
}

BOOST_AUTO_TEST_CASE(summary_line_has_every_metric) {
  const io::epoch_record r{.epoch = 3, .loss = 0.41234, .accuracy = 0.85119, .val_loss = 0.441,
                           .val_accuracy = 0.8433, .seconds = 4.214};
  BOOST_TEST(io::format_epoch_summary(r, 20) ==
             "epoch 3/20  loss 0.4123  accuracy 0.8512  val_loss 0.4410  val_accuracy 0.8433  seconds 4.21");
  capture out;
  io::print_epoch_summary(r, 20, out.file());
  BOOST_TEST(out.text() == io::format_epoch_summary(r, 20) + "\n");
}

BOOST_AUTO_TEST_SUITE_END()
