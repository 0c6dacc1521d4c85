# The shell commands the docs show, one function per block; each block is cut from here
# (docs/examples/check_snippets.py). Nothing calls these functions: the test docs_commands checks
# them with check_commands.py (bash -n; the scripts and tools they run exist, take those
# subcommands and flags; the Meson options, targets, tests and suites they name exist).

readme_two_commands() {
  scripts/ctgrad train    # installs the Debian packages, builds, trains the Fashion-MNIST MLP: ReLU vs Sigmoid
  scripts/ctgrad test     # installs the Debian packages, builds, runs every test
}

readme_building_by_hand() {
  meson setup build && meson compile -C build && meson test -C build
  meson test -C build --suite nn          # one area: core ops fn nn autodiff eval check io dist tools docs adapters consumer
}

training_running_it() {
  scripts/ctgrad train                          # = ctgrad-train with the defaults below
  build/src/tools/ctgrad-train --help           # every flag
  scripts/ctgrad train --activation=relu,sigmoid,tanh,gelu,silu --epochs=10 --checkpoint=run  # compiles tanh, gelu, silu in
}

training_threads() {
  build/src/tools/ctgrad-train --threads=2 --checkpoint=run2   # 2 threads share each step
  build/src/tools/ctgrad-train --threads=1 --checkpoint=run2 --resume   # any count resumes, exactly
}

training_the_data() {
  sudo apt-get install dataset-fashion-mnist
  ls /usr/share/datasets/fashion-mnist/
  # t10k-images-idx3-ubyte.gz  t10k-labels-idx1-ubyte.gz
  # train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz
}

training_render_the_figure() {
  cd out && gnuplot history.gp                 # history.svg
  cd out && gnuplot -e 'fmt="png"' history.gp  # history.png
}

training_tests() {
  meson test -C build --suite io
}

benchmarks_reproduce() {
  meson setup build -Dbenchmarks=enabled        # peers: bash .ci/deps --bench
  test/bench/run_benchmarks.sh build            # writes docs/benchmarks.md; raw JSON in build/bench-results/
}

benchmarks_roofline() {
  test/bench/roofline.sh build 3                # writes this section of docs/benchmarks.md
}

reliability_sanitizers() {
  CXX=clang++ meson setup /tmp/asan --buildtype=debugoptimized -Db_sanitize=address,undefined \
    -Db_lundef=false -Dwerror=true -Dbenchmarks=disabled
  meson compile -C /tmp/asan test/io_checkpoint_test test/fn_losses_test
  export ASAN_OPTIONS=halt_on_error=1:print_stacktrace=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  meson test -C /tmp/asan --no-rebuild io/checkpoint fn/losses     # or run /tmp/asan/test/io_checkpoint_test
}

reliability_fuzzing() {
  CXX=clang++ meson setup /tmp/fuzz -Dfuzz=enabled -Dtests=false -Dtools=false -Dbenchmarks=disabled
  meson compile -C /tmp/fuzz test/fuzz/fuzz_idx test/fuzz/fuzz_gzip test/fuzz/fuzz_checkpoint
  meson test -C /tmp/fuzz --no-rebuild --suite fuzz       # replay the seed corpora once
  test/fuzz/run_fuzzers.sh /tmp/fuzz 60                   # 60 s each; or: ... 600 checkpoint
}

embedding_mpi() {
  meson setup build -Dmpi=enabled                   # auto (the default) turns it on where Open MPI is found
  meson test -C build --suite mpi                   # the tests under mpirun (2 ranks)
  mpirun -np 2 build/docs/examples/example_embedding_mpi
}

scaling_threads() {
  build/src/tools/ctgrad-train --threads=2                          # 2 threads share each step
  build/src/tools/ctgrad-train --threads=2 --adaptive_threads=false # the workers always take part
  test/bench/train_scaling.sh build 5                               # the tool, 1 vs 2 threads, idle and busy
  BATCH=512 CONDITIONS=idle test/bench/train_scaling.sh build 3     # larger batches
}

scaling_mpi() {
  mpirun -np 2 build/src/tools/ctgrad-train --checkpoint=run        # 2 ranks on this machine
  mpirun -np 2 build/src/tools/ctgrad-train --checkpoint=run --resume
  mpirun --hostfile hosts -np 4 build/src/tools/ctgrad-train        # 4 ranks on the machines in ./hosts
  meson test -C build tools/train_mpi                               # the tool under mpirun, tested
}

activations_ulp() {
  build/test/fn_activations_reference_test --log_level=message > ctgrad.log   # lines "max-ulp NAME TYPE value_at f f' f'' compile f f' f'' at x = ..."
  /usr/bin/python3 test/fn/reference/pytorch_ulp.py --ctgrad-log ctgrad.log      # prints the table (without --ctgrad-log: PyTorch alone)
}

activations_scan() {
  ninja -C build test/fn_activation_scan
  python3 test/fn/reference/scan.py --points > /tmp/xs.txt
  build/test/fn_activation_scan < /tmp/xs.txt | python3 test/fn/reference/scan.py   # every max > 3 ulp
}

benchmarks_w1() {
  ninja -C build test/bench/fused_bench
  build/test/bench/fused_bench --benchmark_filter='W1/(ctgrad|hand_fused_ctgrad_math)$' --benchmark_repetitions=20 --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true --benchmark_out=w1.json --benchmark_out_format=json
}

benchmarks_second_order() {
  meson setup build -Dbenchmarks=enabled      # Google Benchmark (libbenchmark-dev) and, for the peer, Eigen
  ninja -C build test/bench/second_order_bench test/bench/second_order_test
  meson test -C build bench/second_order       # the values the benchmark times agree (also checked before timing)
  build/test/bench/second_order_bench --benchmark_repetitions=10 --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true --benchmark_out=second_order.json --benchmark_out_format=json
  CC_SHAPES=hessian bash test/bench/compile_cost.sh g++ none   # the W5 Hessian's compile cost beside Eigen's nested AutoDiffScalar
  build/test/bench/second_order_bench --benchmark_filter=Jacobian --benchmark_repetitions=5 --benchmark_report_aggregates_only=true   # the Jacobian rows alone (run the binaries to compare in turn)
}

benchmarks_compile_cost() {
  CC_SHAPES=w5 bash test/bench/compile_cost.sh g++ none       # the W5 gradient beside Eigen's AutoDiffScalar (issue 19)
  CC_SHAPES=w5 bash test/bench/compile_cost.sh clang++ none
  CC_SHAPES="recurrence shared_vars hessian_row user_fn" bash test/bench/compile_cost.sh g++ none
  CC_SHAPES="w5 recurrence shared_vars hessian_row" bash test/bench/compile_cost.sh g++ none   # thirteenth round's review
}

gradcheck_mutation() {
  test/mutation/run.py                        # the full run: every mutation of test/mutation/mutations.toml
  test/mutation/run.py --subset ci            # the CI subset (the Meson test mutation/ci_subset runs it)
  test/mutation/run.py --only 'elu|kink' --markdown out.md   # by name or category; a markdown report
}

benchmarks_w5_run_time() {
  for b in scalar_grad scalar_grad_o2 scalar_grad_32 scalar_grad_32_o2; do build/test/bench/${b}_bench --benchmark_filter='W5/(hand|ctgrad)$' --benchmark_repetitions=15 --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true; done
}
