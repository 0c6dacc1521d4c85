#!/usr/bin/env bash
# Draws docs/img/compile_cost.svg from the W5 series compile_cost.sh writes with CC_PLOT=DATA
# (columns: N, ctgrad s, ctgrad MiB, Eigen fold s, MiB, Eigen loop s, MiB): compile seconds and peak
# MiB against the number of variables, ctgrad beside Eigen's AutoDiffScalar. Needs gnuplot.
# Usage: test/bench/compile_cost_plot.sh DATA [OUT.svg, default docs/img/compile_cost.svg] [title]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$1
out=${2:-$root/docs/img/compile_cost.svg}
title=${3:-W5 gradient, g++ -O2}
command -v gnuplot > /dev/null || { echo "compile_cost_plot.sh: gnuplot not found (Debian: gnuplot-nox)" >&2; exit 1; }
gnuplot <<GP
set terminal svg size 900,380 font "sans,11" background "white"
set output "$out"
set multiplot layout 1,2 title "$title (test/bench/compile_cost.sh)"
set key top left
set grid
set logscale x 2
set xlabel "variables N"
set ylabel "user seconds"
plot "$data" using 1:2 with linespoints lw 2 title "ctgrad", \
     "$data" using 1:4 with linespoints lw 2 title "Eigen AutoDiffScalar (fold)", \
     "$data" using 1:6 with linespoints lw 2 dt 2 title "Eigen AutoDiffScalar (loop)"
set ylabel "peak MiB"
plot "$data" using 1:3 with linespoints lw 2 title "ctgrad", \
     "$data" using 1:5 with linespoints lw 2 title "Eigen AutoDiffScalar (fold)", \
     "$data" using 1:7 with linespoints lw 2 dt 2 title "Eigen AutoDiffScalar (loop)"
unset multiplot
GP
echo "wrote $out"
