// NN-descent's pair step and its random-projection trees' margins in C: a point's candidates against each other, the rows' distances in 8-float
// vectors. In Swift the distances ran 4 floats at a time (the module is built for baseline x86-64) with
// overflow checks and the heaps' pointers reloaded for every pair.
#include "nn_descent_lanes.h"

#if defined(__x86_64__) && defined(__clang__)
long ck_nnd_pairs_avx512(const ck_nnd_round *round, long first, long end, ck_nnd_update *out, long capacity,
                         long *written);
long ck_nnd_pairs_avx2(const ck_nnd_round *round, long first, long end, ck_nnd_update *out, long capacity,
                       long *written);
void ck_rp_margins_avx2(const float *rows, long stride, const int32_t *order, long count, const float *normal,
                        float offset, float *margin);
#endif

void ck_rp_margins_baseline(const float *rows, long stride, const int32_t *order, long count, const float *normal,
                            float offset, float *margin) {
    nnd_margins(rows, stride, order, count, normal, offset, margin);
}

void ck_rp_margins(const float *rows, long stride, const int32_t *order, long count, const float *normal, float offset,
                   float *margin) {
#if defined(__x86_64__) && defined(__clang__)
    const unsigned avx2 = CK_CPU_AVX2 | CK_CPU_FMA;
    if ((ck_cpu_features() & avx2) == avx2) { ck_rp_margins_avx2(rows, stride, order, count, normal, offset, margin); return; }
#endif
    nnd_margins(rows, stride, order, count, normal, offset, margin);
}

long ck_nnd_pairs_at(long level, const ck_nnd_round *round, long first, long end, ck_nnd_update *out, long capacity,
                     long *written) {
    // Levels as ck_direct_best_level's: 2 AVX-512, 1 AVX2 + FMA, 0 baseline.
    if (level > ck_direct_best_level()) { *written = 0; return first; }
#if defined(__x86_64__) && defined(__clang__)
    if (level == 2) return ck_nnd_pairs_avx512(round, first, end, out, capacity, written);
    if (level == 1) return ck_nnd_pairs_avx2(round, first, end, out, capacity, written);
#endif
    return nnd_pairs(round, first, end, out, capacity, written);
}

long ck_nnd_pairs(const ck_nnd_round *round, long first, long end, ck_nnd_update *out, long capacity, long *written) {
    return ck_nnd_pairs_at(ck_direct_best_level(), round, first, end, out, capacity, written);
}

/// The part of `parts` whose thread applies a target's updates: targets are dealt out in stripes of 64
/// points. A chunk's updates mostly target points near its own blocks (the search numbers points in
/// tree-leaf order), so with contiguous ranges one thread applied most of each chunk while the other waited.
static inline uint32_t nnd_part(int32_t target, uint32_t parts) { return ((uint32_t)target >> 6) % parts; }

void ck_nnd_deal(const ck_nnd_update *updates, long count, int32_t parts, ck_nnd_update *out, long *starts) {
    const uint32_t all = (uint32_t)parts;
    for (int32_t p = 0; p <= parts; p++) starts[p] = 0;
    for (long u = 0; u < count; u++) starts[nnd_part(updates[u].target, all) + 1]++;
    for (int32_t p = 0; p < parts; p++) starts[p + 1] += starts[p];
    // starts[p] serves as part p's next place, which leaves it at part p + 1's start; shifted back after.
    for (long u = 0; u < count; u++) out[starts[nnd_part(updates[u].target, all)]++] = updates[u];
    for (int32_t p = parts; p > 0; p--) starts[p] = starts[p - 1];
    starts[0] = 0;
}

/// The updates come in the order their sources were joined, their targets all over the heaps: each
/// target's heap rows are asked for a few updates ahead (the pushes had waited on those misses).
long ck_nnd_apply(float *heap_distance, int32_t *heap_index, _Bool *fresh, long k, const ck_nnd_update *updates,
                  long count) {
    enum { AHEAD = 8 };
    long changed = 0;
    for (long u = 0; u < count; u++) {
        if (u + AHEAD < count) {
            const int32_t t = updates[u + AHEAD].target;
            __builtin_prefetch(heap_distance + (long)t * k, 1, 3);
            __builtin_prefetch(heap_index + (long)t * k, 1, 3);
        }
        const int32_t target = updates[u].target, j = updates[u].other;
        float *hd = heap_distance + (long)target * k;
        int32_t *hi_ = heap_index + (long)target * k;
        _Bool *hf = fresh + (long)target * k;
        const float d = updates[u].distance;
        if (!(d < hd[0])) continue;
        int listed = 0;
        for (long r = 0; r < k; r++) listed |= hi_[r] == j;
        if (listed) continue;
        long pos = 0;
        for (;;) {
            const long l = 2 * pos + 1, r = l + 1;
            long largest = pos;
            float largest_d = d;
            if (l < k && hd[l] > largest_d) { largest = l; largest_d = hd[l]; }
            if (r < k && hd[r] > largest_d) largest = r;
            if (largest == pos) break;
            hd[pos] = hd[largest]; hi_[pos] = hi_[largest]; hf[pos] = hf[largest];
            pos = largest;
        }
        hd[pos] = d; hi_[pos] = j; hf[pos] = 1;
        changed++;
    }
    return changed;
}
