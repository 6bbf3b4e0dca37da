// Element-wise kernels in C: loops the C compiler vectorises (SSE2 everywhere, AVX2+FMA and AVX-512
// where the CPU has them, chosen per call from ck_cpu_features: ck_levels.h). Swift's SIMD types fell
// back to lane-by-lane generic code for min/max and float↔int conversion, which made a vectorised exp
// slower than libm's.
#ifndef CKERNELS_H
#define CKERNELS_H
#include <stddef.h>
#include <stdint.h>
#include "CKWinograd.h"
#include "CKWinogradGrad.h"
#include "CKDirectConv.h"
#include "CKTSNE.h"
#include "CKThread.h"

/// e^x in place (within 2 ulp of expf; inputs clamped to -87.3 … 88.37).
void ck_exp(float *x, size_t n);
/// 1 / (1 + e^-x) in place.
void ck_sigmoid(float *x, size_t n);
/// x / (1 + e^-x) in place (SiLU).
void ck_silu(float *x, size_t n);
/// tanh(x) in place, as 2·sigmoid(2x) − 1 (absolute error under 1e-7).
void ck_tanh(float *x, size_t n);
/// y = max(x, 0) (NaN stays NaN).
void ck_relu(const float *x, float *y, size_t n);
/// dx = dy where y > 0, else 0.
void ck_relu_backward(const float *y, const float *dy, float *dx, size_t n);
/// Σ x, in eight interleaved partial sums.
float ck_sum(const float *x, size_t n);
/// Σ (x − c)² over n elements, in sixteen interleaved partial sums (the order is fixed).
float ck_sum_squared_deviation(const float *x, size_t n, float c);
/// x ← x·a + b in place.
void ck_scale_shift(float *x, size_t n, float a, float b);
/// Σ e^x over n elements.
float ck_sum_exp(const float *x, size_t n);
/// One Adam update of n weights from their gradients (then zeroed) and moments:
/// m ← b1·m + (1−b1)·g, v ← b2·v + (1−b2)·g², w ← w·decay − lr·(m/c1)/(√(v/c2) + eps).
void ck_adam(float *w, float *g, float *m, float *v, size_t n,
             float b1, float b2, float c1, float c2, float lr, float eps, float decay);

/// Σ softplus(l) − x·l over n logits l and targets x (the binary cross-entropy's total, in a fixed
/// order), writing g = (σ(l) − x)·scale.
double ck_bce_with_logits(const float *l, const float *x, float *g, size_t n, float scale);
/// Σ (y − t)² over n elements (in a fixed order), writing g = 2(y − t)/count·scale.
double ck_squared_error(const float *y, const float *t, float *g, size_t n, float count, float scale);
/// For each of n rows (d floats) the index of the nearest of k codes by squared L2 distance, from
/// dots (n×k row·code products) and the codes' squared norms; ties go to the lower index.
void ck_nearest_codes(const float *dots, const float *rows, const float *codeNorms, long n, long k, long d, long *codes);

/// Vector features of the CPU (CPUID, with the operating system's support): bits of `ck_cpu_features`.
enum {
    CK_CPU_AVX2 = 1 << 0, CK_CPU_FMA = 1 << 1,
    CK_CPU_AVX512F = 1 << 2, CK_CPU_AVX512BW = 1 << 3, CK_CPU_AVX512DQ = 1 << 4, CK_CPU_AVX512VL = 1 << 5,
};
/// The features kernels may use: the CPU's, capped by the environment variable LATENT_CPU_LEVEL
/// (`avx2`: no AVX-512; `baseline`: SSE2 only; `avx512` or unset: no cap), read once per process. The
/// cap is for measuring on this CPU how a lesser one would run — a proxy: the caches, clock and memory
/// stay this CPU's.
unsigned ck_cpu_features(void);
/// The cap a LATENT_CPU_LEVEL value names: 2 none (NULL, "", "avx512"), 1 "avx2", 0 "baseline", −1 unknown.
long ck_cpu_level_cap(const char *level);
/// `features` with what a cap (as from ck_cpu_level_cap) forbids removed.
unsigned ck_cpu_features_capped(unsigned features, long cap);

