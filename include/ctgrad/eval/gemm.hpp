// ctgrad/eval/gemm.hpp — the single-threaded matrix-multiply kernel behind compiled matmuls:
// C = alpha * op(A) * op(B) + beta * C on row-major float/double buffers, all four transpose cases.
// Not a BLAS: no threading, no argument checking (callers pass extents they have already checked).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

#if defined(CTGRAD_USE_BLAS)
#include <cblas.h>
#endif

namespace ctgrad::kernel {

/// Whether gemm uses an operand as stored (`no`) or transposed (`yes`).
enum class trans { no, yes };

/// Computes C[M,N] = alpha * op(A)[M,K] * op(B)[K,N] + beta * C for row-major float or double
/// matrices, where op(X) is X (trans::no) or its transpose (trans::yes).
/// Shapes: A is stored M x K (ta == no) or K x M (ta == yes) with row stride lda >= its width; B is
/// stored K x N (tb == no) or N x K (tb == yes) with row stride ldb; C is M x N with row stride ldc.
/// beta == 0 never reads C (it may hold NaN or be uninitialised); K == 0 or alpha == 0 only scales C.
/// Elements of C outside the M x N window are not touched. No heap allocation: packing uses
/// fixed-size thread-local buffers (192 KiB per thread and element type). No errors are reported:
/// the caller guarantees the pointers cover the given extents.
/// A product with N == 1 or M == 1 (a vector result) takes a matrix-vector path that reads the
/// matrix in place; other shapes take the blocked, packed path. Each path sums in a fixed order, so
/// equal inputs give equal results on every call, but the two orders differ: a column of C computed
/// alone (N == 1) may differ in the last bits from the same column of a wider product.
/// With the BLAS backend (CTGRAD_USE_BLAS defined: Meson `-Dblas=enabled`) some products go to
/// cblas_sgemm / cblas_dgemm instead: those for which `backend_for` says `blas`.
/// CTGRAD_USE_BLAS must then be defined in every translation unit of the program (gemm is inline).
template <class T>
inline void gemm(trans ta, trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha,
                 const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C,
                 std::size_t ldc) noexcept;

/// The built-in kernel alone, whatever the backend: what gemm computes without CTGRAD_USE_BLAS.
template <class T>
inline void builtin_gemm(trans ta, trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha,
                         const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C,
                         std::size_t ldc) noexcept;

/// Runs the blocks of large products on several threads: while a parallel_scope is alive on a
/// thread, the built-in kernel's products made on that thread of at least `min_work` multiply-adds
/// are split into up to `threads` blocks, handed to `run`: along K when K is the largest dimension
/// and alpha is 1 (partial sums added in the serial kernel's order), along C's rows when C is taller
/// than wide, else along its columns (whole register tiles). Every element of C is computed by the
/// same code in the same order as without it, so results are bit-for-bit the same whatever the
/// thread count. nn::data_parallel sets one around its programs.
struct parallel_for {
  int threads = 1;
  double min_work = 1 << 18;
  void* context = nullptr;
  /// Calls task(task_context, i) for every i in [0, count), then returns.
  void (*run)(void* context, std::size_t count, void (*task)(void*, std::size_t), void* task_context) = nullptr;
};

/// Makes `p` the current thread's parallel_for until destroyed (then the previous one again).
class parallel_scope {
 public:
  explicit parallel_scope(const parallel_for* p) noexcept : previous_(current()) { current() = p; }
  ~parallel_scope() { current() = previous_; }
  parallel_scope(const parallel_scope&) = delete;
  parallel_scope& operator=(const parallel_scope&) = delete;
  /// The current thread's parallel_for, or nullptr.
  static const parallel_for*& current() noexcept {
    static thread_local const parallel_for* p = nullptr;
    return p;
  }

 private:
  const parallel_for* previous_;
};

/// The implementation gemm runs for a product.
enum class backend { builtin, blas };

/// Whether this build has the BLAS backend (CTGRAD_USE_BLAS): gemm may call cblas_?gemm.
inline constexpr bool blas_backend_enabled =
#if defined(CTGRAD_USE_BLAS)
    true;
#else
    false;
#endif

/// Which implementation gemm uses for a product with these extents (its dispatch, exposed so that
/// benchmarks and tests can show it). `builtin` always without the BLAS backend. With it: `blas` for
/// the thin matrix products, where M, N or K is below two of the built-in kernel's vectors (32
/// floats or 16 doubles with AVX-512): its register tile pads a narrow C, and packing and tile
/// set-up are not amortised over a short K (the MLP's products with a 10 ran at 49-83% of
/// OpenBLAS; docs/benchmarks.md, W4). `builtin` for the wider products, where it is as fast as
/// OpenBLAS or faster, for vector results (M == 1 or N == 1: the matrix-vector path) and for
/// K == 0 or alpha == 0 (only scales C).
template <class T>
constexpr backend backend_for(std::size_t M, std::size_t N, std::size_t K, T alpha) noexcept;

}  // namespace ctgrad::kernel

