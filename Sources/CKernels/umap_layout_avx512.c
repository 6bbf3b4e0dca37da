// The layout epoch of umap_layout_lanes.h compiled for AVX-512: its sixteen lanes are one register
// where the AVX2 build splits them in two. Contraction stays off, so the bits are the other builds'.
#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#include "umap_layout_lanes.h"

int ck_umap_layout_epoch_avx512(const ck_umap_layout *layout, long epoch, float alpha, long first, long end) {
    return layout_epoch(layout, epoch, alpha, first, end);
}
#pragma clang attribute pop
#endif
