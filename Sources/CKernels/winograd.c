// Winograd F(4×4, 3×3) transforms (declared in CKWinograd.h, driven by Winograd.swift).
//
// Layout: every transform works on a whole chunk of tiles at once, tile index innermost, so each of
// its loops is an element-wise pass over contiguous arrays that the compiler vectorises 16 floats wide
// (the AVX-512 clone) whatever the image width: a per-tile-row loop would be 2 to 8 tiles long at the
// 8×8 to 32×32 latents our decoders run, mostly vector remainder. Only the gather of the tiles' 6×6
// input windows and the scatter of their 4×4 outputs touch the NCHW images, one image row at a time.
#include "CKWinograd.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define CK_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CK_CLONES
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

void ck_wino43_filter(const float *w, long outChannels, long channels, float *u) {
    static const double G[6][3] = {
        {1.0 / 4, 0, 0}, {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6, -1.0 / 6},
        {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1},
    };
    const long plane = outChannels * channels;
    for (long o = 0; o < outChannels; o++) {
        for (long c = 0; c < channels; c++) {
            // Once per model, so in double: G's sixths and 24ths are inexact in float.
            const float *g = w + (o * channels + c) * 9;
            double gg[6][3];
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 3; j++)
                    gg[i][j] = G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j];
            for (int i = 0; i < 6; i++)
                for (int j = 0; j < 6; j++)
                    u[(i * 6 + j) * plane + o * channels + c] =
                        (float)(gg[i][0] * G[j][0] + gg[i][1] * G[j][1] + gg[i][2] * G[j][2]);
        }
    }
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

CK_CLONES int ck_wino43_input(const ck_wino_geometry *g, const float *x, long r0, long r1, long c0, long c1,
                              float *v, long ldv) {
    const long tw = g->tilesW, th = g->tilesH, span = tw + 1, n = (r1 - r0) * tw;
    const long h = g->height, w = g->width, plane = h * w, rowLen = 4 * span;
    const long positionStride = g->channels * ldv;
    if (n <= 0 || c1 <= c0) return 1;
    // row: one input row with its padding; phase: it de-interleaved (phase p, tile t = row[4t + p]);
    // d: the chunk's 6×6 windows, element (k, l) of tile i at d[(6k + l)·n + i]; t: Bᵀ·d.
    float *buffer = malloc(sizeof(float) * (size_t)(2 * rowLen + 72 * n));
    if (!buffer) return 0;
    float *row = buffer, *phase = row + rowLen, *d = phase + rowLen, *t = d + 36 * n;
    // The image's columns land at row[padLeft …]; the rest of the row stays zero.
    const long copyAt = g->padLeft < rowLen ? g->padLeft : rowLen;
    const long copyCount = w < rowLen - copyAt ? w : rowLen - copyAt;
    for (long c = c0; c < c1; c++) {
        for (long ri = 0; ri < r1 - r0; ri++) {
            const long b = (r0 + ri) / th, ty = (r0 + ri) % th;
            const float *image = x + (b * g->channels + c) * plane;
            for (int k = 0; k < 6; k++) {
                const long iy = 4 * ty - g->padTop + k;
                memset(row, 0, sizeof(float) * (size_t)rowLen);
                if (iy >= 0 && iy < h && copyCount > 0) memcpy(row + copyAt, image + iy * w, sizeof(float) * (size_t)copyCount);
                for (long q = 0; q < span; q++) {
                    phase[q] = row[4 * q];
                    phase[span + q] = row[4 * q + 1];
                    phase[2 * span + q] = row[4 * q + 2];
                    phase[3 * span + q] = row[4 * q + 3];
                }
                // Window column l of tile q is input column 4q + l: phase l % 4, one tile on for l ≥ 4.
                for (int l = 0; l < 6; l++) {
                    const float *src = phase + (l % 4) * span + l / 4;
                    float *dst = d + (6 * k + l) * n + ri * tw;
                    for (long q = 0; q < tw; q++) dst[q] = src[q];
                }
            }
        }
        // Bᵀ·d down each window column l, then (Bᵀ·d)·B along each row i straight into V.
        for (int l = 0; l < 6; l++) CK_WINO_BT(d + l * n, 6 * n, t + l * n, 6 * n, n)
        for (int i = 0; i < 6; i++) {
            float *out = v + 6 * i * positionStride + c * ldv;
            CK_WINO_BT(t + 6 * i * n, n, out, positionStride, n)
        }
    }
    free(buffer);
    return 1;
}

CK_CLONES int ck_wino43_output(const ck_wino_geometry *g, const float *m, long ldm, long r0, long r1, long o0, long o1,
                               const float *bias, float *y) {
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
