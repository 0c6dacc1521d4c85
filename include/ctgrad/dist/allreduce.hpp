// ctgrad/dist/allreduce.hpp — allreduce_outputs: sums (or averages) a compiled program's outputs,
// typically its gradients, over the ranks of a reducer, in place, so that prog[gs[w]] reads the
// global gradient afterwards. Works with any reducer (dist/reducer.hpp; MPI: dist/mpi.hpp).
// Not an optimiser step and not a parameter store: the caller applies the gradient.
#pragma once

#include <cstddef>
#include <span>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ctgrad/core/meta.hpp"
#include "ctgrad/core/node.hpp"
#include "ctgrad/core/type_list.hpp"
#include "ctgrad/dist/reducer.hpp"

namespace ctgrad::dist {

/// What allreduce_outputs computes from the ranks' values.
enum class reduction {
  sum,   ///< Σ over ranks, in rank order (reducer::sum)
  mean,  ///< that sum divided by the number of ranks: the gradient of a mean loss over the
         ///< union of equal shards when each rank's loss is the mean over its own shard
};

/// Replaces outputs I... of `p`'s last run (get<I>(): gradient sets count as f, then each
/// gradient) by their sum, or mean, over the ranks of `r`, on every rank, bit-identically; one
/// reducer::sum per output, in the order given (the same on every rank). An output named twice,
/// or two outputs the program computes into one buffer (equal expressions), are reduced once.
/// Collective: every rank calls it with the same I... after a successful run of the same graph.
/// The views stay valid until the program's next run, as always.
/// Errors: the reducer's, prefixed "allreduce_outputs: output I: ".
/// Compile errors: an output that is a variable of the graph (its value is the caller's buffer:
/// reduce that buffer itself), no index given, an index past the last output.
///
/// The outputs are the program's own buffers (allocated by it, not const), which a run rewrites
/// entirely: writing the reduced values there changes nothing but what the views read.
template <std::size_t... I, class Program>
absl::Status allreduce_outputs(Program& p, reducer& r, reduction how = reduction::sum) {
  static_assert(sizeof...(I) > 0, "allreduce_outputs: name the outputs to reduce, e.g. allreduce_outputs<1, 2>(prog, r)");
  if constexpr (!requires { typename Program::outputs; }) {
    return absl::InternalError("allreduce_outputs: invalid program");  // compile() reported the misuse
  } else {
  using outputs = typename Program::outputs;
  static_assert(((I < type_list_size<outputs>::value) && ...),
                "allreduce_outputs: an index is past the last output (gradient sets count as f, then each gradient)");
  if constexpr (((I < type_list_size<outputs>::value) && ...)) {
    static_assert((!is_var_v<meta::at_t<I, outputs>> && ...),
                  "allreduce_outputs: an output is a variable of the graph, whose value is the caller's own "
                  "buffer; reduce that buffer with reducer::sum");
    const void* done[sizeof...(I)] = {};
    std::size_t n_done = 0;
    absl::Status st = absl::OkStatus();
    auto one = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
      if (!st.ok()) return;
      const auto view = p.template get<J>();
      using T = std::remove_const_t<std::remove_pointer_t<decltype(view.data)>>;
      for (std::size_t k = 0; k < n_done; ++k)
        if (done[k] == view.data) return;  // the same buffer as an output already reduced
      done[n_done++] = view.data;
      const std::span<T> v(const_cast<T*>(view.data), view.size());  // the program's own buffer
      st = r.sum(v);
      if (!st.ok()) {
        st = absl::Status(st.code(), absl::StrCat("allreduce_outputs: output ", J, ": ", st.message()));
        return;
      }
      if (how == reduction::mean && r.size() > 1) {
        const T ranks = static_cast<T>(r.size());
        for (T& x : v) x /= ranks;
      }
    };
    (one(std::integral_constant<std::size_t, I>{}), ...);
    return st;
  } else {
    return absl::OkStatus();
  }
  }
}

}  // namespace ctgrad::dist
