// Suite cases: the sample MLP (suite_mlp.hpp) with the activations of mlp_activations at indices
// 1, 3, 5 in its hidden layer (float graph, double numeric side).
#include "suite_mlp.hpp"

namespace ctgrad::check::suite_detail {
namespace {
void add_mlp_rows_1(const context& ctx) { add_mlp_rows<1>(ctx); }
[[maybe_unused]] const int registered = register_case(3, &add_mlp_rows_1);
}  // namespace
}  // namespace ctgrad::check::suite_detail
