// One epoch of UMAP's layout SGD over a range of points, sixteen samples at a time.
//
// The scalar loop was bound by a ~40-instruction dependent chain per negative sample (a serial random
// generator, a random read of the embedding, a table-driven x^b, a divide). Here the edges and the
// negative samples of a block of points are laid out as flat rows and taken sixteen at a time: indices
// from a counter-based hash (no generator chain), x^b from short polynomials (no table reads).
//
// Written with clang's vector extensions, so the baseline (SSE2) and AVX2 builds run the same lane-wise
// IEEE operations in the same order: contraction into FMA is off, and lanes are added up in a fixed
// tree. The coordinates therefore do not depend on the CPU, nor on how points are split over threads.
#include "umap_layout_lanes.h"

#if defined(__x86_64__) && defined(__clang__)
int ck_umap_layout_epoch_avx512(const ck_umap_layout *layout, long epoch, float alpha, long first, long end);
#endif

int ck_umap_layout_uses_avx2(void) {
#if defined(__x86_64__) && defined(__clang__)
    const unsigned both = CK_CPU_AVX2 | CK_CPU_FMA;
    return (ck_cpu_features() & both) == both;
#else
    return 0;
#endif
}

int ck_umap_layout_uses_avx512(void) {
#if defined(__x86_64__) && defined(__clang__)
    const unsigned all = CK_CPU_AVX2 | CK_CPU_FMA | CK_CPU_AVX512F | CK_CPU_AVX512BW | CK_CPU_AVX512DQ | CK_CPU_AVX512VL;
    return (ck_cpu_features() & all) == all;
#else
    return 0;
#endif
}

int ck_umap_layout_epoch(const ck_umap_layout *layout, long epoch, float alpha, long first, long end) {
#if defined(__x86_64__) && defined(__clang__)
    if (ck_umap_layout_uses_avx512()) return ck_umap_layout_epoch_avx512(layout, epoch, alpha, first, end);
    if (ck_umap_layout_uses_avx2()) return ck_umap_layout_epoch_avx2(layout, epoch, alpha, first, end);
#endif
    return ck_umap_layout_epoch_baseline(layout, epoch, alpha, first, end);
}

int ck_umap_layout_epoch_baseline(const ck_umap_layout *layout, long epoch, float alpha, long first, long end) {
    return layout_epoch(layout, epoch, alpha, first, end);
}

float ck_umap_pow(float x, float b) { return pow_b(splat(x), b)[0]; }