namespace ctgrad::detail::gemm_impl {

// ---- the vector type ---------------------------------------------------------------------------
// GNU vector extensions (g++ and clang++) sized to the widest SIMD registers the target enables;
// elsewhere, or with CTGRAD_KERNEL_SCALAR defined, plain scalars (the same code, one lane).
#if !defined(CTGRAD_KERNEL_SCALAR) && (defined(__GNUC__) || defined(__clang__))
#if defined(__AVX512F__)
inline constexpr std::size_t vector_bytes = 64;
#elif defined(__AVX__)
inline constexpr std::size_t vector_bytes = 32;
#else
inline constexpr std::size_t vector_bytes = 16;  // SSE2, NEON, or split into scalars by the compiler
#endif
template <class T> struct simd;
template <> struct simd<float> {
  typedef float type __attribute__((vector_size(vector_bytes)));
};
template <> struct simd<double> {
  typedef double type __attribute__((vector_size(vector_bytes)));
};
template <class T> inline constexpr std::size_t lanes = vector_bytes / sizeof(T);
#else
inline constexpr std::size_t vector_bytes = 0;
template <class T> struct simd { using type = T; };
template <class T> inline constexpr std::size_t lanes = 1;
#endif

// ---- blocking ----------------------------------------------------------------------------------
// The micro-tile is mr rows x nv vectors: mr * nv accumulators stay in registers (16 of 32 with
// AVX-512, 12 of 16 with AVX/SSE/NEON). Packed B (kc x nc) takes 128 KiB, packed A (mc x kc) 64 KiB.
template <class T> struct config {
  static constexpr std::size_t L = lanes<T>;
  static constexpr std::size_t mr = vector_bytes == 64 ? 8 : vector_bytes == 0 ? 4 : 6;
  static constexpr std::size_t nv = vector_bytes == 0 ? 4 : 2;
  static constexpr std::size_t nr = nv * L;
  static constexpr std::size_t kc = 256;
  static constexpr std::size_t mc = (65536 / (kc * sizeof(T))) / mr * mr;
  static constexpr std::size_t nc = (131072 / (kc * sizeof(T))) / nr * nr;
  static_assert(mc >= mr && nc >= nr, "gemm: the packing buffers must hold at least one micro-tile");
};

template <class T> struct pack_buffers {
  alignas(64) T a[config<T>::mc * config<T>::kc];
  alignas(64) T b[config<T>::kc * config<T>::nc];
  // The K blocks after the first of a product split along K (blocked()), one M x N partial each.
  static constexpr std::size_t partial_capacity = 32768;
  alignas(64) T partials[partial_capacity];
};

template <class T> inline pack_buffers<T>& thread_buffers() noexcept {
  static thread_local pack_buffers<T> buffers;
  return buffers;
}

template <class V, class T> inline V load(const T* p) noexcept {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V, class T> inline void store(T* p, const V& v) noexcept { std::memcpy(p, &v, sizeof v); }

// One micro-tile's work: a (packed A rows), b (a packed B panel, [k][nr]) and where the tile goes.
template <class T> struct tile_job {
  std::size_t kc;
  const T* a;            // a_k_major: step k at a + k * mr; else row i at a + i * a_row_stride
  std::size_t a_row_stride;
  const T* b;            // step k at b + k * nr
  T alpha, beta;
  T* c;
  std::size_t rsc, csc;  // C strides of the tile's rows and columns
  std::size_t n;         // valid columns of the tile, 1..NV * lanes
};

// The edge case of the write-back, kept out of the kernels: C tile (m x job.n) = alpha * tile +
// beta * C tile for a partial tile or a C written with a column stride (the transposed problem).
template <class T>
void write_tile(const T* tile, std::size_t ld, std::size_t m, const tile_job<T>& job) noexcept {
  const T alpha = job.alpha, beta = job.beta;
  if (job.csc == 1) {
    for (std::size_t i = 0; i < m; ++i) {
      T* c = job.c + i * job.rsc;
      const T* t = tile + i * ld;
      if (beta == T(0)) {
        for (std::size_t j = 0; j < job.n; ++j) c[j] = alpha * t[j];
      } else {
        for (std::size_t j = 0; j < job.n; ++j) c[j] = alpha * t[j] + beta * c[j];
      }
    }
    return;
  }
  for (std::size_t j = 0; j < job.n; ++j) {  // C transposed: walk each C row (a tile column)
    T* c = job.c + j * job.csc;
    if (beta == T(0)) {
      for (std::size_t i = 0; i < m; ++i) c[i * job.rsc] = alpha * tile[i * ld + j];
    } else {
      for (std::size_t i = 0; i < m; ++i) c[i * job.rsc] = alpha * tile[i * ld + j] + beta * c[i * job.rsc];
    }
  }
}

// C tile (MR x NV vectors) = alpha * A_panel * B_panel + beta * C tile, accumulated in registers.
template <class T, std::size_t MR, std::size_t NV, bool AKMajor>
void micro_kernel(const tile_job<T>& job) noexcept {
  using V = typename simd<T>::type;
  constexpr std::size_t L = lanes<T>, NR = config<T>::nr, MRP = config<T>::mr;
  V acc[MR][NV] = {};
  const T* b = job.b;
  if constexpr (AKMajor) {
    const T* a = job.a;
    for (std::size_t k = 0; k < job.kc; ++k, a += MRP, b += NR) {
      V bv[NV];
#pragma GCC unroll 8
      for (std::size_t v = 0; v < NV; ++v) bv[v] = load<V>(b + v * L);
#pragma GCC unroll 16
      for (std::size_t i = 0; i < MR; ++i) {
        const V ai = a[i] - V{};  // broadcast (x - 0 is exact, unlike x + 0 for x = -0)
#pragma GCC unroll 8
        for (std::size_t v = 0; v < NV; ++v) acc[i][v] += ai * bv[v];
      }
    }
  } else {
    const T* rows[MR];
#pragma GCC unroll 16
    for (std::size_t i = 0; i < MR; ++i) rows[i] = job.a + i * job.a_row_stride;
    for (std::size_t k = 0; k < job.kc; ++k, b += NR) {
      V bv[NV];
#pragma GCC unroll 8
      for (std::size_t v = 0; v < NV; ++v) bv[v] = load<V>(b + v * L);
#pragma GCC unroll 16
      for (std::size_t i = 0; i < MR; ++i) {
        const V ai = rows[i][k] - V{};
#pragma GCC unroll 8
        for (std::size_t v = 0; v < NV; ++v) acc[i][v] += ai * bv[v];
      }
    }
  }
  const T alpha = job.alpha, beta = job.beta;
  if (job.csc == 1 && job.n == NV * L) {
    for (std::size_t i = 0; i < MR; ++i) {
      T* c = job.c + i * job.rsc;
      if (beta == T(0)) {
        for (std::size_t v = 0; v < NV; ++v) store(c + v * L, V(alpha * acc[i][v]));
      } else {
        for (std::size_t v = 0; v < NV; ++v)
          store(c + v * L, V(alpha * acc[i][v] + beta * load<V>(c + v * L)));
      }
    }
    return;
  }
  alignas(64) T tile[MR * NV * L];
  for (std::size_t i = 0; i < MR; ++i)
    for (std::size_t v = 0; v < NV; ++v) store(tile + i * NV * L + v * L, acc[i][v]);
  write_tile(tile, NV * L, MR, job);
}

template <class T> using kernel_fn = void (*)(const tile_job<T>&) noexcept;

// kernels<T, AKMajor>[(nv - 1) * 4 + slot]: tiles of nv vectors by 1, 2, 4 or mr rows (slots 0-3);
// a remainder of rows is covered by the largest that fit, so no kernel computes padding rows.
template <class T> constexpr std::size_t rows_of_slot(std::size_t slot) noexcept {
  return slot == 3 ? config<T>::mr : std::size_t{1} << slot;
}
template <class T> constexpr std::size_t slot_for_rows(std::size_t rows) noexcept {
  return rows >= config<T>::mr ? 3 : rows >= 4 ? 2 : rows >= 2 ? 1 : 0;
}
template <class T, bool AKMajor, std::size_t... I>
constexpr std::array<kernel_fn<T>, sizeof...(I)> make_kernels(std::index_sequence<I...>) noexcept {
  static_assert(config<T>::mr >= 4, "gemm: the micro-tile must have at least 4 rows");
  return {&micro_kernel<T, rows_of_slot<T>(I % 4), I / 4 + 1, AKMajor>...};
}
template <class T, bool AKMajor>
inline constexpr auto kernels = make_kernels<T, AKMajor>(std::make_index_sequence<4 * config<T>::nv>{});

// Packs rows [0, m) x steps [0, kc) of A (element (i, k) at a[i * rs + k * cs]) k-major, in
// micro-panels of mr rows ([k][mr]), for an A whose rows are not contiguous along k.
template <class T>
void pack_a(std::size_t m, std::size_t kc, const T* a, std::size_t rs, std::size_t cs, T* dst) noexcept {
  constexpr std::size_t mr = config<T>::mr;
  for (std::size_t i0 = 0; i0 < m; i0 += mr, dst += mr * kc) {
    const std::size_t rows = std::min(mr, m - i0);
    const T* src = a + i0 * rs;
    if (rs == 1 && rows == mr) {
      for (std::size_t k = 0; k < kc; ++k) std::memcpy(dst + k * mr, src + k * cs, mr * sizeof(T));
    } else {
      for (std::size_t k = 0; k < kc; ++k)
        for (std::size_t i = 0; i < rows; ++i) dst[k * mr + i] = src[i * rs + k * cs];
    }
  }
}

// Packs steps [0, kc) x columns [0, n) of B (element (k, j) at b[k * rs + j * cs]) in panels of nr
// columns, each [k][nr], zero-padding a last partial panel to whole vectors.
template <class T>
void pack_b(std::size_t kc, std::size_t n, const T* b, std::size_t rs, std::size_t cs, T* dst) noexcept {
  constexpr std::size_t nr = config<T>::nr, L = lanes<T>;
  for (std::size_t j0 = 0; j0 < n; j0 += nr, dst += kc * nr) {
    const std::size_t cols = std::min(nr, n - j0);
    const std::size_t padded = (cols + L - 1) / L * L;
    const T* src = b + j0 * cs;
    if (cs == 1 && cols == nr) {
      for (std::size_t k = 0; k < kc; ++k) std::memcpy(dst + k * nr, src + k * rs, nr * sizeof(T));
    } else if (cs == 1) {  // a narrow last panel: short copies inline, not memcpy calls
      // The padding is zeroed once for the panel: zeroed per k, g++ made it a memset call of a
      // few bytes per k, 2.7 % of ctgrad-train's time (the MLP's 10-column products).
      std::fill_n(dst, kc * nr, T(0));
      for (std::size_t k = 0; k < kc; ++k)
        for (std::size_t j = 0; j < cols; ++j) dst[k * nr + j] = src[k * rs + j];
    } else {
      // Transposing copy in strips of 8 columns: 8 read streams, one short contiguous write per k.
      std::size_t j = 0;
      for (; j + 8 <= cols; j += 8) {
        const T* s = src + j * cs;
        for (std::size_t k = 0; k < kc; ++k)
          for (std::size_t jj = 0; jj < 8; ++jj) dst[k * nr + j + jj] = s[jj * cs + k * rs];
      }
      for (; j < cols; ++j)
        for (std::size_t k = 0; k < kc; ++k) dst[k * nr + j] = src[j * cs + k * rs];
      for (std::size_t k = 0; k < kc; ++k)
        for (std::size_t jj = cols; jj < padded; ++jj) dst[k * nr + jj] = T(0);
    }
  }
}

// How blocked_serial cuts K: `count` blocks of `size` (the last may be shorter), balanced so that
// no block is thin. blocked() splits a product along K on exactly these blocks.
template <class T> struct k_blocking {
  std::size_t count, size;
  explicit constexpr k_blocking(std::size_t K) noexcept
      : count((K + config<T>::kc - 1) / config<T>::kc), size(count ? (K + count - 1) / count : 0) {}
};

// BLIS-style loops over C[m,n] += op(A)[m,k] op(B)[k,n] with general strides (one of each pair is 1).
template <class T>
void blocked_serial(std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A, std::size_t rsa,
                    std::size_t csa, const T* B, std::size_t rsb, std::size_t csb, T beta, T* C,
                    std::size_t rsc, std::size_t csc) noexcept {
  using cfg = config<T>;
  pack_buffers<T>& buf = thread_buffers<T>();
  const bool a_k_major = csa != 1;  // A's rows are not contiguous along k: pack [k][mr]
  const auto& table = a_k_major ? kernels<T, true> : kernels<T, false>;
  const std::size_t kc_even = k_blocking<T>(K).size;
  for (std::size_t jc = 0; jc < N; jc += cfg::nc) {
    const std::size_t nc = std::min(cfg::nc, N - jc);
    for (std::size_t pc = 0; pc < K; pc += kc_even) {
      const std::size_t kc = std::min(kc_even, K - pc);
      const T beta_k = pc == 0 ? beta : T(1);
      pack_b(kc, nc, B + pc * rsb + jc * csb, rsb, csb, buf.b);
      for (std::size_t ic = 0; ic < M; ic += cfg::mc) {
        const std::size_t mc = std::min(cfg::mc, M - ic);
        // A with rows contiguous along k is read in place (rows of a tile are a_row_stride apart);
        // otherwise it is packed k-major, mr values per step.
        const T* a_block = A + ic * rsa + pc * csa;
        if (a_k_major) pack_a(mc, kc, a_block, rsa, csa, buf.a);
        const std::size_t a_row_stride = a_k_major ? 1 : rsa, a_panel_stride = a_k_major ? kc : rsa;
        tile_job<T> job{kc, nullptr, a_row_stride, nullptr, alpha, beta_k, nullptr, rsc, csc, 0};
        for (std::size_t jr = 0; jr < nc; jr += cfg::nr) {
          job.n = std::min(cfg::nr, nc - jr);
          job.b = buf.b + jr * kc;
          const std::size_t nv = (job.n + cfg::L - 1) / cfg::L;
          for (std::size_t ir = 0; ir < mc; ir += cfg::mr) {
            const std::size_t m = std::min(cfg::mr, mc - ir);
            for (std::size_t r = 0, slot = 0; r < m; r += rows_of_slot<T>(slot)) {
              slot = slot_for_rows<T>(m - r);
              job.a = (a_k_major ? buf.a : a_block) + ir * a_panel_stride + r * a_row_stride;
              job.c = C + (ic + ir + r) * rsc + (jc + jr) * csc;
              table[(nv - 1) * 4 + slot](job);
            }
          }
        }
      }
    }
  }
}

// blocked_serial, or with a current kernel::parallel_for and enough work, the same on column blocks
// of C run in parallel. A block starts at a multiple of the register tile's width nr and the
// K blocking depends on K alone, so every element goes through the same tiles and the same sums.
template <class T>
void blocked(std::size_t M, std::size_t N, std::size_t K, T alpha, const T* A, std::size_t rsa,
             std::size_t csa, const T* B, std::size_t rsb, std::size_t csb, T beta, T* C,
             std::size_t rsc, std::size_t csc) noexcept {
  using cfg = config<T>;
  const kernel::parallel_for* par = kernel::parallel_scope::current();
  if (par == nullptr || par->threads < 2 || double(M) * double(N) * double(K) < par->min_work) {
    blocked_serial(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
    return;
  }
  // How the work is split (each thread then packs and reads only its own part of the largest
  // operand, and what it reads stays in its core's cache from step to step):
  // - K, when K is the largest dimension (X W1: 32 x 784 x 128): one task per thread, a run of
  //   blocked_serial's K blocks (k_blocking). The first block goes to C, each later one to a
  //   partial (beta 0), and the partials are added to C in block order afterwards. With alpha == 1
  //   that is exactly the serial sum: blocked_serial adds each block's accumulators to C the same
  //   way (1 * acc + 1 * C).
  // - rows, when the product is taller than wide (X^T dH: 784 x 128 x 32);
  // - columns otherwise.
  // Blocks start at a whole register tile (mr rows, nr columns), so every element of C goes
  // through the same tiles and sums as on one thread: bit-for-bit the same for any thread count.
  const k_blocking<T> kb(K);
  const std::size_t k_blocks = kb.count, kc_even = kb.size;
  const bool by_k = alpha == T(1) && k_blocks >= 2 && K >= M && K >= N &&
                    M * N * (k_blocks - 1) <= pack_buffers<T>::partial_capacity;
  const bool by_rows = !by_k && M > N;
  const std::size_t unit = by_rows ? cfg::mr : cfg::nr;
  const std::size_t tiles = by_k ? k_blocks : ((by_rows ? M : N) + unit - 1) / unit;
  if (tiles < 2) {
    blocked_serial(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, rsc, csc);
    return;
  }
  struct job {
    std::size_t M, N, K, tiles, parts, kc;
    bool by_k, by_rows;
    T alpha, beta;
    const T *A, *B;
    std::size_t rsa, csa, rsb, csb, rsc, csc;
    T* C;
    T* partials;
  } j{M, N, K, tiles, std::min<std::size_t>(tiles, std::size_t(par->threads)), kc_even, by_k, by_rows,
      alpha, beta, A, B, rsa, csa, rsb, csb, rsc, csc, C, thread_buffers<T>().partials};
  const auto part = [](void* ctx, std::size_t p) {
    const job& b = *static_cast<const job*>(ctx);
    kernel::parallel_scope alone(nullptr);  // a block never splits again
    const std::size_t t0 = b.tiles * p / b.parts, t1 = b.tiles * (p + 1) / b.parts;
    if (b.by_k) {  // K blocks [t0, t1), one task per thread (a stolen block would move W1's rows)
      for (std::size_t q = t0; q < t1; ++q) {
        const std::size_t k0 = q * b.kc, kc = std::min(b.kc, b.K - k0);
        if (q == 0) {
          blocked_serial(b.M, b.N, kc, b.alpha, b.A, b.rsa, b.csa, b.B, b.rsb, b.csb, b.beta, b.C, b.rsc, b.csc);
        } else {
          blocked_serial(b.M, b.N, kc, b.alpha, b.A + k0 * b.csa, b.rsa, b.csa, b.B + k0 * b.rsb, b.rsb, b.csb,
                         T(0), b.partials + (q - 1) * b.M * b.N, b.N, 1);
        }
      }
      return;
    }
    if (b.by_rows) {
      const std::size_t r0 = t0 * config<T>::mr, r1 = std::min(b.M, t1 * config<T>::mr);
      if (r0 >= r1) return;
      blocked_serial(r1 - r0, b.N, b.K, b.alpha, b.A + r0 * b.rsa, b.rsa, b.csa, b.B, b.rsb, b.csb, b.beta,
                     b.C + r0 * b.rsc, b.rsc, b.csc);
      return;
    }
    const std::size_t c0 = t0 * config<T>::nr, c1 = std::min(b.N, t1 * config<T>::nr);
    if (c0 >= c1) return;
    blocked_serial(b.M, c1 - c0, b.K, b.alpha, b.A, b.rsa, b.csa, b.B + c0 * b.csb, b.rsb, b.csb, b.beta,
                   b.C + c0 * b.csc, b.rsc, b.csc);
  };
  par->run(par->context, j.parts, part, &j);
  if (by_k) {
    for (std::size_t q = 1; q < k_blocks; ++q) {
      const T* P = j.partials + (q - 1) * M * N;
      for (std::size_t i = 0; i < M; ++i) {
        T* c = C + i * rsc;
        const T* pr = P + i * N;
        for (std::size_t jj = 0; jj < N; ++jj) c[jj * csc] = c[jj * csc] + pr[jj];
      }
    }
  }
}

// Rough cost, in vector multiply-adds, of running blocked() with n as the vector dimension: the
// multiply-adds (n padded to whole vectors), plus one per element when the vector operand has to be
// transposed while packing, plus one per element of C when it is written with a stride (weights
// measured on AVX-512 at the MLP's shapes: each costs about as much as one vector multiply-add).
template <class T>
constexpr double cost(std::size_t m, std::size_t n, std::size_t k, bool vector_operand_contiguous,
                      bool c_contiguous) noexcept {
  constexpr std::size_t L = lanes<T>;
  const double fmas = double(m) * double(k) * double((n + L - 1) / L);
  return fmas + (vector_operand_contiguous ? 0.0 : double(k) * double(n)) +
         (c_contiguous ? 0.0 : double(m) * double(n));
}

// ---- matrix-vector products (M == 1 or N == 1) -------------------------------------------------
// y[i] = alpha * sum_k a(i, k) x[k] + beta * y[i] for i < m, k < n, with x[k] at x[k * incx] and
// y[i] at y[i * incy]. The matrix is read in place, never packed, and the vector is not padded to a
// micro-tile: rows contiguous along k are dot products with x (gemv_dot); otherwise columns are
// contiguous, and the stored rows are scaled by x[k] and added in turn (gemv_axpy). The sums go to
// the thread's packing buffer, `block` of them at a time, and are written once: alpha * sum + beta * y.
// The summation order is fixed (the same on every run and for any vector width), but it is not the
// blocked path's: a column computed here can differ in its last bits from the same column of a
// wider product.
template <class T> struct gemv_config {
  static constexpr std::size_t lanes = 16;                 // partial sums of a dot product
  static constexpr std::size_t block = 16384 / sizeof(T);  // 16 KiB: a block of x, or of the sums
  static_assert(block <= config<T>::mc * config<T>::kc && block <= config<T>::kc * config<T>::nc,
                "gemm: the matrix-vector blocks must fit the packing buffers");
};

// sum_k a[k] x[k] for k < n: 16 partial sums (lane l takes the k = l mod 16 of the whole groups of
// 16), added in lane order, plus the n mod 16 products of the tail. Independent partial sums let g++
// vectorise the loop without -ffast-math (no licence to reassociate needed).
template <class T>
inline T dot(const T* __restrict a, const T* __restrict x, std::size_t n) noexcept {
  constexpr std::size_t W = gemv_config<T>::lanes;
  const std::size_t whole = n / W * W;  // (not k + W <= n: g++ warns of overflow after inlining)
  T lane[W] = {};
  for (std::size_t k = 0; k < whole; k += W)
#pragma GCC unroll 16
    for (std::size_t l = 0; l < W; ++l) lane[l] += a[k + l] * x[k + l];
  T tail = 0;  // apart from the lanes: a partial group through lane[] keeps lane[] in memory
  for (std::size_t k = whole; k < n; ++k) tail += a[k] * x[k];
  T s = 0;
  for (std::size_t l = 0; l < W; ++l) s += lane[l];
  return s + tail;
}

// sum[i] += x0 a0[i], then x1 a1[i], x2 a2[i], x3 a3[i], for i < n: four steps of gemv_axpy in
// their order, with a quarter of the loads and stores of sum.
template <class T>
inline void axpy4(std::size_t n, T x0, T x1, T x2, T x3, const T* __restrict a0,
                  const T* __restrict a1, const T* __restrict a2, const T* __restrict a3,
                  T* __restrict sum) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    sum[i] = (((sum[i] + x0 * a0[i]) + x1 * a1[i]) + x2 * a2[i]) + x3 * a3[i];
}
template <class T>
inline void axpy(std::size_t n, T x0, const T* __restrict a0, T* __restrict sum) noexcept {
  for (std::size_t i = 0; i < n; ++i) sum[i] += x0 * a0[i];
}

template <class T>
void write_vector(std::size_t m, T alpha, const T* sum, T beta, T* y, std::size_t incy) noexcept {
  if (beta == T(0)) {
    for (std::size_t i = 0; i < m; ++i) y[i * incy] = alpha * sum[i];
  } else {
    for (std::size_t i = 0; i < m; ++i) y[i * incy] = alpha * sum[i] + beta * y[i * incy];
  }
}

// a(i, k) at a[i * lda + k]: a dot product per row. x is taken in blocks of at most `block` steps
// (balanced, so no thin last block), each copied contiguous first if x is strided, so that every
// row reads it from L1; the blocks' dot products are added in block order.
template <class T>
void gemv_dot(std::size_t m, std::size_t n, T alpha, const T* a, std::size_t lda, const T* x,
              std::size_t incx, T beta, T* y, std::size_t incy) noexcept {
  constexpr std::size_t block = gemv_config<T>::block;
  pack_buffers<T>& buf = thread_buffers<T>();
  T* const sum = buf.a;
  const std::size_t k_blocks = (n + block - 1) / block;  // n >= 1: gemm handles K == 0 itself
  const std::size_t kb_even = k_blocks > 1 ? (n + k_blocks - 1) / k_blocks : n;
  for (std::size_t i0 = 0; i0 < m; i0 += block) {
    const std::size_t mb = std::min(block, m - i0);
    for (std::size_t k0 = 0; k0 < n; k0 += kb_even) {
      const std::size_t kb = std::min(kb_even, n - k0);
      const T* xb = x + k0 * incx;
      if (incx != 1) {
        for (std::size_t k = 0; k < kb; ++k) buf.b[k] = xb[k * incx];
        xb = buf.b;
      }
      const T* ab = a + i0 * lda + k0;
      if (k0 == 0) {
        for (std::size_t i = 0; i < mb; ++i) sum[i] = dot(ab + i * lda, xb, kb);
      } else {
        for (std::size_t i = 0; i < mb; ++i) sum[i] += dot(ab + i * lda, xb, kb);
      }
    }
    write_vector(mb, alpha, sum, beta, y + i0 * incy, incy);
  }
}

// a(i, k) at a[i + k * lda]: row k of the stored matrix, scaled by x[k], added to the sums for
// k = 0, 1, ..., n - 1 in turn (each sum in k order, as a plain loop would), `block` sums at a time
// so that they stay in L1 while the rows stream past.
template <class T>
void gemv_axpy(std::size_t m, std::size_t n, T alpha, const T* a, std::size_t lda, const T* x,
               std::size_t incx, T beta, T* y, std::size_t incy) noexcept {
  constexpr std::size_t block = gemv_config<T>::block;
  T* const sum = thread_buffers<T>().a;
  const std::size_t n4 = n / 4 * 4;
  for (std::size_t i0 = 0; i0 < m; i0 += block) {
    const std::size_t mb = std::min(block, m - i0);
    std::fill(sum, sum + mb, T(0));
    const T* ab = a + i0;
    for (std::size_t k = 0; k < n4; k += 4, ab += 4 * lda)
      axpy4(mb, x[k * incx], x[(k + 1) * incx], x[(k + 2) * incx], x[(k + 3) * incx], ab,
            ab + lda, ab + 2 * lda, ab + 3 * lda, sum);
    for (std::size_t k = n4; k < n; ++k, ab += lda) axpy(mb, x[k * incx], ab, sum);
    write_vector(mb, alpha, sum, beta, y + i0 * incy, incy);
  }
}

// y = alpha * a x + beta * y for the m x n matrix a(i, k) = a[i * rs + k * cs], where rs == 1 or
// cs == 1 (gemm's operands always have one of them; with m == 1, rs does not matter).
template <class T>
inline void gemv(std::size_t m, std::size_t n, T alpha, const T* a, std::size_t rs, std::size_t cs,
                 const T* x, std::size_t incx, T beta, T* y, std::size_t incy) noexcept {
  if (cs == 1)
    gemv_dot(m, n, alpha, a, rs, x, incx, beta, y, incy);
  else if (m == 1 && incx == 1)  // one dot product of a strided row: x is the contiguous one
    gemv_dot(m, n, alpha, x, n, a, cs, beta, y, incy);
  else
    gemv_axpy(m, n, alpha, a, cs, x, incx, beta, y, incy);
}

// Either C = op(A) op(B) with B's rows as vectors, or C^T = op(B)^T op(A)^T with A's columns as
// vectors and C written transposed: whichever the cost model says is cheaper. Out of line (one
// copy per translation unit), while gemm itself is inlined into its callers.
template <class T>
[[gnu::noinline]] void matrix_product(std::size_t M, std::size_t N, std::size_t K, T alpha,
                                      const T* A, std::size_t rsa, std::size_t csa, const T* B,
                                      std::size_t rsb, std::size_t csb, T beta, T* C,
                                      std::size_t ldc) noexcept {
  const double direct = cost<T>(M, N, K, csb == 1, true);
  const double swapped = cost<T>(N, M, K, rsa == 1, false);
  if (direct <= swapped)
    blocked(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, ldc, std::size_t{1});
  else
    blocked(N, M, K, alpha, B, csb, rsb, A, csa, rsa, beta, C, std::size_t{1}, ldc);
}

template <class T> void scale(std::size_t M, std::size_t N, T beta, T* C, std::size_t ldc) noexcept {
  for (std::size_t i = 0; i < M; ++i)
    for (std::size_t j = 0; j < N; ++j) C[i * ldc + j] = beta == T(0) ? T(0) : beta * C[i * ldc + j];
}

}  // namespace ctgrad::detail::gemm_impl

namespace ctgrad::kernel {

template <class T>
constexpr backend backend_for(std::size_t M, std::size_t N, std::size_t K, T alpha) noexcept {
  if (!blas_backend_enabled || M <= 1 || N <= 1 || K == 0 || alpha == T(0)) return backend::builtin;
  constexpr std::size_t narrow = 2 * detail::gemm_impl::lanes<T>;
  return std::min({M, N, K}) < narrow ? backend::blas : backend::builtin;
}

template <class T>
inline void builtin_gemm(trans ta, trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha,
                         const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C,
                         std::size_t ldc) noexcept {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "gemm: the element type must be float or double");
  namespace impl = ctgrad::detail::gemm_impl;
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == T(0)) {
    impl::scale(M, N, beta, C, ldc);
    return;
  }
  // op(A)(i, k) = A[i * rsa + k * csa], op(B)(k, j) = B[k * rsb + j * csb].
  const std::size_t rsa = ta == trans::no ? lda : 1, csa = ta == trans::no ? 1 : lda;
  const std::size_t rsb = tb == trans::no ? ldb : 1, csb = tb == trans::no ? 1 : ldb;
  // A vector result is a matrix-vector product: C's column = op(A) times op(B)'s column, or C's
  // row (transposed) = op(B)^T times op(A)'s row. gemm is small enough to be inlined, so extents
  // known at compile time reach these loops; the blocked path stays out of line.
  if (N == 1) {
    impl::gemv(M, K, alpha, A, rsa, csa, B, rsb, beta, C, ldc);
    return;
  }
  if (M == 1) {
    impl::gemv(N, K, alpha, B, csb, rsb, A, csa, beta, C, std::size_t{1});
    return;
  }
  impl::matrix_product(M, N, K, alpha, A, rsa, csa, B, rsb, csb, beta, C, ldc);
}

