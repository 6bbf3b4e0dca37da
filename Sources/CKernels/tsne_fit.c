// FIt-SNE's repulsion pieces (CKTSNE.h): the dispatch between the baseline and AVX-512 builds of the
// FFT, and the loops too light to need two builds.
#include <math.h>
#include "CKernels.h"
#include "tsne_fit_body.h"

#if defined(__x86_64__) && defined(__clang__)
void ck_fit_columns_avx512(float *re, float *im, long g, long firstColumn, long endColumn, int inverse, int upperZero,
                           const float *wr, const float *wi);
void ck_fit_rows_avx512(float *re, float *im, long g, long firstRow, long endRow, long columnsIn, long columnsOut,
                        int inverse, const float *wr, const float *wi, float *scratch);
void ck_fit_spread_avx512(const ck_fit_geometry *g, const float *y, const float *weights, const int32_t *order,
                          const int32_t *boxStart, long firstBox, long endBox,
                          float *re0, float *im0, float *re1, float *im1);
#endif

int ck_fit_uses_avx512(void) {
#if defined(__x86_64__) && defined(__clang__)
    return (ck_cpu_features() & CK_CPU_AVX512F) != 0;
#else
    return 0;
#endif
}

void ck_fit_columns(float *re, float *im, long g, long firstColumn, long endColumn, int inverse, int upperZero,
                    const float *wr, const float *wi) {
#if defined(__x86_64__) && defined(__clang__)
    if (ck_fit_uses_avx512()) { ck_fit_columns_avx512(re, im, g, firstColumn, endColumn, inverse, upperZero, wr, wi); return; }
#endif
    fit_columns(re, im, g + CK_FIT_PAD, g, firstColumn, endColumn, inverse, upperZero, wr, wi);
}

void ck_fit_columns_baseline(float *re, float *im, long g, long firstColumn, long endColumn, int inverse, int upperZero,
                             const float *wr, const float *wi) {
    fit_columns(re, im, g + CK_FIT_PAD, g, firstColumn, endColumn, inverse, upperZero, wr, wi);
}

void ck_fit_rows(float *re, float *im, long g, long firstRow, long endRow, long columnsIn, long columnsOut, int inverse,
                 const float *wr, const float *wi, float *scratch) {
#if defined(__x86_64__) && defined(__clang__)
    if (ck_fit_uses_avx512()) {
        ck_fit_rows_avx512(re, im, g, firstRow, endRow, columnsIn, columnsOut, inverse, wr, wi, scratch);
        return;
    }
#endif
    fit_rows(re, im, g, firstRow, endRow, columnsIn, columnsOut, inverse, wr, wi, scratch);
}

void ck_fit_spread(const ck_fit_geometry *g, const float *y, const float *weights, const int32_t *order,
                   const int32_t *boxStart, long firstBox, long endBox,
                   float *re0, float *im0, float *re1, float *im1) {
#if defined(__x86_64__) && defined(__clang__)
    if (ck_fit_uses_avx512()) {
        ck_fit_spread_avx512(g, y, weights, order, boxStart, firstBox, endBox, re0, im0, re1, im1);
        return;
    }
#endif
    fit_spread(g, y, weights, order, boxStart, firstBox, endBox, re0, im0, re1, im1);
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

void ck_fit_multiply(float *re, float *im, const float *k, long size, long firstRow, long endRow) {
    for (long t = firstRow * (size + CK_FIT_PAD); t < endRow * (size + CK_FIT_PAD); t++) { re[t] *= k[t]; im[t] *= k[t]; }
}

void ck_tsne_attract(const float *y, const long *offsets, const int32_t *columns, const float *weights, float *out,
                     long first, long end) {
    for (long i = first; i < end; i++) {
        const float yi0 = y[2 * i], yi1 = y[2 * i + 1];
        float a0 = 0, a1 = 0;
        for (long e = offsets[i]; e < offsets[i + 1]; e++) {
            const long j = columns[e];
            const float d0 = yi0 - y[2 * j], d1 = yi1 - y[2 * j + 1];
            const float q = 1 / (1 + d0 * d0 + d1 * d1);
            a0 += weights[e] * q * d0; a1 += weights[e] * q * d1;
        }
        out[2 * i] = a0; out[2 * i + 1] = a1;
    }
}
