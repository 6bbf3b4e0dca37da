// NN-descent's pair step (nn_descent_lanes.h) for AVX-512: sixteen candidates per vector, where the
// AVX2 build takes eight (a point's up to 2 × 15 candidates were four vector blocks, now two). Same
// bits as the other builds: each candidate's distance is summed in its own lane, contraction off.
#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#define NND_LANES 16
#include "nn_descent_lanes.h"

long ck_nnd_pairs_avx512(const ck_nnd_round *round, long first, long end, ck_nnd_update *out, long capacity,
                         long *written) {
    return nnd_pairs(round, first, end, out, capacity, written);
}
#pragma clang attribute pop
#endif
