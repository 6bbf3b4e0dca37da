// The layout epoch of umap_layout_lanes.h compiled for AVX2 + FMA (eight float lanes in one register);
// umap_layout.c calls it when the CPU has both. FMA is allowed but never used: contraction is off.
#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "umap_layout_lanes.h"

int ck_umap_layout_epoch_avx2(const ck_umap_layout *layout, long epoch, float alpha, long first, long end) {
    return layout_epoch(layout, epoch, alpha, first, end);
}
#pragma clang attribute pop
#endif
