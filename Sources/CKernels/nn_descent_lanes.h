// The pair step of an NN-descent round, included by nn_descent.c (baseline / any CPU), by
// nn_descent_avx2.c under an AVX2 target and by nn_descent_avx512.c under an AVX-512 one with
// NND_LANES 16: each translation unit gets its own static copy, and all compute the same bits
// (element-wise operations only, no contraction; a candidate's distance is summed in its own lane in
// the same order whatever the vector's width).
#include "CKernels.h"
#include <stdlib.h>
#include <string.h>

#pragma clang fp contract(off)
#pragma clang diagnostic ignored "-Wpsabi"

#ifndef NND_LANES
#define NND_LANES 8  // candidates per vector in the pair step
#endif
typedef float nnd_v8 __attribute__((vector_size(32)));
typedef float nnd_vc __attribute__((vector_size(4 * NND_LANES)));
typedef int32_t nnd_ic __attribute__((vector_size(4 * NND_LANES)));

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

typedef int32_t nnd_i8 __attribute__((vector_size(32)));

/// Whether a list copied by `nnd_copy_list` (k entries, then −1 up to a multiple of 8) holds j.
static inline int nnd_holds(const int32_t *list, long padded, int32_t j) {
    nnd_i8 any = {0};
    for (long r = 0; r < padded; r += 8) {
        nnd_i8 v;
        memcpy(&v, list + r, sizeof v);
        any |= v == j;
    }
    return __builtin_reduce_or(any) != 0;
}

/// A point's k listed neighbours, padded with −1 (never a point; also what an unfilled entry holds).
static inline void nnd_copy_list(int32_t *to, const int32_t *from, long k, long padded) {
    memcpy(to, from, sizeof(int32_t) * (size_t)k);
    for (long r = k; r < padded; r++) to[r] = -1;
}

static inline nnd_vc nnd_load(const float *p) { nnd_vc v; memcpy(&v, p, sizeof v); return v; }
static inline nnd_ic nnd_load_i(const int32_t *p) { nnd_ic v; memcpy(&v, p, sizeof v); return v; }
typedef _Bool nnd_bc __attribute__((ext_vector_type(NND_LANES)));
/// Bit l set where lane l of a comparison's mask is set: through a vector of bools, which compiles to
/// one mask move (a loop over the lanes did not).
static inline unsigned nnd_bits(nnd_ic mask) {
#if NND_LANES == 16
    return __builtin_bit_cast(uint16_t, __builtin_convertvector(mask, nnd_bc));
#else
    return __builtin_bit_cast(uint8_t, __builtin_convertvector(mask, nnd_bc));
#endif
}
static inline nnd_ic nnd_lane_numbers(void) {
    nnd_ic v;
    for (int l = 0; l < NND_LANES; l++) v[l] = l;
    return v;
}

/// ‖x_a − x_c‖² for the candidate columns c of vector block `block` (NND_LANES columns): `cols` holds dimension t of
/// candidate c at cols[t·width + c]. Summed as `PaddedRows.squaredDistance` sums a row pair, lane by
/// lane: dimension t goes to position t mod 8 of accumulator (t / 8) mod 2, the two accumulators are
/// added, then positions j and j + 4, then (h0 + h2) + (h1 + h3). Dimensions past `dimension` are the
/// rows' zero padding, whose +0 terms change no sum, so they are skipped.
static inline nnd_vc nnd_column_distances(const float *cols, long width, long dimension, long a, long block) {
    nnd_vc s[8];
    for (long j = 0; j < 8; j++) {
        nnd_vc even = {0}, odd = {0};
        for (long t = j; t < dimension; t += 8) {
            const nnd_vc v = nnd_load(cols + t * width + NND_LANES * block) - cols[t * width + a];
            if ((t / 8) % 2 == 0) even += v * v; else odd += v * v;
        }
        s[j] = even + odd;
    }
    const nnd_vc h0 = s[0] + s[4], h1 = s[1] + s[5], h2 = s[2] + s[6], h3 = s[3] + s[7];
    return (h0 + h2) + (h1 + h3);
}

