// The exact k-nearest-neighbour scan, included by knn_exact.c (baseline / any CPU) and by
// knn_exact_avx2.c and knn_exact_avx512.c under their targets: each translation unit gets its own
// static copy, KNN_ROWS query rows at a time (as many as the unit's registers hold), and all compute
// the same bits: the ranking value ‖c‖² − 2·q·c (the squared distance less the query's own ‖q‖²) is
// summed in dimension order without contraction. One multiply and one add per dimension, where the
// direct Σ (c_t − q_t)² took a subtract too: Zen 4 runs the multiplies and adds on separate pipes, so
// this halved the scan. The rows are centred by the caller (small norms, little cancellation) and the
// caller recomputes the k distances it keeps directly.
#include "CKernels.h"
#include <math.h>
#include <string.h>

#pragma clang fp contract(off)
#pragma clang diagnostic ignored "-Wpsabi"

#ifndef KNN_ROWS
#define KNN_ROWS 4
#endif
typedef float knn_vf __attribute__((vector_size(4 * CK_KNN_LANES)));
typedef int32_t knn_vi __attribute__((vector_size(4 * CK_KNN_LANES)));
typedef _Bool knn_vb __attribute__((ext_vector_type(CK_KNN_LANES)));

// Data rows per tile: the tile's packed columns (tile · d floats) stay in the second-level cache while
// every query row of the range passes over them, instead of the whole data set streaming from memory
// once per KNN_ROWS queries.
enum { KNN_TILE = 4096 };

/// Puts j at its place in a list sorted by distance (after equal distances: ties keep the lower index,
/// as data rows arrive in index order), dropping the farthest.
static inline void knn_insert(float *dist, int32_t *index, long k, float v, int32_t j) {
    long p = k - 1;
    while (p > 0 && dist[p - 1] > v) { dist[p] = dist[p - 1]; index[p] = index[p - 1]; p--; }
    dist[p] = v; index[p] = j;
}

/// The ranking values ‖c‖² − 2·q·c of a packed chunk's rows (`col`) for KNN_ROWS queries, summed from
/// the norm in dimension order.
__attribute__((always_inline)) static inline void knn_rank(const float *col, long d, const float *const *qr, knn_vf *acc) {
    knn_vf norm;
    memcpy(&norm, col + d * CK_KNN_LANES, sizeof norm);
#pragma clang loop unroll(full)
    for (long r = 0; r < KNN_ROWS; r++) acc[r] = norm;
    for (long t = 0; t < d; t++) {
        knn_vf v;  // −2·c_t
        memcpy(&v, col + t * CK_KNN_LANES, sizeof v);
#pragma clang loop unroll(full)
        for (long r = 0; r < KNN_ROWS; r++) acc[r] += v * qr[r][t];
    }
}

static void knn_exact_scan(const float *q, long d, const float *packed, long n, long k, long first, long end,
                           int32_t *index, float *dsq) {
    for (long i = first * k; i < end * k; i++) { index[i] = -1; dsq[i] = INFINITY; }
    const long chunks = (n + CK_KNN_LANES - 1) / CK_KNN_LANES;
    for (long c0 = 0; c0 < chunks; c0 += KNN_TILE / CK_KNN_LANES) {
        const long c1 = c0 + KNN_TILE / CK_KNN_LANES < chunks ? c0 + KNN_TILE / CK_KNN_LANES : chunks;
        for (long r0 = first; r0 < end; r0 += KNN_ROWS) {
            const long rows = end - r0 < KNN_ROWS ? end - r0 : KNN_ROWS;
            const float *qr[KNN_ROWS];
            float worst[KNN_ROWS];
            for (long r = 0; r < KNN_ROWS; r++) {
                const long row = r0 + (r < rows ? r : rows - 1);  // a short block repeats its last row
                qr[r] = q + row * d;
                worst[r] = dsq[row * k + k - 1];
            }
            for (long c = c0; c < c1; c++) {
                knn_vf acc[KNN_ROWS];
                knn_rank(packed + c * (d + 1) * CK_KNN_LANES, d, qr, acc);
                // Most chunks hold no row nearer than a query's current k-th: one compare rejects them.
                for (long r = 0; r < rows; r++) {
                    const knn_vb near = __builtin_convertvector(acc[r] < worst[r], knn_vb);
                    uint16_t lanes = __builtin_bit_cast(uint16_t, near);
                    if (!lanes) continue;
                    float *dl = dsq + (r0 + r) * k;
                    int32_t *il = index + (r0 + r) * k;
                    float sums[CK_KNN_LANES];
                    memcpy(sums, &acc[r], sizeof sums);
                    while (lanes) {  // the nearer lanes alone, in index order
                        const int l = __builtin_ctz(lanes);
                        lanes &= lanes - 1;
                        const long j = c * CK_KNN_LANES + l;
                        if (sums[l] < dl[k - 1] && j < n) knn_insert(dl, il, k, sums[l], (int32_t)j);
                    }
                    worst[r] = dl[k - 1];
                }
            }
        }
    }
}

