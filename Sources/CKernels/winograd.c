// Winograd F(4×4, 3×3) transforms (declared in CKWinograd.h, driven by Winograd.swift).
//
// Layout: every transform works on a whole chunk of tiles at once, tile index innermost, so each of
// its loops is an element-wise pass over contiguous arrays that the compiler vectorises 16 floats wide
// (the AVX-512 build) whatever the image width: a per-tile-row loop would be 2 to 8 tiles long at the
// 8×8 to 32×32 latents our decoders run, mostly vector remainder. Only the gather of the tiles' 6×6
// input windows and the scatter of their 4×4 outputs touch the NCHW images, one image row at a time.
#include "CKWinograd.h"
#include "ck_levels.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Keeps the compiler from turning the short row copies below into memcpy/memset calls.
#if defined(__clang__)
#define CK_NO_CALLS __attribute__((no_builtin("memcpy"))) __attribute__((no_builtin("memset")))
#else
#define CK_NO_CALLS
#endif

// Bᵀ, G and Aᵀ for the points 0, 1, −1, 2, −2, ∞:
//   Bᵀ = [4  0 −5  0 1 0]   G = [ 1/4     0    0 ]   Aᵀ = [1 1  1 1  1 0]
//        [0 −4 −4  1 1 0]       [−1/6 −1/6 −1/6 ]        [0 1 −1 2 −2 0]
//        [0  4 −4 −1 1 0]       [−1/6  1/6 −1/6 ]        [0 1  1 4  4 0]
//        [0 −2 −1  2 1 0]       [1/24 1/12  1/6 ]        [0 1 −1 8 −8 1]
//        [0  2 −1 −2 1 0]       [1/24 −1/12 1/6 ]
//        [0  4  0 −5 0 1]       [  0     0    1 ]
// Written out below because x·0 cannot be folded away under IEEE rules (NaN, −0), so a loop over the
// matrices would do 36 multiplies where these do about 12 adds.

CK_KERNEL(, void, ck_wino43_filter_rows, (const float *w, long outChannels, long channels, long o0, long o1, float *u), (w, outChannels, channels, o0, o1, u)) {
#pragma clang fp contract(off)
    static const double G[6][3] = {
        {1.0 / 4, 0, 0}, {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
        {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1},
    };
    const long plane = outChannels * channels;
    // Training transforms every 3×3 layer's weights at every step (a thirtieth of the emoji VQ-VAE's
    // time filter by filter). Sixteen input channels at a time, their filters element-major, so every
    // step is one pass over the block that the compiler vectorises and U's rows are written 16 floats
    // at once; each number is still the single filter's expression, so the bits are unchanged.
    enum { CK_FILTER_BLOCK = 16 };
    for (long o = o0; o < o1; o++) {
        for (long c0 = 0; c0 < channels; c0 += CK_FILTER_BLOCK) {
            const long nb = channels - c0 < CK_FILTER_BLOCK ? channels - c0 : CK_FILTER_BLOCK;
            // In double: G's sixths and 24ths are inexact in float.
            double g[9][CK_FILTER_BLOCK], gg[6][3][CK_FILTER_BLOCK];
            for (long b = 0; b < CK_FILTER_BLOCK; b++)
                for (int k = 0; k < 9; k++) g[k][b] = b < nb ? w[(o * channels + c0 + b) * 9 + k] : 0.0;
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 3; j++)
                    for (long b = 0; b < CK_FILTER_BLOCK; b++)
                        gg[i][j][b] = G[i][0] * g[j][b] + G[i][1] * g[3 + j][b] + G[i][2] * g[6 + j][b];
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++) {
                    float *out = u + (i * 6 + j) * plane + o * channels + c0;
                    for (long b = 0; b < nb; b++)
                        out[b] = (float)(gg[i][0][b] * G[j][0] + gg[i][1][b] * G[j][1] + gg[i][2][b] * G[j][2]);
                }
        }
    }
}

void ck_wino43_filter(const float *w, long outChannels, long channels, float *u) {
    ck_wino43_filter_rows(w, outChannels, channels, 0, outChannels, u);
}