/// The window geometry of a 2-D convolution (ConvGeometry in LatentNN), in elements.
typedef struct {
    long channels, height, width;
    long kernelH, kernelW, strideH, strideW, padTop, padLeft, dilationH, dilationW;
    long outH, outW;
    long imageStride;
} ck_conv_geometry;

/// im2col of images first…first+count−1 of the batch at x into cols (C·kh·kw rows, ld apart): image b's
/// window positions go to columns (b − firstColumnImage)·outH·outW onwards; padding reads as 0.
void ck_im2col(const ck_conv_geometry *g, const float *x, long first, long count, long firstColumnImage, long ld,
               float *cols);
/// The adjoint: adds every column entry of those images back into the image position it came from.
void ck_col2im(const ck_conv_geometry *g, const float *cols, long first, long count, long firstColumnImage, long ld,
               float *x);

/// How many elements past the last edge `ck_umap_layout_epoch` may read in each edge array (the
/// caller pads them): one vector step's width.
enum { CK_UMAP_LAYOUT_PAD = 16 };

/// UMAP's layout graph and state for `ck_umap_layout_epoch` (see UMAP+Layout.swift).
typedef struct {
    const float *position;          // n (x, y) pairs: the embedding at the start of the epoch
    float *step;                    // n (x, y) pairs: this epoch's move of each point
    const long *offsets;            // n + 1: point i's edges are offsets[i] ..< offsets[i + 1]
    const int32_t *columns;         // each edge's other end
    const float *epochs_per_sample; // each edge's sampling period (any value for edges never due)
    float *next_sample;             // each edge's next due epoch (+∞: never)
    float *next_negative;           // each edge's negative-sample clock
    long n;
    float a, b, negative_rate;
    uint64_t seed;
} ck_umap_layout;
/// One epoch of attraction and negative-sample repulsion for points first ..< end: their steps, scaled
/// by alpha, and their edges' clocks. Points are independent; the result does not depend on the CPU.
/// The edge arrays must be readable CK_UMAP_LAYOUT_PAD elements past the last edge. Returns 0 if out of memory.
int ck_umap_layout_epoch(const ck_umap_layout *layout, long epoch, float alpha, long first, long end);
/// 1 if this CPU can run the AVX2 build (AVX2 + FMA).
int ck_umap_layout_uses_avx2(void);
/// 1 if `ck_umap_layout_epoch` runs its AVX-512 build on this CPU (AVX-512 F/BW/DQ/VL), which it
/// prefers to the AVX2 one.
int ck_umap_layout_uses_avx512(void);
#if defined(__x86_64__) && defined(__clang__)
/// The AVX2 build, for tests that every build agrees bit for bit (call only when `uses_avx2`).
int ck_umap_layout_epoch_avx2(const ck_umap_layout *layout, long epoch, float alpha, long first, long end);
#endif
/// The same for any x86-64 (or other) CPU, without the AVX2 build: for tests that both agree bit for bit.
int ck_umap_layout_epoch_baseline(const ck_umap_layout *layout, long epoch, float alpha, long first, long end);
/// x^b for x ≥ 0 as the layout computes it (relative error ~1e-6; 0 is read as FLT_MIN).
float ck_umap_pow(float x, float b);

/// Data rows per column group of `ck_knn_pack`'s layout.
enum { CK_KNN_LANES = 16 };
/// The n × d rows of data as `ck_knn_exact` reads them: groups of CK_KNN_LANES rows, each group's d
/// columns times −2 then the rows' squared norms (⌈n / CK_KNN_LANES⌉ · CK_KNN_LANES · (d + 1) floats).
void ck_knn_pack(const float *data, long n, long d, float *packed);
/// For query rows first ..< end of q (d values each), the k nearest rows of the packed data: indices
/// (index[i·k ..< i·k + k], −1 where fewer than k) nearest first, ties to the lower index, and each
/// one's ‖c‖² − 2·q·c (its squared distance less ‖q‖², in float: rows should be centred). Rows are
/// independent; the result does not depend on the CPU.
void ck_knn_exact(const float *q, long d, const float *packed, long n, long k, long first, long end,
                  int32_t *index, float *dsq);
