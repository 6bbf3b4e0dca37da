// The lane code of UMAP's layout epoch, included by umap_layout.c (baseline x86-64 / any CPU) and by
// umap_layout_avx2.c (under an AVX2 + FMA target): each translation unit gets its own static copy
// compiled for its instruction set, and both compute the same bits (see umap_layout.c).
#include "CKernels.h"
#include <float.h>
#include <stdlib.h>
#include <string.h>

#pragma clang fp contract(off)
// Wide vectors pass between static helpers only (all inlined): their ABI never reaches another unit.
#pragma clang diagnostic ignored "-Wpsabi"

// Sixteen lanes: two AVX registers (four SSE ones) per operation. Each sample's chain of dependent
// operations (hash, read, x^b, divide) is long; the two halves of every operation are independent, so
// the core overlaps them, where a loop of one-register steps left it waiting on one chain at a time.
#define LANES 16
_Static_assert(LANES <= CK_UMAP_LAYOUT_PAD, "the edge arrays' padding must cover a step's reads");
typedef float vf __attribute__((vector_size(4 * LANES)));
typedef int32_t vi __attribute__((vector_size(4 * LANES)));
typedef uint32_t vu __attribute__((vector_size(4 * LANES)));
typedef uint64_t vq __attribute__((vector_size(4 * LANES)));  // half as many 64-bit lanes

#define EVEN_LANES(a, b) __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
#define ODD_LANES(a, b) __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31)

static inline vf splat(float x) { return (vf){} + x; }
static inline vi splat_i(int32_t x) { return (vi){} + x; }
static inline vi lane_numbers(void) { return (vi){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}; }
/// Lanes of a where the mask is all ones, else b.
static inline vf select_f(vi mask, vf a, vf b) { return (vf)(((vi)a & mask) | ((vi)b & ~mask)); }
static inline vf clip4(vf x) { return __builtin_elementwise_min(splat(4), __builtin_elementwise_max(splat(-4), x)); }
/// The lanes added in a fixed tree (the same order on every CPU): lane l + width onto lane l for width
/// 8, 4, 2, 1, as vector halves: through an array of floats a point's four sums were 60 dependent
/// scalar adds and stores.
_Static_assert(LANES == 16, "lane_sum halves a 16-lane vector");
static inline float lane_sum(vf x) {
    typedef float v8 __attribute__((vector_size(32)));
    typedef float v4 __attribute__((vector_size(16)));
    typedef float v2 __attribute__((vector_size(8)));
    const v8 s8 = __builtin_shufflevector(x, x, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(x, x, 8, 9, 10, 11, 12, 13, 14, 15);
    const v4 s4 = __builtin_shufflevector(s8, s8, 0, 1, 2, 3) + __builtin_shufflevector(s8, s8, 4, 5, 6, 7);
    const v2 s2 = __builtin_shufflevector(s4, s4, 0, 1) + __builtin_shufflevector(s4, s4, 2, 3);
    return s2[0] + s2[1];
}
static inline vf load_f(const float *p) { vf v; memcpy(&v, p, sizeof v); return v; }
static inline vi load_i(const int32_t *p) { vi v; memcpy(&v, p, sizeof v); return v; }
/// Stores the first `count` lanes only: the lanes past them belong to another point's edges.
static inline void store_first(float *p, vf v, long count) {
    if (count == LANES) memcpy(p, &v, sizeof v);
    else for (long l = 0; l < count; l++) p[l] = v[l];
}

/// x^b for x > 0 as 2^(b·log2 x), both by polynomials fitted here (scripts/fit_layout_pow.py): log2 of a
/// mantissa in [√½, √2) to 7e-7, 2^r on [−½, ½] to 2.4e-7 relative; x^b to ~1e-6. Evaluated by
/// Estrin's scheme: Horner's chain of fifteen dependent multiply-adds was the layout's critical path.
/// Zero and subnormal x are read as FLT_MIN; callers treat coincident points apart.
static inline vf pow_b(vf x, float b) {
    x = __builtin_elementwise_max(x, splat(FLT_MIN));
    const vi bits = (vi)x;
    vi e = (bits >> 23) - 127;
    vf m = (vf)((bits & 0x007FFFFF) | 0x3F800000);
    const vi big = m > 1.41421356f;
    m = select_f(big, m * 0.5f, m);
    e = e - big;  // big lanes are −1
    const vf f = m - 1, f2 = f * f, f4 = f2 * f2;
    const vf l01 = 1.4426963329315186f + (-0.7213677167892456f) * f, l23 = 0.48064863681793213f + (-0.3591850996017456f) * f;
    const vf l45 = 0.29510101675987244f + (-0.27097490429878235f) * f, l6 = splat(0.17615868151187897f);
    const vf log2m = f * ((l01 + f2 * l23) + f4 * (l45 + f2 * l6));
    vf t = b * (__builtin_convertvector(e, vf) + log2m);
    t = __builtin_elementwise_min(splat(126), __builtin_elementwise_max(splat(-126), t));
    const vf n = (t + 12582912.0f) - 12582912.0f;  // adding 1.5·2^23 rounds to an integer
    const vf r = t - n, r2 = r * r;                // r in [−½, ½]
    const vf e01 = 1.0000001192092896f + 0.6931469440460205f * r, e23 = 0.24022120237350464f + 0.05550713464617729f * r;
    const vf e45 = 0.009675541892647743f + 0.0013276452664285898f * r;
    const vf q = e01 + r2 * (e23 + r2 * e45);
    return q * (vf)((__builtin_convertvector(n, vi) + 127) << 23);
}

/// Sample indices in 0..<n (n < 2^32): lowbias32 (Wellons) of the stream key plus a counter, reduced by
/// the high half of a 32×32-bit product (Lemire). x is the key plus the sample counter times
/// the golden ratio. Negative sampling needs only roughly uniform indices.
static inline vu sample_indices(vu x, uint32_t n) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    typedef uint32_t half_u __attribute__((vector_size(2 * LANES)));
    typedef uint64_t half_q __attribute__((vector_size(4 * LANES)));
    const half_u first = __builtin_shufflevector(x, x, 0, 1, 2, 3, 4, 5, 6, 7);
    const half_u second = __builtin_shufflevector(x, x, 8, 9, 10, 11, 12, 13, 14, 15);
    const vu lo = (vu)((__builtin_convertvector(first, half_q) * n) >> 32);
    const vu hi = (vu)((__builtin_convertvector(second, half_q) * n) >> 32);
    return EVEN_LANES(lo, hi);
}