// o[k·s] = (Bᵀ·d)[k] for the six rows d[k·s] (k = 0 … 5), element-wise over n columns.
#define CK_WINO_BT(d, ds, o, os, n)                                                                        \
    for (long q = 0; q < (n); q++) {                                                                     \
        const float d0 = (d)[q], d1 = (d)[(ds) + q], d2 = (d)[2 * (ds) + q];                             \
        const float d3 = (d)[3 * (ds) + q], d4 = (d)[4 * (ds) + q], d5 = (d)[5 * (ds) + q];              \
        (o)[q] = 4.0f * d0 - 5.0f * d2 + d4;                                                             \
        (o)[(os) + q] = d3 + d4 - 4.0f * (d1 + d2);                                                      \
        (o)[2 * (os) + q] = 4.0f * (d1 - d2) - d3 + d4;                                                  \
        (o)[3 * (os) + q] = 2.0f * (d3 - d1) - d2 + d4;                                                  \
        (o)[4 * (os) + q] = 2.0f * (d1 - d3) - d2 + d4;                                                  \
        (o)[5 * (os) + q] = 4.0f * d1 - 5.0f * d3 + d5;                                                  \
    }

// o[a·s] = (Aᵀ·m)[a] (+ bias) for the six rows m[i·s], element-wise over n columns.
#define CK_WINO_AT(m, ms, o, os, n, bias)                                                                  \
    for (long q = 0; q < (n); q++) {                                                                     \
        const float m0 = (m)[q], m1 = (m)[(ms) + q], m2 = (m)[2 * (ms) + q];                             \
        const float m3 = (m)[3 * (ms) + q], m4 = (m)[4 * (ms) + q], m5 = (m)[5 * (ms) + q];              \
        const float s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;                          \
        (o)[q] = m0 + s12 + s34 + (bias);                                                                \
        (o)[(os) + q] = d12 + 2.0f * d34 + (bias);                                                       \
        (o)[2 * (os) + q] = s12 + 4.0f * s34 + (bias);                                                   \
        (o)[3 * (os) + q] = d12 + 8.0f * d34 + m5 + (bias);                                              \
    }

CK_KERNEL(CK_NO_CALLS, int, ck_wino43_input, (const ck_wino_geometry *g, const float *x, long r0, long r1, long c0, long c1, float *v, long ldv), (g, x, r0, r1, c0, c1, v, ldv)) {
    const long tw = g->tilesW, th = g->tilesH, rows = r1 - r0, n = rows * tw;
    const long h = g->height, w = g->width, plane = h * w;
    const long positionStride = g->channels * ldv;
    if (n <= 0 || c1 <= c0) return 1;
    // bordered: for each run of tile rows within one image, the input rows it reads, zero-padded to
    // every window (4·tiles + 2 columns, the image's at padLeft), run after run; at: where tile i's
    // window starts in it; d: the chunk's 6×6 windows, element (k, l) of tile i at d[(6k + l)·n + i];
    // t: Bᵀ·d. Each input row is copied once, then each window element is one gather over all the
    // chunk's tiles: at the 8×8 grids training runs an image row holds two tiles, so loops per image row
    // (and the memcpy calls of a few floats they made) had cost more than the transform itself.
    const long pw = 4 * tw + 2;
    long bufferRows = 0;
    for (long ri = 0; ri < rows;) {
        const long ty0 = (r0 + ri) % th, run = th - ty0 < rows - ri ? th - ty0 : rows - ri;
        bufferRows += 4 * run + 2;
        ri += run;
    }
    if (bufferRows * pw > INT32_MAX) return 0;
    float *buffer = malloc(sizeof(float) * (size_t)(bufferRows * pw + 72 * n));
    int32_t *at = malloc(sizeof(int32_t) * (size_t)n);
    if (!buffer || !at) { free(buffer); free(at); return 0; }
    float *bordered = buffer, *d = bordered + bufferRows * pw, *t = d + 36 * n;
    for (long ri = 0, base = 0; ri < rows;) {
        const long ty0 = (r0 + ri) % th, run = th - ty0 < rows - ri ? th - ty0 : rows - ri;
        for (long u = 0; u < run; u++)
            for (long q = 0; q < tw; q++) at[(ri + u) * tw + q] = (int32_t)((base + 4 * u) * pw + 4 * q);
        base += 4 * run + 2;
        ri += run;
    }
    long lo = g->padLeft < pw ? g->padLeft : pw, hi = g->padLeft + w < pw ? g->padLeft + w : pw;
    if (hi < lo) hi = lo;
    for (long c = c0; c < c1; c++) {
        float *row = bordered;
        for (long ri = 0; ri < rows;) {
            const long b = (r0 + ri) / th, ty0 = (r0 + ri) % th;
            const long run = th - ty0 < rows - ri ? th - ty0 : rows - ri;
            const float *image = x + (b * g->channels + c) * plane;
            for (long r = 0; r < 4 * run + 2; r++, row += pw) {
                const long iy = 4 * ty0 - g->padTop + r;
                if (iy < 0 || iy >= h) {
                    for (long col = 0; col < pw; col++) row[col] = 0.0f;
                    continue;
                }
                const float *src = image + iy * w - g->padLeft;
                for (long col = 0; col < lo; col++) row[col] = 0.0f;
                for (long col = lo; col < hi; col++) row[col] = src[col];
                for (long col = hi; col < pw; col++) row[col] = 0.0f;
            }
            ri += run;
        }
        for (int k = 0; k < 6; k++) {
            for (int l = 0; l < 6; l++) {
                const float *src = bordered + k * pw + l;
                float *dst = d + (6 * k + l) * n;
                for (long i = 0; i < n; i++) dst[i] = src[at[i]];
            }
        }
        // Bᵀ·d down each window column l, then (Bᵀ·d)·B along each row i straight into V.
        for (int l = 0; l < 6; l++) CK_WINO_BT(d + l * n, 6 * n, t + l * n, 6 * n, n)
        for (int i = 0; i < 6; i++) {
            float *out = v + 6 * i * positionStride + c * ldv;
            CK_WINO_BT(t + 6 * i * n, n, out, positionStride, n)
        }
    }
    free(at);
    free(buffer);
    return 1;
}

