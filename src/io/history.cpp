// Training history: CSV, the gnuplot figure (script + data + rendering), the comparison table.
#include "ctgrad/io/history.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "file_util.hpp"

namespace ctgrad::io {
namespace {

// RFC 4180: quote a field holding a comma, quote or line break; double the quotes.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A gnuplot single-quoted string: no escapes inside except '' for a quote.
std::string gp_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string dir_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}
std::string base_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The executable for `name`: itself when it holds a '/', else the first match in PATH.
std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : "/usr/bin:/bin", ':')) {
    std::string candidate = absl::StrCat(dir.empty() ? "." : dir, "/", name);
    struct stat st{};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

bool non_empty_file(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

// Runs `program args...` in `dir` with stdout discarded; returns "" on exit status 0, else what
// it wrote to stderr (or how it failed).
std::string run_in(const std::string& dir, const std::string& program,
                   std::vector<std::string> args) {
  args.insert(args.begin(), program);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return "cannot create a pipe";
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(err_pipe[0]);
    ::close(err_pipe[1]);
    return "fork failed";
  }
  if (pid == 0) {  // child: async-signal-safe calls only
    const int devnull = ::open("/dev/null", O_RDWR);
    if (devnull >= 0) {
      ::dup2(devnull, 0);
      ::dup2(devnull, 1);
    }
    ::dup2(err_pipe[1], 2);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  std::string err;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(err_pipe[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (err.size() < 16384) err.append(buf, static_cast<std::size_t>(n));
  }
  ::close(err_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
  if (err.empty()) {
    err = WIFEXITED(status) ? absl::StrFormat("exit status %d", WEXITSTATUS(status))
                            : std::string("killed by a signal");
  }
  return err;
}

}  // namespace

std::string history_metadata(const run_history& h) {
  std::string s;
  for (const auto& e : h.epochs)
    absl::StrAppend(&s, s.empty() ? "" : ";",
                    absl::StrFormat("%d,%.17g,%.17g,%.17g,%.17g,%.17g", e.epoch, e.loss, e.accuracy, e.val_loss,
                                    e.val_accuracy, e.seconds));
  return s;
}

absl::StatusOr<std::vector<epoch_record>> parse_history_metadata(std::string_view text, std::string_view source) {
  std::vector<epoch_record> out;
  if (text.empty()) return out;
  for (absl::string_view row : absl::StrSplit(absl::string_view(text.data(), text.size()), ';')) {
    std::vector<absl::string_view> f = absl::StrSplit(row, ',');
    epoch_record r;
    if (f.size() != 6 || !absl::SimpleAtoi(f[0], &r.epoch) || !absl::SimpleAtod(f[1], &r.loss) ||
        !absl::SimpleAtod(f[2], &r.accuracy) || !absl::SimpleAtod(f[3], &r.val_loss) ||
        !absl::SimpleAtod(f[4], &r.val_accuracy) || !absl::SimpleAtod(f[5], &r.seconds))
      return absl::DataLossError(absl::StrFormat("%s: malformed history entry '%s'",
                                                 absl::string_view(source.data(), source.size()), row));
    out.push_back(r);
  }
  return out;
}

std::string history_csv(absl::Span<const run_history> runs) {
  std::string out = "activation,epoch,loss,accuracy,val_loss,val_accuracy,seconds\n";
  for (const auto& run : runs) {
    const std::string name = csv_field(run.activation);
    for (const auto& e : run.epochs) {
      absl::StrAppendFormat(&out, "%s,%d,%.6g,%.6g,%.6g,%.6g,%.6g\n", name, e.epoch, e.loss,
                            e.accuracy, e.val_loss, e.val_accuracy, e.seconds);
    }
  }
  return out;
}

absl::Status write_history_csv(const std::string& path, absl::Span<const run_history> runs) {
  return detail::write_file_atomic(path, history_csv(runs));
}

std::string history_plot_script(absl::Span<const run_history> runs, const std::string& data_name,
                                const std::string& out_stem, const std::string& title) {
  std::string s;
  absl::StrAppend(&s,
      "# ctgrad training history: accuracy (left) and loss (right) per epoch;\n"
      "# train solid, validation dashed, one colour per activation. Data: ", data_name, "\n",
      "# Render: gnuplot ", out_stem, ".gp   (PNG: gnuplot -e 'fmt=\"png\"' ", out_stem, ".gp)\n",
      "if (!exists(\"fmt\")) fmt = \"svg\"\n",
      "if (fmt eq \"png\") {\n",
      "  if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n",
      "    set terminal pngcairo size 1200,480 font \",10\"\n",
      "  } else {\n",
      "    set terminal png size 1200,480\n",
      "  }\n",
      "  set output ", gp_quote(out_stem + ".png"), "\n",
      "} else {\n",
      "  set terminal svg size 1200,480 dynamic font \"sans,11\"\n",
      "  set output ", gp_quote(out_stem + ".svg"), "\n",
      "}\n",
      "set termoption noenhanced\n",
      "set multiplot layout 1,2 title ", gp_quote(title), "\n",
      "set grid\n",
      "set xlabel 'epoch'\n");
  std::size_t max_epochs = 0;
  for (const auto& r : runs) max_epochs = std::max(max_epochs, r.epochs.size());
  // One tic per epoch while that stays readable, gnuplot's own integer-spaced tics beyond.
  s += max_epochs <= 20 ? "set xtics 1\n" : "set xtics autofreq\nset mxtics\n";
  // Columns of the data file: 1 epoch, 2 loss, 3 accuracy, 4 val_loss, 5 val_accuracy.
  auto panel = [&](const char* name, int train_col, int val_col, const char* key) {
    absl::StrAppend(&s, "set title '", name, "'\nset ylabel '", name, "'\nset key ", key, "\nplot ");
    for (std::size_t i = 0; i < runs.size(); ++i) {
      const std::string file = i == 0 ? gp_quote(data_name) : std::string("''");
      absl::StrAppendFormat(&s,
          "%s%s index %d using 1:%d with linespoints lw 2 pt 7 ps 0.5 lc %d dt 1 title %s, \\\n"
          "     '' index %d using 1:%d with linespoints lw 2 pt 7 ps 0.5 lc %d dt 2 title %s",
          i == 0 ? "" : ", \\\n     ", file, i, train_col, i + 1,
          gp_quote(runs[i].activation + " train"), i, val_col, i + 1,
          gp_quote(runs[i].activation + " val"));
    }
    s += "\n";
  };
  panel("accuracy", 3, 5, "bottom right");
  panel("loss", 2, 4, "top right");
  s += "unset multiplot\nset output\n";
  return s;
}

absl::StatusOr<plot_result> write_history_plot(const std::string& prefix,
                                               absl::Span<const run_history> runs,
                                               const plot_options& options) {
  if (runs.empty()) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: no runs to plot", prefix));
  }
  for (const auto& r : runs) {
    if (r.activation.find_first_of("\r\n") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: activation name '%s' holds a line break", prefix, r.activation));
    }
  }
  plot_result out;
  out.script = prefix + ".gp";
  out.data = prefix + ".dat";
  const std::string dir = dir_of(prefix);
  const std::string stem = base_of(prefix);

  std::string data;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (i != 0) data += "\n\n";  // gnuplot: two blank lines start the next index
    absl::StrAppendFormat(&data, "# index %d: %s\n# epoch loss accuracy val_loss val_accuracy seconds\n",
                          i, runs[i].activation);
    for (const auto& e : runs[i].epochs) {
      absl::StrAppendFormat(&data, "%d %.6g %.6g %.6g %.6g %.6g\n", e.epoch, e.loss, e.accuracy,
                            e.val_loss, e.val_accuracy, e.seconds);
    }
  }
  if (auto s = detail::write_file_atomic(out.data, data); !s.ok()) return s;
  if (auto s = detail::write_file_atomic(
          out.script, history_plot_script(runs, stem + ".dat", stem, options.title));
      !s.ok()) {
    return s;
  }

  const std::string by_hand = absl::StrFormat("render with: cd %s && gnuplot %s.gp", dir, stem);
  if (options.gnuplot.empty()) {
    out.note = absl::StrCat("rendering disabled; ", by_hand);
    return out;
  }
  const std::string gnuplot = find_program(options.gnuplot);
  if (gnuplot.empty()) {
    out.note = absl::StrFormat(
        "%s not found%s; install gnuplot (Debian: gnuplot-nox) and %s", options.gnuplot,
        options.gnuplot.find('/') == std::string::npos ? " in PATH" : "", by_hand);
    return out;
  }
  if (std::string err = run_in(dir, gnuplot, {"-e", "fmt=\"svg\"", stem + ".gp"});
      !err.empty() || !non_empty_file(prefix + ".svg")) {
    out.note = absl::StrFormat("gnuplot failed to render %s.svg: %s", prefix,
                               err.empty() ? "no output file" : err);
    return out;
  }
  out.svg = prefix + ".svg";
  if (options.png) {
    if (std::string err = run_in(dir, gnuplot, {"-e", "fmt=\"png\"", stem + ".gp"});
        err.empty() && non_empty_file(prefix + ".png")) {
      out.png = prefix + ".png";
    } else {
      out.note = absl::StrFormat("PNG not rendered (gnuplot: %s)", err.empty() ? "no output file" : err);
    }
  }
  return out;
}

double mean_epoch_seconds(const run_history& run) {
  if (run.epochs.empty()) return 0;
  double sum = 0;
  for (const auto& e : run.epochs) sum += e.seconds;
  return sum / static_cast<double>(run.epochs.size());
}

std::string format_comparison_table(absl::Span<const run_summary> rows) {
  std::size_t w = 10;  // "activation"
  for (const auto& r : rows) w = std::max(w, r.activation.size());
  const int width = static_cast<int>(w);
  std::string out = absl::StrFormat("%-*s  %13s  %9s  %7s\n", width, "activation", "test accuracy",
                                    "test loss", "s/epoch");
  for (const auto& r : rows) {
    absl::StrAppendFormat(&out, "%-*s  %12.2f%%  %9.4f  %7.2f\n", width, r.activation,
                          100.0 * r.test_accuracy, r.test_loss, r.epoch_seconds);
  }
  return out;
}

}  // namespace ctgrad::io