/// Puts (v, j) at its place in a k-list ordered by (value, index), dropping the last entry, if it
/// belongs there: the pruned scan visits chunks out of index order, so ties are settled by the index.
static inline void knn_offer(float *dist, int32_t *index, long k, float v, int32_t j) {
    if (!(v < dist[k - 1] || (v == dist[k - 1] && (uint32_t)j < (uint32_t)index[k - 1]))) return;
    long p = k - 1;
    while (p > 0 && (dist[p - 1] > v || (dist[p - 1] == v && (uint32_t)index[p - 1] > (uint32_t)j))) {
        dist[p] = dist[p - 1]; index[p] = index[p - 1]; p--;
    }
    dist[p] = v; index[p] = j;
}

/// The block's queries against data chunk c: ranking values as the plain scan computes them, offered
/// to each row's list under the rows' original numbers.
static inline void knn_visit(const float *packed, long d, long n, long k, long c, const float *const *qr, long rows,
                             const int32_t *original, float *const *dl, int32_t *const *il, float *worst) {
    knn_vf acc[KNN_ROWS];
    knn_rank(packed + c * (d + 1) * CK_KNN_LANES, d, qr, acc);
    for (long r = 0; r < rows; r++) {
        // <=: a value equal to the k-th may still enter on a lower index
        uint16_t lanes = __builtin_bit_cast(uint16_t, __builtin_convertvector(acc[r] <= worst[r], knn_vb));
        if (!lanes) continue;
        float sums[CK_KNN_LANES];
        memcpy(sums, &acc[r], sizeof sums);
        while (lanes) {
            const int l = __builtin_ctz(lanes);
            lanes &= lanes - 1;
            const long j = c * CK_KNN_LANES + l;
            if (j < n) knn_offer(dl[r], il[r], k, sums[l], original[j]);
        }
        worst[r] = dl[r][k - 1];
    }
}

/// The pruned self scan (see ck_knn_exact_pruned): for each block of query rows, the chunks around its
/// own first (the rows are in an order that keeps near points near, so its lists fill with good
/// candidates), then every other chunk whose ball could hold a row nearer than a query's k-th.
static void knn_pruned_scan(const float *x, long d, const float *packed, const float *centres, const float *radius,
                            long n, long k, float slack, const int32_t *original, long first, long end,
                            int32_t *index, float *rank, long *visited) {
    long visits = 0;
    const long chunks = (n + CK_KNN_LANES - 1) / CK_KNN_LANES, groups = (chunks + CK_KNN_LANES - 1) / CK_KNN_LANES;
    const long window = (2 * k + CK_KNN_LANES - 1) / CK_KNN_LANES > 4 ? (2 * k + CK_KNN_LANES - 1) / CK_KNN_LANES : 4;
    for (long r0 = first; r0 < end; r0 += KNN_ROWS) {
        const long rows = end - r0 < KNN_ROWS ? end - r0 : KNN_ROWS;
        const float *qr[KNN_ROWS];
        float *dl[KNN_ROWS], worst[KNN_ROWS], qn[KNN_ROWS];
        int32_t *il[KNN_ROWS];
        for (long r = 0; r < KNN_ROWS; r++) {
            const long row = r0 + (r < rows ? r : rows - 1);  // a short block repeats its last row
            qr[r] = x + row * d;
            dl[r] = rank + (long)original[row] * k;
            il[r] = index + (long)original[row] * k;
            float s = 0;
            for (long t = 0; t < d; t++) s += qr[r][t] * qr[r][t];
            qn[r] = s;
            worst[r] = INFINITY;
        }
        for (long r = 0; r < rows; r++)
            for (long e = 0; e < k; e++) { dl[r][e] = INFINITY; il[r][e] = -1; }
        const long home = r0 / CK_KNN_LANES;
        const long lo = home - window > 0 ? home - window : 0, hi = home + window + 1 < chunks ? home + window + 1 : chunks;
        for (long c = lo; c < hi; c++) knn_visit(packed, d, n, k, c, qr, rows, original, dl, il, worst);
        visits += hi - lo;
        for (long g = 0; g < groups; g++) {
            const float *cen = centres + g * d * CK_KNN_LANES;
            knn_vf rad;
            memcpy(&rad, radius + g * CK_KNN_LANES, sizeof rad);
            uint32_t any = 0;
            for (long r = 0; r < rows; r++) {
                knn_vf s = {0};
                for (long t = 0; t < d; t++) {
                    knn_vf v;
                    memcpy(&v, cen + t * CK_KNN_LANES, sizeof v);
                    v -= qr[r][t];
                    s += v * v;
                }
                // The nearest a row of the chunk can be: the distance to its centre less its radius.
                const knn_vf gap = __builtin_elementwise_max((knn_vf){0} + 0.0f, __builtin_elementwise_sqrt(s) - rad);
                // The k-th's squared distance (ranking value + ‖q‖²), widened for the ranking's rounding.
                const float limit = (worst[r] + qn[r]) * 1.0001f + slack * (qn[r] + 1);
                any |= __builtin_bit_cast(uint16_t, __builtin_convertvector(gap * gap <= limit, knn_vb));
            }
            while (any) {
                const int l = __builtin_ctz(any);
                any &= any - 1;
                const long c = g * CK_KNN_LANES + l;
                if (c < chunks && (c < lo || c >= hi)) { knn_visit(packed, d, n, k, c, qr, rows, original, dl, il, worst); visits++; }
            }
        }
    }
    if (visited) *visited = visits;
}