CK_KERNEL(, int, ck_wino43_output, (const ck_wino_geometry *g, const float *m, long ldm, long r0, long r1, long o0, long o1, const float *bias, float *y), (g, m, ldm, r0, r1, o0, o1, bias, y)) {
    const long tw = g->tilesW, th = g->tilesH, n = (r1 - r0) * tw;
    const long oh = g->outH, ow = g->outW, oc = g->outChannels, plane = oh * ow;
    const long positionStride = oc * ldm;
    if (n <= 0 || o1 <= o0) return 1;
    // r: Aᵀ·M, (a, j) at r[(6a + j)·n]; z: the 4×4 outputs, (a, b) at z[(4a + b)·n].
    float *buffer = malloc(sizeof(float) * (size_t)(40 * n));
    if (!buffer) return 0;
    float *r = buffer, *z = r + 24 * n;
    // Whole tiles per output row; the last one may stick out past OW and is cropped.
    const long whole = ow / 4 < tw ? ow / 4 : tw;
    for (long o = o0; o < o1; o++) {
        const float *mo = m + o * ldm, bo = bias ? bias[o] : 0.0f;
        for (int j = 0; j < 6; j++) CK_WINO_AT(mo + j * positionStride, 6 * positionStride, r + j * n, 6 * n, n, 0.0f)
        for (int a = 0; a < 4; a++) CK_WINO_AT(r + 6 * a * n, n, z + 4 * a * n, n, n, bo)
        for (long ri = 0; ri < r1 - r0; ri++) {
            const long b = (r0 + ri) / th, ty = (r0 + ri) % th;
            float *image = y + (b * oc + o) * plane;
            for (int a = 0; a < 4 && 4 * ty + a < oh; a++) {
                float *dst = image + (4 * ty + a) * ow;
                const float *z0 = z + 4 * a * n + ri * tw, *z1 = z0 + n, *z2 = z1 + n, *z3 = z2 + n;
                for (long q = 0; q < whole; q++) {
                    dst[4 * q] = z0[q];
                    dst[4 * q + 1] = z1[q];
                    dst[4 * q + 2] = z2[q];
                    dst[4 * q + 3] = z3[q];
                }
                for (long col = 4 * whole; col < ow; col++) dst[col] = z[(4 * a + col % 4) * n + ri * tw + col / 4];
            }
        }
    }
    free(buffer);
    return 1;
}
