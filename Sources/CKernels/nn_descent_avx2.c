// NN-descent's pair step (nn_descent_lanes.h) for AVX2: one register per 8-float block. Same bits as
// the baseline build (contraction is off).
#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "nn_descent_lanes.h"

long ck_nnd_pairs_avx2(const ck_nnd_round *round, long first, long end, ck_nnd_update *out, long capacity,
                       long *written) {
    return nnd_pairs(round, first, end, out, capacity, written);
}

void ck_rp_margins_avx2(const float *rows, long stride, const int32_t *order, long count, const float *normal,
                        float offset, float *margin) {
    nnd_margins(rows, stride, order, count, normal, offset, margin);
}
#pragma clang attribute pop
#endif
