// FIt-SNE's repulsion pieces and t-SNE's attraction (CKTSNE.h): the baseline build of the loops in
// tsne_fit_body.h, the dispatch between it and the AVX2 and AVX-512 builds, and the loops too light to
// need more than one build.
#include <math.h>
#include "CKernels.h"
#include "tsne_fit_body.h"

CK_FIT_BUILD(baseline)

#if defined(__x86_64__) && defined(__clang__)
#define CK_FIT_DECLARE(level)                                                                                        \
    void ck_fit_columns_##level(float *, float *, long, long, long, int, long, const float *, const float *);         \
    void ck_fit_convolve_##level(float *, float *, float *, float *, const float *, long, long, long, long,            \
                                 const float *, const float *);                                                       \
    void ck_fit_rows_##level(float *, float *, long, long, long, long, long, int, const float *, const float *,        \
                             float *);                                                                                \
    void ck_fit_spread_##level(const ck_fit_geometry *, const float *, const float *, const int32_t *,                \
                               const int32_t *, long, long, float *, float *, float *, float *);                      \
    void ck_tsne_attract_##level(const float *, const long *, const int32_t *, const float *, float *, long, long);
CK_FIT_DECLARE(avx2)
CK_FIT_DECLARE(avx512)
// The build for `level` (ck_direct_best_level's numbering: 2 AVX-512, 1 AVX2 + FMA, 0 baseline).
#define CK_FIT_DISPATCH(level, function, ...)                                                                        \
    do {                                                                                                             \
        if ((level) == 2) { function##_avx512(__VA_ARGS__); return; }                                                \
        if ((level) == 1) { function##_avx2(__VA_ARGS__); return; }                                                  \
        function##_baseline(__VA_ARGS__);                                                                            \
    } while (0)
#else
#define CK_FIT_DISPATCH(level, function, ...) function##_baseline(__VA_ARGS__)
#endif

void ck_fit_columns_at(long level, float *re, float *im, long g, long firstColumn, long endColumn, int inverse,
                       long live, const float *wr, const float *wi) {
    if (level > ck_direct_best_level()) return;
    CK_FIT_DISPATCH(level, ck_fit_columns, re, im, g, firstColumn, endColumn, inverse, live, wr, wi);
}

void ck_fit_columns(float *re, float *im, long g, long firstColumn, long endColumn, int inverse, long live,
                    const float *wr, const float *wi) {
    ck_fit_columns_at(ck_direct_best_level(), re, im, g, firstColumn, endColumn, inverse, live, wr, wi);
}

void ck_fit_convolve(float *re0, float *im0, float *re1, float *im1, const float *k, long g, long live,
                     long firstColumn, long endColumn, const float *wr, const float *wi) {
    CK_FIT_DISPATCH(ck_direct_best_level(), ck_fit_convolve, re0, im0, re1, im1, k, g, live, firstColumn, endColumn,
                    wr, wi);
}

void ck_fit_rows(float *re, float *im, long g, long firstRow, long endRow, long columnsIn, long columnsOut, int inverse,
                 const float *wr, const float *wi, float *scratch) {
    CK_FIT_DISPATCH(ck_direct_best_level(), ck_fit_rows, re, im, g, firstRow, endRow, columnsIn, columnsOut, inverse,
                    wr, wi, scratch);
}

void ck_fit_spread(const ck_fit_geometry *g, const float *y, const float *weights, const int32_t *order,
                   const int32_t *boxStart, long firstBox, long endBox,
                   float *re0, float *im0, float *re1, float *im1) {
    CK_FIT_DISPATCH(ck_direct_best_level(), ck_fit_spread, g, y, weights, order, boxStart, firstBox, endBox,
                    re0, im0, re1, im1);
}

void ck_tsne_attract_at(long level, const float *y, const long *offsets, const int32_t *columns, const float *weights,
                        float *out, long first, long end) {
    if (level > ck_direct_best_level()) return;
    CK_FIT_DISPATCH(level, ck_tsne_attract, y, offsets, columns, weights, out, first, end);
}

void ck_tsne_attract(const float *y, const long *offsets, const int32_t *columns, const float *weights, float *out,
                     long first, long end) {
    ck_tsne_attract_at(ck_direct_best_level(), y, offsets, columns, weights, out, first, end);
}

void ck_fit_gather(const ck_fit_geometry *g, const int32_t *box, const float *weights,
                   const float *re0, const float *im0, const float *re1, const float *im1, float scale,
                   float *potentials, long first, long end) {
    fit_gather(g, box, weights, re0, im0, re1, im1, scale, potentials, first, end);
}

void ck_fit_locate(const ck_fit_geometry *g, const float *y, int32_t *box, float *weights, long first, long end) {
    // Nodes at (j + ½)/p of the box, j < p: Lagrange's basis there, its denominators computed once.
    const long p = g->nodes;
    float node[CK_FIT_MAX_NODES], denominator[CK_FIT_MAX_NODES];
    for (long j = 0; j < p; j++) node[j] = ((float)j + 0.5f) / (float)p;
    for (long j = 0; j < p; j++) {
        float d = 1;
        for (long k = 0; k < p; k++) if (k != j) d *= node[j] - node[k];
        denominator[j] = 1 / d;
    }
    const float inv = 1 / g->width, last = (float)(g->boxes - 1);
    for (long i = first; i < end; i++) {
        float u[2] = {(y[2 * i] - g->x0) * inv, (y[2 * i + 1] - g->y0) * inv};
        long b[2];
        for (int d = 0; d < 2; d++) {
            float f = floorf(u[d]);
            f = f < 0 ? 0 : (f > last ? last : f);
            b[d] = (long)f;
            const float t = u[d] - f;
            float *w = weights + 2 * p * i + p * d;
            for (long j = 0; j < p; j++) {
                float v = denominator[j];
                for (long k = 0; k < p; k++) if (k != j) v *= t - node[k];
                w[j] = v;
            }
        }
        box[i] = (int32_t)(b[1] * g->boxes + b[0]);
    }
}

void ck_fit_twiddles(float *wr, float *wi, long size) {
    for (long k = 0; k < size; k++) {
        const double a = 2 * M_PI * (double)k / (double)size;
        wr[k] = (float)cos(a);
        wi[k] = (float)-sin(a);
    }
}

void ck_fit_kernel(float *k, long size, float h, long firstRow, long endRow) {
    const float h2 = h * h;
    const long ld = size + CK_FIT_PAD;
    for (long i = firstRow; i < endRow; i++) {
        const float di = (float)(i <= size / 2 ? i : i - size);
        for (long j = 0; j < size; j++) {
            const float dj = (float)(j <= size / 2 ? j : j - size);
            const float t = 1 + h2 * (di * di + dj * dj);
            k[i * ld + j] = 1 / (t * t);
        }
    }
}
