// Winograd F(4×4, 3×3) transforms for 3×3, stride-1 convolutions (see Winograd.swift). Each 6×6 input
// tile becomes 36 numbers; the convolution is then 36 independent GEMMs, one per position, over
// channels: 4× fewer multiplies than im2col's 9 per output. Interpolation points 0, ±1, ±2, ∞ (Lavin &
// Gray, "Fast Algorithms for Convolutional Neural Networks", 2015).
#ifndef CK_WINOGRAD_H
#define CK_WINOGRAD_H

/// Output rows and columns each tile produces, and the input tile's side (tile + 2).
enum { CK_WINO_TILE = 4, CK_WINO_ALPHA = 6, CK_WINO_POSITIONS = 36 };

/// One convolution's shapes, in elements. A "tile row" is global over the batch: row r is tile row
/// r % tilesH of image r / tilesH.
typedef struct {
    long channels, height, width;   // the input image (C, H, W)
    long outChannels, outH, outW;   // the output image (OC, OH, OW)
    long padTop, padLeft;           // zeros before the first input row and column
    long tilesH, tilesW;            // ⌈OH/4⌉, ⌈OW/4⌉
} ck_wino_geometry;

/// U (36, OC, C) = G·g·Gᵀ for every 3×3 filter g of w (OC, C, 3, 3): each position's matrix is a
/// GEMM's A operand as stored.
void ck_wino43_filter(const float *w, long outChannels, long channels, float *u);
/// The same for output channels o0 ..< o1 only (their entries of U; the rest is left as it was).
void ck_wino43_filter_rows(const float *w, long outChannels, long channels, long o0, long o1, float *u);

/// V (36, C, ldv) for channels c0 ..< c1 of the tiles of tile rows r0 ..< r1 of the batch at x
/// (N, C, H, W): tile (r − r0)·tilesW + tx is column (r − r0)·tilesW + tx of every position's C × ldv
/// matrix (ldv ≥ (r1 − r0)·tilesW). Reads outside the image are zeros. Returns 0 if out of memory.
int ck_wino43_input(const ck_wino_geometry *g, const float *x, long r0, long r1, long c0, long c1,
                    float *v, long ldv);

/// The inverse: output channels o0 ..< o1 of tile rows r0 ..< r1 from M (36, OC, ldm), plus bias[o]
/// (bias may be NULL), written into y (N, OC, OH, OW) and cropped to OH × OW. Returns 0 if out of memory.
int ck_wino43_output(const ck_wino_geometry *g, const float *m, long ldm, long r0, long r1, long o0, long o1,
                     const float *bias, float *y);

/// Channels last: the same transforms with a vector of channels in every number (whole tiles, one at a
/// time), for narrow layers whose C × tiles matrices are too small for the forms above to vectorise
/// well. `level` as ck_direct_best_level's; C and OC are padded to ck_wino43_cl_lanes(level).
long ck_wino43_cl_lanes(long level);
/// V for tile rows r0 ..< r1 of the batch at x (N, C, H, W): position p's tiles × ldv matrix at
/// v + p·positionStride, tile (r − r0)·tilesW + tx its row (r − r0)·tilesW + tx; ldv ≥ C rounded up to
/// the lanes (the padding channels zero). A position stride a little past a multiple of 4 KB keeps the
/// 36 numbers of a tile out of one L1 set. Returns 0 if out of memory, ldv is too small or the CPU
/// lacks the level.
int ck_wino43_input_cl(long level, const ck_wino_geometry *g, const float *x, long r0, long r1, float *v, long ldv,
                       long positionStride);
/// y (N, OC, OH, OW) for tile rows r0 ..< r1 from M (position p's tiles × ldm matrix at
/// m + p·positionStride), ldm ≥ OC rounded up to the lanes, plus bias[o] (may be NULL), cropped to
/// OH × OW. Returns 0 if out of memory, ldm is too small or the CPU lacks the level.
int ck_wino43_output_cl(long level, const ck_wino_geometry *g, const float *m, long ldm, long positionStride, long r0, long r1,
                        const float *bias, float *y);

#endif
