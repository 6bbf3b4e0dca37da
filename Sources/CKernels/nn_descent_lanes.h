// The pair step of an NN-descent round, included by nn_descent.c (baseline / any CPU) and by
// nn_descent_avx2.c under an AVX2 target: each translation unit gets its own static copy, and both
// compute the same bits (8-float vectors, element-wise operations only, no contraction).
#include "CKernels.h"
#include <string.h>

#pragma clang fp contract(off)
#pragma clang diagnostic ignored "-Wpsabi"

typedef float nnd_v8 __attribute__((vector_size(32)));

/// ‖a − b‖² of two rows of `stride` floats (a multiple of 8): 8-float blocks alternately into two
/// accumulators (a last odd block into the first), the two added, then their halves, then
/// (h0 + h2) + (h1 + h3) — the order `PaddedRows.squaredDistance` sums in.
static inline float nnd_distance(const float *a, const float *b, long stride) {
    nnd_v8 acc0 = {0}, acc1 = {0};
    long t = 0;
    for (; t + 16 <= stride; t += 16) {
        nnd_v8 a0, b0, a1, b1;
        memcpy(&a0, a + t, 32); memcpy(&b0, b + t, 32);
        memcpy(&a1, a + t + 8, 32); memcpy(&b1, b + t + 8, 32);
        const nnd_v8 v0 = a0 - b0, v1 = a1 - b1;
        acc0 += v0 * v0; acc1 += v1 * v1;
    }
    if (t < stride) {
        nnd_v8 a0, b0;
        memcpy(&a0, a + t, 32); memcpy(&b0, b + t, 32);
        const nnd_v8 v = a0 - b0;
        acc0 += v * v;
    }
    const nnd_v8 s = acc0 + acc1;
    const float h0 = s[0] + s[4], h1 = s[1] + s[5], h2 = s[2] + s[6], h3 = s[3] + s[7];
    return (h0 + h2) + (h1 + h3);
}

/// normal · row + offset for the rows order[0 ..< count]: 8-float blocks into one accumulator, its
/// halves added, then (h0 + h2) + (h1 + h3) — the order the Swift `dot` sums in. A tree node's points
/// lie all over memory, so rows a few points ahead are asked for before they are read.
static void nnd_margins(const float *rows, long stride, const int32_t *order, long count, const float *normal,
                        float offset, float *margin) {
    for (long s = 0; s < count; s++) {
        if (s + 8 < count) __builtin_prefetch(rows + (long)order[s + 8] * stride, 0, 3);
        const float *row = rows + (long)order[s] * stride;
        nnd_v8 acc = {0};
        for (long t = 0; t + 8 <= stride; t += 8) {
            nnd_v8 a, b;
            memcpy(&a, normal + t, 32); memcpy(&b, row + t, 32);
            acc += a * b;
        }
        const float h0 = acc[0] + acc[4], h1 = acc[1] + acc[5], h2 = acc[2] + acc[6], h3 = acc[3] + acc[7];
        margin[s] = (0.0f + (h0 + h2)) + (h1 + h3) + offset;
    }
}

/// Whether the k-entry list `index` holds j.
static inline int nnd_lists(const int32_t *index, long k, int32_t j) {
    int found = 0;
    for (long r = 0; r < k; r++) found |= index[r] == j;
    return found;
}

static long nnd_pairs(const ck_nnd_round *R, long first, long end, ck_nnd_update *out, long capacity, long *written) {
    const long k = R->k, s = R->sample, stride = R->stride;
    const long most = 2 * (s * (s - 1) / 2 + s * s);  // updates one point can emit
    long count = 0, i = first;
    for (; i < end && count + most <= capacity; i++) {
        const int32_t *news = R->new_candidates + i * s, *olds = R->old_candidates + i * s;
        const long nn = R->new_count[i], no = R->old_count[i];
        for (long a = 0; a < nn; a++) {
            const int32_t p = news[a];
            const float *row_p = R->rows + (long)p * stride;
            for (long c = a + 1; c < nn + no; c++) {
                const int32_t q = c < nn ? news[c] : olds[c - nn];
                if (p == q) continue;
                const float d = nnd_distance(row_p, R->rows + (long)q * stride, stride);
                // Lists do not change while a round produces, so pairs already listed are dropped here.
                if (d < R->heap_distance[(long)p * k] && !nnd_lists(R->heap_index + (long)p * k, k, q))
                    out[count++] = (ck_nnd_update){p, q, d};
                if (d < R->heap_distance[(long)q * k] && !nnd_lists(R->heap_index + (long)q * k, k, p))
                    out[count++] = (ck_nnd_update){q, p, d};
            }
        }
    }
    *written = count;
    return i;
}
