// FFT-accelerated interpolation for t-SNE's repulsion (FIt-SNE: Linderman, Rachh, Hoskins, Steinerberger
// & Kluger, "Fast interpolation-based t-SNE for improved visualization of single-cell RNA-seq data",
// Nature Methods 2019). The plane is cut into boxes × boxes equal boxes with three interpolation nodes a
// side; each point's charges are spread onto the nine nodes of its box by Lagrange weights, the node
// grid is convolved with the kernel 1/(1 + d²)² by a 2-D FFT (zero-padded to a side 2^a·3^b), and the
// potentials are read back through the same weights. See TSNE+FFT.swift.
//
// Every function takes a range so that callers can split work over threads; each writes only its own
// range, and the arithmetic is lane-wise IEEE with contraction off, so the baseline, AVX2 and AVX-512
// builds give the same bits.
#ifndef CK_TSNE_H
#define CK_TSNE_H
#include <stdint.h>

/// Most interpolation nodes per box side; columns of the column pass taken at once.
enum { CK_FIT_MAX_NODES = 8, CK_FIT_STRIP = 32 };
/// Grid rows are g + CK_FIT_PAD floats apart: with a power-of-two distance, the rows a column pass
/// walks down would all fall in the same few cache sets.
enum { CK_FIT_PAD = 16 };

typedef struct {
    long n;                 // points
    long boxes;             // boxes per side
    long nodes;             // interpolation nodes per box side (≤ CK_FIT_MAX_NODES)
    long size;              // FFT side: 2^a·3^b ≥ 2 · nodes · boxes
    float x0, y0, width;    // the grid's lower-left corner and one box's side
} ck_fit_geometry;

/// Each point's box (row-major box index) and its 2·nodes Lagrange weights (nodes across, then up), for
/// points first ..< end of y (n (x, y) pairs).
void ck_fit_locate(const ck_fit_geometry *g, const float *y, int32_t *box, float *weights, long first, long end);

/// Spreads the charges 1, x, y, x² + y² of the points of boxes firstBox ..< endBox onto their nodes:
/// grid re0/im0 get (1, x), re1/im1 get (y, x² + y²); a node's row is its y index.
/// `order` lists points box by box (in point order within a box), `boxStart` (boxes² + 1) where each
/// box's run begins. Only the first boxes·nodes rows and columns are written.
void ck_fit_spread(const ck_fit_geometry *g, const float *y, const float *weights, const int32_t *order,
                   const int32_t *boxStart, long firstBox, long endBox,
                   float *re0, float *im0, float *re1, float *im1);

/// The length-g DFT (g = 2^a·3^b, a ≥ 1) down columns firstColumn ..< endColumn of the g × g grid
/// (re, im), in place. Forward (inverse = 0): natural order in, digit-reversed out; inverse: that
/// order in, natural out, conjugate, unscaled. `live`: forward, rows from it on are zero (not read);
/// inverse, rows from it on are not wanted (not all written); it only saves work when ≤ g/2.
/// wr/wi: cos and −sin of 2πk/g for k < g (`ck_fit_twiddles`).
void ck_fit_columns(float *re, float *im, long g, long firstColumn, long endColumn, int inverse, long live,
                    const float *wr, const float *wi);
/// Columns firstColumn ..< endColumn of both charge pairs (re0, im0) and (re1, im1): the forward
/// transform (rows from `live` ≤ g/2 on zero), times the spectrum k element-wise, the inverse (rows
/// from `live` on not written).
void ck_fit_convolve(float *re0, float *im0, float *re1, float *im1, const float *k, long g, long live,
                     long firstColumn, long endColumn, const float *wr, const float *wi);
/// The same along rows firstRow ..< endRow: columns from columnsIn on are read as zeros, and only the
/// first columnsOut are written back. scratch: 2·g·CK_FIT_STRIP floats.
void ck_fit_rows(float *re, float *im, long g, long firstRow, long endRow, long columnsIn, long columnsOut, int inverse,
                 const float *wr, const float *wi, float *scratch);
/// Twiddle factors for `ck_fit_columns` and `ck_fit_rows`.
void ck_fit_twiddles(float *wr, float *wi, long size);
/// The circulant kernel grid: rows firstRow ..< endRow of k(i, j) = 1/(1 + h²(dᵢ² + dⱼ²))² with
/// d = i for i ≤ size/2, else i − size (so its DFT is real), h the node spacing.
void ck_fit_kernel(float *k, long size, float h, long firstRow, long endRow);
/// Each point's four potentials (Σ K·1, Σ K·x, Σ K·y, Σ K·(x² + y²)), interpolated back from the
/// convolved grids (scaled by `scale`), for points first ..< end.
void ck_fit_gather(const ck_fit_geometry *g, const int32_t *box, const float *weights,
                   const float *re0, const float *im0, const float *re1, const float *im1, float scale,
                   float *potentials, long first, long end);

/// t-SNE's attraction Σ_j p_ij (y_i − y_j)/(1 + d²) for points first ..< end, over the CSR affinities
/// (point i's entries are offsets[i] ..< offsets[i + 1]), into out (n (x, y) pairs).
void ck_tsne_attract(const float *y, const long *offsets, const int32_t *columns, const float *weights, float *out,
                     long first, long end);

/// `ck_fit_columns` and `ck_tsne_attract` in the build of `level` (2 AVX-512, 1 AVX2 + FMA, 0 baseline, as
/// `ck_direct_best_level`'s; a level above it does nothing), for tests that every build gives the same bits.
void ck_fit_columns_at(long level, float *re, float *im, long g, long firstColumn, long endColumn, int inverse,
                       long live, const float *wr, const float *wi);
void ck_tsne_attract_at(long level, const float *y, const long *offsets, const int32_t *columns, const float *weights,
                        float *out, long first, long end);
#endif