/// The k nearest rows of every row of x among all rows of x, skipping the data chunks that cannot hold
/// any: x (n × d, centred) in an order that keeps near rows near (a tree's leaf order), `packed` its
/// `ck_knn_pack`, and per chunk of CK_KNN_LANES rows a ball holding them: `centres` in groups of
/// CK_KNN_LANES chunks (d rows of CK_KNN_LANES values each, ⌈chunks / CK_KNN_LANES⌉ groups), `radius`
/// one per chunk (padded as the groups). Query rows first ..< end; row r's list goes to row original[r]
/// (index, rank: k entries each) with the rows' original numbers, ordered by (ranking value as
/// `ck_knn_exact` computes it, original number). `slack` widens the pruning bound for the ranking's
/// rounding (relative to ‖q‖² + 1): a chunk is skipped only if none of its rows could enter, so the lists
/// are those of a full scan, on any CPU. *visited (when not NULL): how many chunk visits the range took.
void ck_knn_exact_pruned(const float *x, long d, const float *packed, const float *centres, const float *radius, long n,
                         long k, float slack, const int32_t *original, long first, long end, int32_t *index, float *rank,
                         long *visited);
/// The baseline build alone, for a test that every build agrees.
void ck_knn_exact_pruned_baseline(const float *x, long d, const float *packed, const float *centres,
                                  const float *radius, long n, long k, float slack, const int32_t *original, long first,
                                  long end, int32_t *index, float *rank, long *visited);

/// One NN-descent round's inputs: rows of `dimension` values padded with zeros to `stride` floats (a
/// multiple of 8), each point's heap of k (squared distance, index) with its farthest first, and per
/// point up to `sample` new and old candidates.
typedef struct {
    const float *rows;
    long stride, dimension, k, sample;
    const float *heap_distance;
    const int32_t *heap_index;
    const int32_t *new_candidates, *old_candidates;
    const long *new_count, *old_count;
} ck_nnd_round;
/// A pair found: `other` may enter `target`'s list at squared distance `distance`.
typedef struct { int32_t target, other; float distance; } ck_nnd_update;
/// For points first ..< end (stopping early when `out` could not hold another point's worth), each
/// pair of a point's new candidates and of a new with an old one: the pairs nearer than a side's
/// farthest listed and not yet listed there, as updates in point, candidate order. Sets *written and
/// returns the point it stopped before. The result does not depend on the CPU.
long ck_nnd_pairs(const ck_nnd_round *round, long first, long end, ck_nnd_update *out, long capacity, long *written);
/// Applies the updates in order to their targets' max-heaps of k (squared distance, index, is-new),
/// farthest first: an update enters when nearer than the farthest and not already listed, marked new.
/// Returns how many entered.
long ck_nnd_apply(float *heap_distance, int32_t *heap_index, _Bool *fresh, long k, const ck_nnd_update *updates,
                  long count);
/// The updates grouped by the part of `parts` (≥ 1) whose thread applies them — the targets' stripes
/// of 64 points (target / 64) modulo parts — each group in the updates' order: into out[starts[p] ..<
/// starts[p + 1]] for part p (starts holds parts + 1).
void ck_nnd_deal(const ck_nnd_update *updates, long count, int32_t parts, ck_nnd_update *out, long *starts);
/// normal · row + offset for each row order[0 ..< count] of `rows` (`stride` floats each, a multiple
/// of 8): a random-projection tree node's split. The result does not depend on the CPU.
void ck_rp_margins(const float *rows, long stride, const int32_t *order, long count, const float *normal, float offset,
                   float *margin);
/// `ck_nnd_pairs` in the build of `level` (as `ck_direct_best_level`'s; a level above it takes no
/// point), for tests that every build the CPU has gives the same pairs.
long ck_nnd_pairs_at(long level, const ck_nnd_round *round, long first, long end, ck_nnd_update *out, long capacity,
                     long *written);
/// The baseline build alone, for tests that it agrees with the one the CPU gets.
void ck_rp_margins_baseline(const float *rows, long stride, const int32_t *order, long count, const float *normal,
                            float offset, float *margin);

#endif
