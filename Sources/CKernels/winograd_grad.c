// Winograd F(3×3, 4×4) for a 3×3 convolution's weight gradient (declared in CKWinogradGrad.h, driven
// by Conv2d's backward pass). Laid out as winograd.c's transforms: tile index innermost, so each
// loop is an element-wise pass the compiler vectorises.
#include "CKWinogradGrad.h"
#include "ck_levels.h"
#include <stdlib.h>

// o[k·s] = (G′·d)[k] for the four rows d[k·ds] (k = 0 … 3), element-wise over n columns.
#define CK_WINO_GP(d, ds, o, os, n)                                                                        \
    for (long q = 0; q < (n); q++) {                                                                     \
        const float d0 = (d)[q], d1 = (d)[(ds) + q], d2 = (d)[2 * (ds) + q], d3 = (d)[3 * (ds) + q];      \
        const float e = d0 + d2, od = d1 + d3, e4 = d0 + 4.0f * d2, od4 = 2.0f * d1 + 8.0f * d3;         \
        (o)[q] = 0.25f * d0;                                                                             \
        (o)[(os) + q] = (e + od) * (-1.0f / 6);                                                          \
        (o)[2 * (os) + q] = (e - od) * (-1.0f / 6);                                                      \
        (o)[3 * (os) + q] = (e4 + od4) * (1.0f / 24);                                                    \
        (o)[4 * (os) + q] = (e4 - od4) * (1.0f / 24);                                                    \
        (o)[5 * (os) + q] = d3;                                                                          \
    }

CK_KERNEL(, int, ck_wino43_grad_dy, (const ck_wino_geometry *g, const float *dy, long r0, long r1, long o0, long o1, float *u, long ldu), (g, dy, r0, r1, o0, o1, u, ldu)) {
    const long tw = g->tilesW, th = g->tilesH, n = (r1 - r0) * tw;
    const long oh = g->outH, ow = g->outW, oc = g->outChannels, plane = oh * ow;
    const long positionStride = oc * ldu;
    if (n <= 0 || o1 <= o0) return 1;
    // d: the tiles' 4×4 windows of dy, (a, b) of tile i at d[(4a + b)·n + i]; t: G′·d, (k, b) at t[(4k + b)·n].
    float *buffer = malloc(sizeof(float) * (size_t)(40 * n));
    if (!buffer) return 0;
    float *d = buffer, *t = d + 16 * n;
    for (long o = o0; o < o1; o++) {
        for (long ri = 0; ri < r1 - r0; ri++) {
            const long b = (r0 + ri) / th, ty = (r0 + ri) % th;
            const float *image = dy + (b * oc + o) * plane;
            for (int a = 0; a < 4; a++) {
                const long y = 4 * ty + a;
                for (long q = 0; q < tw; q++) {
                    for (int c = 0; c < 4; c++) {
                        const long x = 4 * q + c;
                        d[(4 * a + c) * n + ri * tw + q] = y < oh && x < ow ? image[y * ow + x] : 0.0f;
                    }
                }
            }
        }
        for (int c = 0; c < 4; c++) CK_WINO_GP(d + c * n, 4 * n, t + c * n, 4 * n, n)
        for (int k = 0; k < 6; k++) {
            float *out = u + 6 * k * positionStride + o * ldu;
            CK_WINO_GP(t + 4 * k * n, n, out, positionStride, n)
        }
    }
    free(buffer);
    return 1;
}

CK_KERNEL(, void, ck_wino43_grad_output, (const float *m, long outChannels, long channels, long i0, long i1, float *dw), (m, outChannels, channels, i0, i1, dw)) {
    const long plane = outChannels * channels;
    for (long i = i0; i < i1; i++) {
        float r[3][6];
        // A′ᵀ·M down each column j, then (A′ᵀ·M)·A′ along each row.
        for (int j = 0; j < 6; j++) {
            const float m0 = m[j * plane + i], m1 = m[(6 + j) * plane + i], m2 = m[(12 + j) * plane + i];
            const float m3 = m[(18 + j) * plane + i], m4 = m[(24 + j) * plane + i], m5 = m[(30 + j) * plane + i];
            const float s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
            r[0][j] = m0 + s12 + s34;
            r[1][j] = d12 + 2.0f * d34;
            r[2][j] = s12 + 4.0f * s34 + m5;
        }
        float *out = dw + i * 9;
        for (int a = 0; a < 3; a++) {
            const float *q = r[a];
            const float s12 = q[1] + q[2], d12 = q[1] - q[2], s34 = q[3] + q[4], d34 = q[3] - q[4];
            out[3 * a] += q[0] + s12 + s34;
            out[3 * a + 1] += d12 + 2.0f * d34;
            out[3 * a + 2] += s12 + 4.0f * s34 + q[5];
        }
    }
}