/// Asks for the cache lines the pair step reads for point i's candidates: their rows, lists and
/// farthest distances lie all over memory, and the copies below waited on each miss in turn.
static inline void nnd_prefetch_candidates(const ck_nnd_round *R, long i) {
    const long k = R->k, s = R->sample, nn = R->new_count[i], total = nn + R->old_count[i];
    for (long c = 0; c < total; c++) {
        const long q = c < nn ? R->new_candidates[i * s + c] : R->old_candidates[i * s + c - nn];
        __builtin_prefetch(R->rows + q * R->stride, 0, 3);
        __builtin_prefetch(R->heap_index + q * k, 0, 3);
        __builtin_prefetch(R->heap_index + q * k + k - 1, 0, 3);
        __builtin_prefetch(R->heap_distance + q * k, 0, 3);
    }
}

/// Each point's candidates (new, then old) are first copied as columns, one row per dimension, so
/// that the distances from one candidate to all the others are vector operations across candidates:
/// taking pairs one at a time, each distance was a handful of loads and a horizontal sum.
static long nnd_pairs(const ck_nnd_round *R, long first, long end, ck_nnd_update *out, long capacity, long *written) {
    const long k = R->k, s = R->sample, stride = R->stride, dimension = R->dimension;
    const long most = 2 * (s * (s - 1) / 2 + s * s);  // updates one point can emit
    const long width = (2 * s + NND_LANES - 1) / NND_LANES * NND_LANES;  // candidate columns, in whole vectors
    float *cols = malloc(sizeof(float) * (size_t)(dimension * width));
    const long padded = (k + 7) / 8 * 8;
    int32_t *candidate = malloc(sizeof(int32_t) * (size_t)width), *lists = malloc(sizeof(int32_t) * (size_t)(width * padded));
    float *farthest = malloc(sizeof(float) * (size_t)width);
    long count = 0, i = first;
    if (!cols || !candidate || !farthest || !lists) {
        free(cols); free(candidate); free(farthest); free(lists);
        *written = 0;
        return first;
    }
    for (; i < end && count + most <= capacity; i++) {
        const long nn = R->new_count[i], total = nn + R->old_count[i];
        if (nn == 0) continue;
        if (i + 1 < end) nnd_prefetch_candidates(R, i + 1);
        const long blocks = (total + NND_LANES - 1) / NND_LANES;
        for (long c = 0; c < blocks * NND_LANES; c++) {
            if (c < total) {
                const int32_t q = candidate[c] = c < nn ? R->new_candidates[i * s + c] : R->old_candidates[i * s + c - nn];
                const float *row = R->rows + (long)q * stride;
                // Scalar stores: vectorised, these became scatters, which are slow on AMD's cores.
#pragma clang loop vectorize(disable)
                for (long t = 0; t < dimension; t++) cols[t * width + c] = row[t];
                farthest[c] = R->heap_distance[(long)q * k];
                nnd_copy_list(lists + c * padded, R->heap_index + (long)q * k, k, padded);
            } else {
                candidate[c] = -1;
                farthest[c] = 0;
#pragma clang loop vectorize(disable)
                for (long t = 0; t < dimension; t++) cols[t * width + c] = 0;
            }
        }
        for (long a = 0; a < nn; a++) {
            const int32_t p = candidate[a];
            for (long b = (a + 1) / NND_LANES; b < blocks; b++) {
                const nnd_vc d = nnd_column_distances(cols, width, dimension, a, b);
                // Which lanes may enter p's list and which p may enter theirs, as bits: branching on
                // each comparison mispredicted about as often as not.
                const nnd_ic lane = nnd_lane_numbers() + (int32_t)(NND_LANES * b);
                const nnd_ic valid = (lane > (int32_t)a) & (lane < (int32_t)total) & (nnd_load_i(candidate + NND_LANES * b) != p);
                const unsigned to_p = nnd_bits(valid & (d < farthest[a])), to_q = nnd_bits(valid & (d < nnd_load(farthest + NND_LANES * b)));
                for (unsigned bits = to_p | to_q; bits; bits &= bits - 1) {
                    const int l = __builtin_ctz(bits);
                    const long c = NND_LANES * b + l;
                    const int32_t q = candidate[c];
                    // Lists do not change while a round produces, so pairs already listed are dropped here.
                    if ((to_p >> l & 1) && !nnd_holds(lists + a * padded, padded, q)) out[count++] = (ck_nnd_update){p, q, d[l]};
                    if ((to_q >> l & 1) && !nnd_holds(lists + c * padded, padded, p)) out[count++] = (ck_nnd_update){q, p, d[l]};
                }
            }
        }
    }
    free(cols); free(candidate); free(farthest); free(lists);
    *written = count;
    return i;
}
