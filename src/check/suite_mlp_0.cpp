// Suite cases: the sample MLP (suite_mlp.hpp) with the activations of mlp_activations at indices
// 0, 2, 4 in its hidden layer (float graph, double numeric side).
#include "suite_mlp.hpp"

namespace ctgrad::check::suite_detail {
namespace {
void add_mlp_rows_0(const context& ctx) { add_mlp_rows<0>(ctx); }
[[maybe_unused]] const int registered = register_case(2, &add_mlp_rows_0);
}  // namespace
}  // namespace ctgrad::check::suite_detail
