#!/usr/bin/env bash
# Builds test/consumer (a program outside ctgrad's tree) against ctgrad three ways and checks what
# each binary prints:
#   1. configure and install ctgrad (libctgrad_support only: tests, tools, benchmarks off) into a
#      temporary prefix, once per libdir (lib/x86_64-linux-gnu, lib64, lib), and check that nothing
#      else is installed; then a. and b. for each of these prefixes;
#   a. the Meson consumer through pkg-config (PKG_CONFIG_PATH, no fallback allowed);
#   b. the CMake consumer through find_package(ctgrad) (CMAKE_PREFIX_PATH);
#   c. the Meson consumer with ctgrad as a subproject from a wrap file (ctgrad.wrap.in; the tarball
#      is put in subprojects/packagecache, so nothing is downloaded), checking that the subproject
#      builds no tests, tools or benchmarks.
# Usage: run_consumer.sh <ctgrad source dir> [meson] [c++ compiler command...]
# Registered as the Meson test consumer/install_and_consume (test/consumer/meson.build).
set -euo pipefail
src=$(cd "$1" && pwd)
meson=${2:-meson}
if [ $# -ge 3 ]; then shift 2; export CXX="$*"; fi
here=$(cd "$(dirname "$0")" && pwd)
jobs=${CTGRAD_CONSUMER_JOBS:-2}
work=$(mktemp -d "${TMPDIR:-/tmp}/ctgrad-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Debug builds: the point is linking and finding things, not speed.
common=(--buildtype=debug)

version=$(sed -n "s/^  version: '\([^']*\)',.*/\1/p" "$src/meson.build" | head -n1)
expected="ctgrad $version (headers $version): loss 7.5, dloss/dw 2.5 3 3.5"
fail=0
check() {  # check <label> <binary> [env...]
  local label=$1 bin=$2; shift 2
  local out
  if ! out=$(env "$@" "$bin" 2>&1); then
    echo "FAIL ($label): $bin exited with an error: $out"; fail=1; return
  fi
  if [ "$out" = "$expected" ]; then echo "ok ($label): $out"
  else echo "FAIL ($label): printed '$out', expected '$expected'"; fail=1; fi
}
step() { echo "== $*"; }

# Every libdir Meson can choose on Linux: lib/x86_64-linux-gnu (Debian with dpkg-dev), lib64 (a
# Debian root without dpkg-dev, where Meson cannot ask dpkg-architecture), lib (elsewhere). The CMake
# package must be found through CMAKE_PREFIX_PATH=<prefix> with each (it lives in share/cmake/ctgrad).
libdirs=(${CTGRAD_CONSUMER_LIBDIRS:-lib/x86_64-linux-gnu lib64 lib})
"$meson" setup "$work/build-ctgrad" "$src" "${common[@]}" --prefix="$work/prefix" \
  -Dnative=false -Dtests=false -Dtools=false -Dbenchmarks=disabled > "$work/setup.log" 2>&1 ||
  { cat "$work/setup.log"; exit 1; }
for ld in "${libdirs[@]}"; do
tag=${ld//\//_}
prefix="$work/prefix-$tag"
# ---- 1. install -----------------------------------------------------------------------------
step "install ctgrad $version into $prefix with libdir=$ld"
"$meson" configure "$work/build-ctgrad" --prefix="$prefix" -Dlibdir="$ld" > "$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; exit 1; }
ninja -C "$work/build-ctgrad" -j "$jobs" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
"$meson" install -C "$work/build-ctgrad" --quiet > "$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
libdir="$prefix/$ld"
[ -f "$libdir/pkgconfig/ctgrad.pc" ] || { echo "FAIL ($ld): no ctgrad.pc in $libdir/pkgconfig"; fail=1; continue; }
# Installed: the headers, libctgrad_support, ctgrad.pc, the CMake package. Nothing else (no tools).
unexpected=$(cd "$prefix" && find . \( -type f -o -type l \) | sed 's|^\./||' |
  grep -v -E "^include/ctgrad/.*\.hpp$|^$ld/libctgrad_support\.(so[.0-9]*|a)$|^$ld/pkgconfig/ctgrad\.pc$|^share/cmake/ctgrad/ctgradConfig(Version)?\.cmake$" || true)
if [ -n "$unexpected" ]; then echo "FAIL ($ld): unexpected files installed:"; echo "$unexpected"; fail=1
else echo "ok (install, $ld): $(cd "$prefix" && find . -type f | wc -l) files, headers + library + ctgrad.pc + CMake package"; fi
for h in ctgrad/ctgrad.hpp ctgrad/adapters/eigen.hpp ctgrad/core/tensor.hpp; do
  [ -f "$prefix/include/$h" ] || { echo "FAIL ($ld): $h not installed"; fail=1; }
done
# No absolute path into the prefix in the CMake package: it is relocatable.
if grep -q "$prefix" "$prefix"/share/cmake/ctgrad/*.cmake; then
  echo "FAIL ($ld): the CMake package names its install prefix $prefix (not relocatable)"; fail=1
fi

# ---- a. pkg-config --------------------------------------------------------------------------
step "a. Meson consumer through pkg-config ($ld)"
rm -rf "$work/build-pc"
PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
  "$meson" setup "$work/build-pc" "$here" "${common[@]}" --wrap-mode=nofallback > "$work/pc.log" 2>&1 &&
  ninja -C "$work/build-pc" -j "$jobs" >> "$work/pc.log" 2>&1 ||
  { cat "$work/pc.log"; echo "FAIL (pkg-config, $ld): build"; fail=1; }
grep -q "Run-time dependency ctgrad found: YES $version" "$work/pc.log" ||
  { echo "FAIL (pkg-config, $ld): ctgrad was not found through pkg-config"; fail=1; }
[ -x "$work/build-pc/consumer" ] && check "pkg-config, $ld" "$work/build-pc/consumer" LD_LIBRARY_PATH="$libdir"

# ---- b. CMake -------------------------------------------------------------------------------
step "b. CMake consumer through find_package(ctgrad) ($ld)"
if command -v cmake > /dev/null; then
  rm -rf "$work/build-cmake"
  cmake -S "$here" -B "$work/build-cmake" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_PREFIX_PATH="$prefix" > "$work/cmake.log" 2>&1 &&
    cmake --build "$work/build-cmake" -j "$jobs" >> "$work/cmake.log" 2>&1 ||
    { cat "$work/cmake.log"; echo "FAIL (cmake, $ld): build"; fail=1; }
  [ -x "$work/build-cmake/consumer" ] && check "cmake, $ld" "$work/build-cmake/consumer" LD_LIBRARY_PATH="$libdir"
else
  echo "FAIL (cmake): cmake is not installed (bash .ci/deps installs it)"; fail=1
fi
done

# ---- c. subproject from a wrap file ---------------------------------------------------------
step "c. Meson consumer with ctgrad as a subproject (wrap file)"
sub="$work/subconsumer"
mkdir -p "$sub/subprojects/packagecache" "$work/dist/ctgrad-$version"
cp "$here/meson.build" "$here/main.cpp" "$sub/"
# What a release tarball holds for a subproject build (tests, docs and tools are not entered).
cp -r "$src/meson.build" "$src/meson_options.txt" "$src/include" "$src/src" "$src/packaging" \
  "$work/dist/ctgrad-$version/"
tar -C "$work/dist" -czf "$sub/subprojects/packagecache/ctgrad-$version.tar.gz" "ctgrad-$version"
sha=$(sha256sum "$sub/subprojects/packagecache/ctgrad-$version.tar.gz" | cut -d' ' -f1)
sed -e "s/@VERSION@/$version/g" -e "s/@SHA256@/$sha/" "$here/ctgrad.wrap.in" > "$sub/subprojects/ctgrad.wrap"
env -u PKG_CONFIG_PATH "$meson" setup "$work/build-sub" "$sub" "${common[@]}" --force-fallback-for=ctgrad \
  > "$work/sub.log" 2>&1 &&
  ninja -C "$work/build-sub" -j "$jobs" >> "$work/sub.log" 2>&1 ||
  { cat "$work/sub.log"; echo "FAIL (subproject): build"; fail=1; }
# The subproject built libctgrad_support and the consumer, nothing of its tests, tools or benchmarks.
built=$(ninja -C "$work/build-sub" -t targets all | sed -n 's/^\([^:]*\.o\): .*/\1/p' |
  grep -v -E '^consumer\.p/|/libctgrad_support\.a\.p/' || true)
if [ -n "$built" ]; then echo "FAIL (subproject): unexpected objects: $built"; fail=1; fi
"$meson" introspect --installed "$work/build-sub" | grep -q ctgrad_support &&
  { echo "FAIL (subproject): the subproject installs libctgrad_support"; fail=1; }
[ -x "$work/build-sub/consumer" ] && check subproject "$work/build-sub/consumer"

[ $fail -eq 0 ] && echo "all consumer builds passed"
exit $fail
