// The dense scan's evaluator (test/fn/reference/scan.py reads its output): for every activation of the
// registry (PyTorch's defaults) and each x read from stdin, one line "name x" then f f' f'' from value_at
// in double, compile() in double, value_at in float and compile() in float (hexadecimal floats).
// Built on demand, not by default: ninja -C build test/fn_activation_scan
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>
#include "ctgrad/ctgrad.hpp"
using namespace ctgrad;
template <class F, class T, std::size_t... I>
auto activate_defaults(const auto& x, std::index_sequence<I...>) {
  return activate<F>(x, static_cast<T>(F::params[I].default_value)...);
}
template <class F> using seq = std::make_index_sequence<std::tuple_size_v<std::remove_cv_t<decltype(F::params)>>>;
template <class F, class T> std::vector<std::array<double, 6>> eval(const std::vector<double>& xd) {
  std::vector<T> xs(xd.begin(), xd.end());
  constexpr var<"a", T> a{};
  const auto ya = activate_defaults<F, T>(a, seq<F>{});
  const auto dya = grad(ya, a);
  const auto ddya = grad(dya, a);
  const var<"v", T, shape<dyn>> v;
  const auto y = activate_defaults<F, T>(v, seq<F>{});
  const auto g = grad(sum(y), v);
  const auto h = grad(sum(g), v);
  auto prog = compile(y, g, h);
  if (!prog.run(v = xs).ok()) std::abort();
  const auto ys = prog.template get<0>(), gs = prog.template get<1>(), hs = prog.template get<2>();
  std::vector<std::array<double, 6>> out;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const T x = xs[i];
    out.push_back({double(value_at(ya, a = x)), double(value_at(dya, a = x)), double(value_at(ddya, a = x)),
                   double(ys[i]), double(gs[i]), double(hs[i])});
  }
  return out;
}
template <class F> void one(const std::vector<double>& xs) {
  const auto d = eval<F, double>(xs);
  const auto f = eval<F, float>(xs);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    std::printf("%s %a", std::string(F::name).c_str(), xs[i]);
    for (double v : d[i]) std::printf(" %a", v);
    for (double v : f[i]) std::printf(" %a", v);
    std::printf("\n");
  }
}
template <class... Fs> void all(type_list<Fs...>, const std::vector<double>& xs) { (one<Fs>(xs), ...); }
int main() {
  std::vector<double> xs;
  char buf[128];
  while (std::fgets(buf, sizeof buf, stdin)) xs.push_back(std::strtod(buf, nullptr));
  all(activation_list{}, xs);
}
