// ctgrad-gradcheck: checks the derivatives of every registered activation, every loss, softmax and a
// sample MLP through the graph (ctgrad/check/suite.hpp) and prints a table; exits 1 on any failure.
// The table logic is run_suite() and format_table(); this file only parses the flags.
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "ctgrad/check/suite.hpp"

ABSL_FLAG(std::string, format, "table", "Output format: table (for people) or csv (for machines).");
ABSL_FLAG(std::string, dtype, "float,double",
          "Analytic dtypes to check, comma-separated: float, double (the numeric side is always double).");
ABSL_FLAG(std::string, order, "1,2",
          "Derivative orders, comma-separated: 1 (gradients), 2 (Hessian-vector products of the activations).");
ABSL_FLAG(std::string, only, "",
          "Cases to run: comma-separated regular expressions matching whole case names, e.g. "
          "'relu,softplus', 'mlp.*', 'cross_entropy'. Empty: every case.");
ABSL_FLAG(int, points, 12, "Random points per activation, parameter set, dtype and order (plus ±20, ±88, ±1e4).");
ABSL_FLAG(std::uint64_t, seed, 0x5eed, "Seed of the points, tensors and directions (same results everywhere).");

int main(int argc, char** argv) {
  // --help lists the flags of this file (by default absl lists those of a file named after the
  // program, ctgrad-gradcheck, and finds none).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) { return absl::StrContains(file, "tools/gradcheck"); };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "checks ctgrad's derivatives against Ridders-extrapolated finite differences in double.\n"
      "Every activation of ctgrad::activation_list (default and one other parameter set; random points\n"
      "away from its kinks, the extremes ±20, ±88, ±1e4, and each kink against its convention), every\n"
      "loss, softmax/log_softmax and an MLP with each activation, all through the graph (grad()).\n"
      "Prints function | points | max abs err | max rel err | kinks | order | dtype | result and the\n"
      "failing checks' tables; exit status 0 if every row passed, 1 if one failed, 2 on a usage error.\n"
      "Usage: ctgrad-gradcheck [--format=table|csv] [--dtype=float,double] [--order=1,2]\n"
      "                        [--only=REGEX,...] [--points=N] [--seed=N]");
  absl::ParseCommandLine(argc, argv);

  ctgrad::check::suite_options opts;
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format != "table" && format != "csv") {
    std::fprintf(stderr, "ctgrad-gradcheck: --format=%s: use table or csv\n", format.c_str());
    return 2;
  }
  auto dtypes = ctgrad::check::parse_dtypes(absl::GetFlag(FLAGS_dtype));
  auto orders = ctgrad::check::parse_orders(absl::GetFlag(FLAGS_order));
  for (const absl::Status& st : {dtypes.status(), orders.status()}) {
    if (!st.ok()) {
      std::fprintf(stderr, "ctgrad-gradcheck: %s\n", std::string(st.message()).c_str());
      return 2;
    }
  }
  if (absl::GetFlag(FLAGS_points) < 1) {
    std::fprintf(stderr, "ctgrad-gradcheck: --points=%d: must be at least 1\n", absl::GetFlag(FLAGS_points));
    return 2;
  }
  opts.dtypes = *dtypes;
  opts.orders = *orders;
  opts.only = absl::GetFlag(FLAGS_only);
  opts.points = static_cast<std::size_t>(absl::GetFlag(FLAGS_points));
  opts.seed = absl::GetFlag(FLAGS_seed);

  const auto rows = ctgrad::check::run_suite(opts);
  if (!rows.ok()) {
    std::fprintf(stderr, "ctgrad-gradcheck: %s\n", std::string(rows.status().message()).c_str());
    return 2;
  }
  if (rows->empty()) {
    std::fprintf(stderr, "ctgrad-gradcheck: --only=%s selects no case\n", opts.only.c_str());
    return 2;
  }
  const std::string out = format == "csv" ? ctgrad::check::format_csv(*rows) : ctgrad::check::format_table(*rows);
  std::fputs(out.c_str(), stdout);
  return ctgrad::check::all_passed(*rows) ? 0 : 1;
}
