// Exact k-nearest neighbours by a scan: each query against sixteen data rows at a time, from the data's
// columns packed sixteen rows at a time, several queries per loaded column. It replaced a GEMM per
// 64-query block whose 64 × n result went through memory before a scalar pass over it.
#include "knn_exact_lanes.h"

#if defined(__x86_64__) && defined(__clang__)
void ck_knn_exact_avx2(const float *q, long d, const float *packed, long n, long k, long first, long end,
                       int32_t *index, float *dsq);
void ck_knn_exact_avx512(const float *q, long d, const float *packed, long n, long k, long first, long end,
                         int32_t *index, float *dsq);
void ck_knn_exact_pruned_avx2(const float *x, long d, const float *packed, const float *centres, const float *radius, long n, long k,
                         float slack, const int32_t *original, long first, long end, int32_t *index, float *rank,
                         long *visited);
void ck_knn_exact_pruned_avx512(const float *x, long d, const float *packed, const float *centres, const float *radius, long n, long k,
                         float slack, const int32_t *original, long first, long end, int32_t *index, float *rank,
                         long *visited);
#endif

void ck_knn_pack(const float *data, long n, long d, float *packed) {
    const long chunks = (n + CK_KNN_LANES - 1) / CK_KNN_LANES;
    for (long c = 0; c < chunks; c++) {
        float *group = packed + c * (d + 1) * CK_KNN_LANES;
        for (long l = 0; l < CK_KNN_LANES; l++) {
            const long j = c * CK_KNN_LANES + l;
            float norm = 0;
            for (long t = 0; t < d; t++) {
                const float v = j < n ? data[j * d + t] : 0;
                group[t * CK_KNN_LANES + l] = -2 * v;
                norm += v * v;
            }
            group[d * CK_KNN_LANES + l] = norm;
        }
    }
}

void ck_knn_exact(const float *q, long d, const float *packed, long n, long k, long first, long end,
                  int32_t *index, float *dsq) {
#if defined(__x86_64__) && defined(__clang__)
    const unsigned f = ck_cpu_features(), avx2 = CK_CPU_AVX2 | CK_CPU_FMA;
    const unsigned avx512 = avx2 | CK_CPU_AVX512F | CK_CPU_AVX512BW | CK_CPU_AVX512DQ | CK_CPU_AVX512VL;
    if ((f & avx512) == avx512) { ck_knn_exact_avx512(q, d, packed, n, k, first, end, index, dsq); return; }
    if ((f & avx2) == avx2) { ck_knn_exact_avx2(q, d, packed, n, k, first, end, index, dsq); return; }
#endif
    knn_exact_scan(q, d, packed, n, k, first, end, index, dsq);
}

void ck_knn_exact_pruned(const float *x, long d, const float *packed, const float *centres, const float *radius, long n, long k,
                         float slack, const int32_t *original, long first, long end, int32_t *index, float *rank,
                         long *visited) {
#if defined(__x86_64__) && defined(__clang__)
    const unsigned f = ck_cpu_features(), avx2 = CK_CPU_AVX2 | CK_CPU_FMA;
    const unsigned avx512 = avx2 | CK_CPU_AVX512F | CK_CPU_AVX512BW | CK_CPU_AVX512DQ | CK_CPU_AVX512VL;
    if ((f & avx512) == avx512) {
        ck_knn_exact_pruned_avx512(x, d, packed, centres, radius, n, k, slack, original, first, end, index, rank, visited);
        return;
    }
    if ((f & avx2) == avx2) {
        ck_knn_exact_pruned_avx2(x, d, packed, centres, radius, n, k, slack, original, first, end, index, rank, visited);
        return;
    }
#endif
    knn_pruned_scan(x, d, packed, centres, radius, n, k, slack, original, first, end, index, rank, visited);
}

void ck_knn_exact_pruned_baseline(const float *x, long d, const float *packed, const float *centres, const float *radius, long n, long k,
                         float slack, const int32_t *original, long first, long end, int32_t *index, float *rank,
                         long *visited) {
    knn_pruned_scan(x, d, packed, centres, radius, n, k, slack, original, first, end, index, rank, visited);
}
