// Direct stride-1 convolutions for narrow layers (see DirectConvolution.swift): each image channel is
// copied into a zero-bordered plane, and the output is computed over that plane read as one flat row,
// vectors of consecutive positions times broadcast weights. Positions whose window runs off the right
// edge are computed and dropped; on small maps, where those are a fifth of the work, each channel is
// copied once per window column instead, shifted, so that no position is wasted.
#ifndef CK_DIRECT_CONV_H
#define CK_DIRECT_CONV_H

/// One convolution's shapes, in elements: stride 1, dilation 1, one group.
typedef struct {
    long channels, height, width;               // the input image (C, H, W)
    long outChannels;                           // OC
    long kernelH, kernelW;                      // the window
    long padTop, padLeft, padBottom, padRight;  // zeros around the image (each ≥ 0)
} ck_direct_geometry;

/// The kernel's builds: 0 baseline (SSE2 or any CPU), 1 AVX2 + FMA, 2 AVX-512. Every call names one;
/// the best this CPU runs is ck_direct_best_level() (tests run each level the CPU has).
long ck_direct_best_level(void);

/// Output channels per block of the packed weights at `level` for a layer of `outChannels` (the
/// kernel's accumulators).
long ck_direct_block(long level, long outChannels);

/// The weights (OC, C, kh, kw) packed for `level`: blocks of ck_direct_block(level, OC) output channels,
/// then channel, then window position, then the block's output channels (zeros past OC).
/// `packed` holds ck_direct_packed_count(g, level) floats.
long ck_direct_packed_count(const ck_direct_geometry *g, long level);
void ck_direct_pack(const ck_direct_geometry *g, long level, const float *w, float *packed);

/// Whether the kernel copies each channel once per window column (shifted planes as wide as the output)
/// rather than once: when the dropped positions would be at least a fifth of the work (kw − 1 of
/// every OW + kw − 1) and each copied value feeds enough products (OC·kh ≥ 96) to pay for its copies —
/// a 32 → 64 layer on 8×8 or a 5×5 window on 16×16, not 16 channels or a 3-channel output layer.
int ck_direct_shifts(const ck_direct_geometry *g);

/// y (N, OC, OH, OW) = x (N, C, H, W) ⋆ w + bias (bias may be NULL) for images i0 ..< i1, with the
/// weights ck_direct_pack packed for the same level. OH = H + padTop + padBottom − kh + 1, OW likewise.
/// Returns 0 if out of memory or the CPU lacks the level.
int ck_direct_conv(const ck_direct_geometry *g, long level, const float *x, long i0, long i1, const float *packed,
                   const float *bias, float *y);

#endif
