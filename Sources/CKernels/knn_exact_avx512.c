// The exact kNN scan of knn_exact_lanes.h for AVX-512: sixteen lanes are one register, so eight query
// rows' sums (and the loaded column) fit in the 32 registers. Same bits as the other builds.
#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#define KNN_ROWS 8
#include "knn_exact_lanes.h"

void ck_knn_exact_avx512(const float *q, long d, const float *packed, long n, long k, long first, long end,
                         int32_t *index, float *dsq) {
    knn_exact_scan(q, d, packed, n, k, first, end, index, dsq);
}

void ck_knn_exact_pruned_avx512(const float *x, long d, const float *packed, const float *centres, const float *radius, long n, long k,
                         float slack, const int32_t *original, long first, long end, int32_t *index, float *rank,
                         long *visited) {
    knn_pruned_scan(x, d, packed, centres, radius, n, k, slack, original, first, end, index, rank, visited);
}
#pragma clang attribute pop
#endif
