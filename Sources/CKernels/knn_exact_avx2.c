// The exact kNN scan of knn_exact_lanes.h for AVX2: sixteen lanes are two registers, four query rows
// at a time. Same bits as the other builds (contraction is off).
#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define KNN_ROWS 4
#include "knn_exact_lanes.h"

void ck_knn_exact_avx2(const float *q, long d, const float *packed, long n, long k, long first, long end,
                       int32_t *index, float *dsq) {
    knn_exact_scan(q, d, packed, n, k, first, end, index, dsq);
}

void ck_knn_exact_pruned_avx2(const float *x, long d, const float *packed, const float *centres, const float *radius, long n, long k,
                         float slack, const int32_t *original, long first, long end, int32_t *index, float *rank,
                         long *visited) {
    knn_pruned_scan(x, d, packed, centres, radius, n, k, slack, original, first, end, index, rank, visited);
}
#pragma clang attribute pop
#endif