/// The (x, y) of the LANES points idx[0 ..< LANES] of the interleaved embedding, as an x and a y vector.
/// The indices are read from memory one by one: taking them out of a vector register lane by lane
/// cost more than the reads.
static inline void gather_points(const float *Y, const int32_t *idx, vf *x, vf *y) {
    uint64_t p[LANES];
    for (int l = 0; l < LANES; l++) memcpy(&p[l], Y + 2 * (long)idx[l], 8);
    vq a, c;
    memcpy(&a, p, sizeof a);
    memcpy(&c, p + LANES / 2, sizeof c);
    *x = EVEN_LANES((vf)a, (vf)c);
    *y = ODD_LANES((vf)a, (vf)c);
}

/// How many rows ahead of the gather the points are prefetched. Above ~200,000 points the embedding
/// no longer fits in a core's second-level cache and the gathers' reads wait on the third level; a
/// gather LANES rows at a time issues too few of them at once to hide that.
enum { PREFETCH_AHEAD = 4 * LANES };

/// Asks for the cache lines of the LANES points idx[0 ..< LANES] (when `valid`; else does nothing).
/// Callers pass `valid` only while all LANES indices are rows written this epoch, so no index read is stale.
static inline void prefetch_points(const float *Y, const int32_t *idx, int valid) {
    if (!valid) return;
    for (int l = 0; l < LANES; l++) __builtin_prefetch(Y + 2 * (long)idx[l], 0, 3);
}