/// Whether gemv_pair sums as gemm's two matrix-vector products do for a K-column matrix: K of at
/// least 2 (one column would take gemm's dot-product path for both) and at most one block of the
/// dot products' vector (gemm splits longer ones, which changes their order of summation).
template <class T> constexpr bool gemv_pair_fits(std::size_t K) noexcept {
  return K >= 2 && K <= detail::gemm_impl::gemv_config<T>::block;
}

/// Both matrix-vector products of a gradient in one pass over the M x K row-major matrix A (row
/// stride lda): t = A v (t[M]), then g = Aᵀ e (g[K]), where e[M] may be computed from t. A is read
/// in blocks of rows small enough to stay in L1: for each block [i0, i1), the rows' dot products
/// with v go to t[i0, i1), then `rows(i0, i1)` is called, which must fill e[i0, i1) (reading t at
/// most there), then the rows are scaled by e and added to g. The sums are gemm's, in gemm's order:
/// when gemv_pair_fits<T>(K), t and g are what gemm(no, no, M, 1, K, 1, A, lda, v, 1, 0, t, 1) and
/// then gemm(yes, no, K, 1, M, 1, A, lda, e, 1, 0, g, 1) compute, for the built-in kernel and with
/// -Dblas alike (gemm never sends a vector result to BLAS): bit for bit without FMA instructions;
/// with them the compiler may contract a multiply-add in one place and not in the other (last
/// bits). M >= 1.
template <class T, class Rows>
inline void gemv_pair(std::size_t M, std::size_t K, const T* A, std::size_t lda, const T* v, T* t,
                      const T* e, T* g, Rows&& rows) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "gemv_pair: the element type must be float or double");
  namespace impl = ctgrad::detail::gemm_impl;
  // Rows per block: a multiple of 4 (gemm adds rows four at a time from row 0: the same groups),
  // about 16 KiB of A, so that the rows are still in L1 when they are added to g.
  const std::size_t rb = std::clamp<std::size_t>(16384 / (K * sizeof(T)) / 4 * 4, 4, 64);
  std::fill(g, g + K, T(0));
  for (std::size_t i0 = 0; i0 < M; i0 += rb) {
    const std::size_t i1 = std::min(M, i0 + rb);
    for (std::size_t i = i0; i < i1; ++i) t[i] = impl::dot(A + i * lda, v, K);
    rows(i0, i1);
    std::size_t i = i0;
    for (; i + 4 <= i1; i += 4)
      impl::axpy4(K, e[i], e[i + 1], e[i + 2], e[i + 3], A + i * lda, A + (i + 1) * lda,
                  A + (i + 2) * lda, A + (i + 3) * lda, g);
    for (; i < i1; ++i) impl::axpy(K, e[i], A + i * lda, g);
  }
}

template <class T>
inline void gemm(trans ta, trans tb, std::size_t M, std::size_t N, std::size_t K, T alpha,
                 const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C,
                 std::size_t ldc) noexcept {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "gemm: the element type must be float or double");
#if defined(CTGRAD_USE_BLAS)
  // cblas takes int extents: larger ones stay with the built-in kernel. (M == 0 or N == 0 never
  // reaches cblas either: backend_for says builtin, which returns at once.)
  constexpr std::size_t int_max = std::size_t(std::numeric_limits<int>::max());
  if (backend_for<T>(M, N, K, alpha) == backend::blas && std::max({M, N, K, lda, ldb, ldc}) <= int_max) {
    const auto op = [](trans t) { return t == trans::yes ? CblasTrans : CblasNoTrans; };
    if constexpr (std::is_same_v<T, float>)
      cblas_sgemm(CblasRowMajor, op(ta), op(tb), int(M), int(N), int(K), alpha, A, int(lda), B,
                  int(ldb), beta, C, int(ldc));
    else
      cblas_dgemm(CblasRowMajor, op(ta), op(tb), int(M), int(N), int(K), alpha, A, int(lda), B,
                  int(ldb), beta, C, int(ldc));
    return;
  }
#endif
  builtin_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace ctgrad::kernel