/// The stream key of (seed, epoch, block): one SplitMix64 step.
static inline uint64_t stream_key(uint64_t seed, long epoch, long point) {
    uint64_t z = seed + ((uint64_t)epoch << 32 | (uint64_t)point) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/// Σ x[0 ..< count], lane-wise over LANES-wide steps then added in a fixed tree. Reads up to LANES − 1
/// elements past count (scratch rows have that slack).
static inline float row_sum(const float *x, long count) {
    vf acc = splat(0);
    for (long t = 0; t < count; t += LANES) acc += select_f(lane_numbers() < (int32_t)(count - t), load_f(x + t), splat(0));
    return lane_sum(acc);
}

static inline int32_t row_sum_i(const int32_t *x, long count) {
    vi acc = splat_i(0);
    for (long t = 0; t < count; t += LANES) acc += (lane_numbers() < (int32_t)(count - t)) & load_i(x + t);
    return __builtin_reduce_add(acc);
}

/// x[0 ..< count] = v, in whole LANES-wide stores (up to LANES − 1 past count).
static inline void row_fill(float *x, float v, long count) {
    const vf s = splat(v);
    for (long t = 0; t < count; t += LANES) memcpy(x + t, &s, sizeof s);
}

/// Per-thread scratch, grown as needed: one row per edge of a block of points, one per point of its pool.
typedef struct {
    long edge_capacity, sample_capacity;
    float *xi, *yi, *pull0, *pull1;   // per edge: its point's position, its attraction
    int32_t *samples;                 // per edge: negative samples owed this epoch
    uint32_t *stream;                 // per pool point: its index
    float *sx, *sy;                   // per pool point: its position
} layout_scratch;

static int grow(void **p, long count, size_t size) {
    void *q = realloc(*p, (size_t)count * size);
    if (!q) return 0;
    *p = q;
    return 1;
}

static int reserve_edges(layout_scratch *w, long count) {
    if (count <= w->edge_capacity) return 1;
    count = count * 2;
    if (!(grow((void **)&w->xi, count, 4) && grow((void **)&w->yi, count, 4) && grow((void **)&w->pull0, count, 4) &&
          grow((void **)&w->pull1, count, 4) && grow((void **)&w->samples, count, 4))) return 0;
    w->edge_capacity = count;
    return 1;
}

static int reserve_samples(layout_scratch *w, long count) {
    if (count <= w->sample_capacity) return 1;
    count = count * 2;
    if (!(grow((void **)&w->stream, count, 4) && grow((void **)&w->sx, count, 4) && grow((void **)&w->sy, count, 4)))
        return 0;
    w->sample_capacity = count;
    return 1;
}

static void release(layout_scratch *w) {
    free(w->xi); free(w->yi); free(w->pull0); free(w->pull1); free(w->samples);
    free(w->stream); free(w->sx); free(w->sy);
}

enum { BLOCK = 32 };  // points per block: its scratch rows stay in the first-level cache

/// The epoch for points first ..< end, a block of points at a time, in passes over flat rows: every
/// edge of the block, then the block's pool of random points, then each point's pushes from the start
/// of the pool, LANES rows per step, and its sums in row order. Each pass is a short loop the core
/// overlaps from one step to the next; one step per point with all of x^b's dependent chain in it ran
/// at a fifth of the speed. Blocks are the groups of BLOCK points from a multiple of BLOCK (cut at first
/// and end), so a point's pool depends on (seed, epoch, its group) whatever the threads' ranges. Edge
/// arrays are read up to LANES past the last edge (the caller pads them). Returns 0 if scratch memory
/// ran out (nothing is then moved).
static int layout_epoch(const ck_umap_layout *L, long epoch, float alpha, long first, long end) {
    const float *Y = L->position;
    const float a = L->a, b = L->b, e = (float)epoch, negRate = L->negative_rate;
    const uint32_t n = (uint32_t)L->n;
    layout_scratch w = {0};
    int ok = 1;
    for (long p0 = first, p1; p0 < end && ok; p0 = p1) {
        p1 = (p0 / BLOCK + 1) * BLOCK < end ? (p0 / BLOCK + 1) * BLOCK : end;
        const long e0 = L->offsets[p0], edges = L->offsets[p1] - e0;
        if (!(ok = reserve_edges(&w, edges + LANES))) break;
        for (long p = p0; p < p1; p++) {
            row_fill(w.xi + L->offsets[p] - e0, Y[2 * p], L->offsets[p + 1] - L->offsets[p]);
            row_fill(w.yi + L->offsets[p] - e0, Y[2 * p + 1], L->offsets[p + 1] - L->offsets[p]);
        }
        // Attraction along the edges due this epoch; each also owes its share of negative samples.
        for (long s = 0; s < edges; s += LANES) {
            const long count = edges - s < LANES ? edges - s : LANES;
            const long at = e0 + s;
            prefetch_points(Y, L->columns + at + PREFETCH_AHEAD, at + PREFETCH_AHEAD + LANES <= L->offsets[end]);
            const vf due_at = load_f(L->next_sample + at), owed = load_f(L->next_negative + at);
            const vf eps = load_f(L->epochs_per_sample + at);
            const vi due = (due_at <= e) & (lane_numbers() < (int32_t)count);
            vf x, y;
            gather_points(Y, L->columns + at, &x, &y);
            const vf d0 = load_f(w.xi + s) - x, d1 = load_f(w.yi + s) - y, dsq = d0 * d0 + d1 * d1;
            const vf pw = pow_b(dsq, b);
            const vf coeff = (-2 * a * b) * pw / (dsq * (a * pw + 1));
            const vi pull = due & (dsq > 0);
            const vf g0 = select_f(pull, clip4(coeff * d0), splat(0)), g1 = select_f(pull, clip4(coeff * d1), splat(0));
            memcpy(w.pull0 + s, &g0, sizeof g0);
            memcpy(w.pull1 + s, &g1, sizeof g1);
            const vf negEps = eps / negRate;
            const vi samples = __builtin_elementwise_max(
                splat_i(0), __builtin_convertvector(select_f(due, (e - owed) / negEps, splat(0)), vi)) & due;
            memcpy(w.samples + s, &samples, sizeof samples);
            store_first(L->next_sample + at, select_f(due, due_at + eps, due_at), count);
            store_first(L->next_negative + at, select_f(due, owed + __builtin_convertvector(samples, vf) * negEps, owed), count);
        }
        // Negative samples: every point of the block takes its own count from the start of one pool of
        // random points, drawn and gathered once. Each point's samples are still uniform and independent
        // of its own neighbours; sharing them among the block's points (which a negative sample does not
        // move) spares the hashing and the gathers, which past the second-level cache wait on memory.
        long owed[BLOCK], most = 0;
        for (long p = p0; p < p1; p++) {
            owed[p - p0] = row_sum_i(w.samples + L->offsets[p] - e0, L->offsets[p + 1] - L->offsets[p]);
            most = owed[p - p0] > most ? owed[p - p0] : most;
        }
        if (!(ok = reserve_samples(&w, most + LANES))) break;
        const vu key = (vu)splat_i((int32_t)(uint32_t)stream_key(L->seed, epoch, p0 / BLOCK));
        for (long c = 0; c < most; c += LANES) {
            vu k = key + ((vu)lane_numbers() + (uint32_t)c) * 0x9E3779B9u;
            k = sample_indices(k, n);
            memcpy(w.stream + c, &k, sizeof k);
        }
        for (long c = 0; c < most; c += LANES) {
            vf x, y;
            prefetch_points(Y, (const int32_t *)w.stream + c + PREFETCH_AHEAD, c + PREFETCH_AHEAD + LANES <= most);
            gather_points(Y, (const int32_t *)w.stream + c, &x, &y);
            memcpy(w.sx + c, &x, sizeof x);
            memcpy(w.sy + c, &y, sizeof y);
        }
        // Each point's move: its pulls in edge order, then its pushes in sample order.
        for (long p = p0; p < p1; p++) {
            const long s0 = L->offsets[p] - e0, count = L->offsets[p + 1] - L->offsets[p], samples = owed[p - p0];
            const vf px = splat(Y[2 * p]), py = splat(Y[2 * p + 1]);
            const vi me = splat_i((int32_t)p);
            vf push0 = splat(0), push1 = splat(0);
            for (long s = 0; s < samples; s += LANES) {
                const vf q0 = px - load_f(w.sx + s), q1 = py - load_f(w.sy + s), qsq = q0 * q0 + q1 * q1;
                const vf coeff = (2 * b) / ((0.001f + qsq) * (a * pow_b(qsq, b) + 1));
                const vi valid = (lane_numbers() < (int32_t)(samples - s)) & (load_i((const int32_t *)w.stream + s) != me);
                // coincident points push apart by the clip limit, as in umap-learn
                const vi apart = qsq > 0;
                push0 += select_f(valid, select_f(apart, clip4(coeff * q0), splat(4)), splat(0));
                push1 += select_f(valid, select_f(apart, clip4(coeff * q1), splat(4)), splat(0));
            }
            L->step[2 * p] = (row_sum(w.pull0 + s0, count) + lane_sum(push0)) * alpha;
            L->step[2 * p + 1] = (row_sum(w.pull1 + s0, count) + lane_sum(push1)) * alpha;
        }
    }
    release(&w);
    return ok;
}
