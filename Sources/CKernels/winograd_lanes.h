// The channels-last Winograd F(4×4, 3×3) transforms (CKWinograd.h), included by winograd_cl.c once per
// build with LANES (floats a vector) and SUFFIX naming its entry points.
//
// Every transform works on one tile at a time with a vector of LANES channels in each of its 36 (or 16)
// numbers, so it is all vector arithmetic whatever the map's size and however few the channels (one
// AVX-512 vector holds a 16-channel layer). The images are NCHW: the input is copied once, channels
// last, into a zero-bordered band, and the output written back a channel at a time.
#include "CKWinograd.h"
#include "float_lanes.h"
#include <stdlib.h>

#if LANES == 16
// A 16×16 transpose in registers: at each level h the off-diagonal h×h blocks swap.
static inline void CK_CAT(wtranspose_, SUFFIX)(VF r[LANES]) {
    for (int i = 0; i < LANES; i++) {
        if (i & 8) continue;
        const VF a = r[i], b = r[i + 8];
        r[i] = __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        r[i + 8] = __builtin_shufflevector(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    }
    for (int i = 0; i < LANES; i++) {
        if (i & 4) continue;
        const VF a = r[i], b = r[i + 4];
        r[i] = __builtin_shufflevector(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
        r[i + 4] = __builtin_shufflevector(a, b, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
    }
    for (int i = 0; i < LANES; i++) {
        if (i & 2) continue;
        const VF a = r[i], b = r[i + 2];
        r[i] = __builtin_shufflevector(a, b, 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
        r[i + 2] = __builtin_shufflevector(a, b, 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
    }
    for (int i = 0; i < LANES; i++) {
        if (i & 1) continue;
        const VF a = r[i], b = r[i + 1];
        r[i] = __builtin_shufflevector(a, b, 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        r[i + 1] = __builtin_shufflevector(a, b, 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
    }
}
#endif
#if LANES == 8
// A 8×8 transpose in registers: at each level h the off-diagonal h×h blocks swap.
static inline void CK_CAT(wtranspose_, SUFFIX)(VF r[LANES]) {
    for (int i = 0; i < LANES; i++) {
        if (i & 4) continue;
        const VF a = r[i], b = r[i + 4];
        r[i] = __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11);
        r[i + 4] = __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15);
    }
    for (int i = 0; i < LANES; i++) {
        if (i & 2) continue;
        const VF a = r[i], b = r[i + 2];
        r[i] = __builtin_shufflevector(a, b, 0, 1, 8, 9, 4, 5, 12, 13);
        r[i + 2] = __builtin_shufflevector(a, b, 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int i = 0; i < LANES; i++) {
        if (i & 1) continue;
        const VF a = r[i], b = r[i + 1];
        r[i] = __builtin_shufflevector(a, b, 0, 8, 2, 10, 4, 12, 6, 14);
        r[i + 1] = __builtin_shufflevector(a, b, 1, 9, 3, 11, 5, 13, 7, 15);
    }
}
#endif
#if LANES == 4
// A 4×4 transpose in registers: at each level h the off-diagonal h×h blocks swap.
static inline void CK_CAT(wtranspose_, SUFFIX)(VF r[LANES]) {
    for (int i = 0; i < LANES; i++) {
        if (i & 2) continue;
        const VF a = r[i], b = r[i + 2];
        r[i] = __builtin_shufflevector(a, b, 0, 1, 4, 5);
        r[i + 2] = __builtin_shufflevector(a, b, 2, 3, 6, 7);
    }
    for (int i = 0; i < LANES; i++) {
        if (i & 1) continue;
        const VF a = r[i], b = r[i + 1];
        r[i] = __builtin_shufflevector(a, b, 0, 4, 2, 6);
        r[i + 1] = __builtin_shufflevector(a, b, 1, 5, 3, 7);
    }
}
#endif

int CK_CAT(ck_wino43_input_cl_, SUFFIX)(const ck_wino_geometry *g, const float *x, long r0, long r1, float *v, long ldv,
                                        long positionStride) {
    const long c = g->channels, cp = (c + LANES - 1) / LANES * LANES;
    const long tw = g->tilesW, th = g->tilesH, h = g->height, w = g->width, plane = h * w;
    const long rows = r1 - r0, pw = 4 * tw + 2;
    if (rows <= 0) return 1;
    // The band: for each run of tile rows within one image, the 4·run + 2 input rows it reads, each pw
    // pixels of cp channels, zeros outside the image (and in the channels past C).
    long bandRows = 0;
    for (long ri = 0; ri < rows;) {
        const long ty0 = (r0 + ri) % th, run = th - ty0 < rows - ri ? th - ty0 : rows - ri;
        bandRows += 4 * run + 2;
        ri += run;
    }
    float *band = calloc((size_t)(bandRows * pw * cp), sizeof(float));
    if (!band) return 0;
    for (long ri = 0, base = 0; ri < rows;) {
        const long b = (r0 + ri) / th, ty0 = (r0 + ri) % th, run = th - ty0 < rows - ri ? th - ty0 : rows - ri;
        for (long r = 0; r < 4 * run + 2; r++) {
            const long iy = 4 * ty0 - g->padTop + r;
            if (iy < 0 || iy >= h) continue;
            const long x0 = g->padLeft, x1 = g->padLeft + w < pw ? g->padLeft + w : pw;
            float *to = band + (base + r) * pw * cp;
            // LANES pixels of LANES channels at a time, transposed in registers; the row's last pixels one
            // by one (scalar moves: the vectorised form is a scatter, microcoded and slow on Zen 4).
            const float *row = x + b * c * plane + iy * w - g->padLeft;
            for (long cb = 0; cb < cp; cb += LANES) {
                long col = x0;
                for (; col + LANES <= x1; col += LANES) {
                    VF r[LANES];
                    for (int i = 0; i < LANES; i++)
                        r[i] = cb + i < c ? VLOAD(row + (cb + i) * plane + col) : (VF){};
                    CK_CAT(wtranspose_, SUFFIX)(r);
                    for (int j = 0; j < LANES; j++) VSTORE(to + (col + j) * cp + cb, r[j]);
                }
                for (; col < x1; col++)
#pragma clang loop vectorize(disable)
                    for (long ci = cb; ci < c && ci < cb + LANES; ci++) to[col * cp + ci] = row[ci * plane + col];
            }
        }
        // Each tile of the run: its 6×6 window, a vector of channels at a time.
        for (long u = 0; u < run; u++)
            for (long q = 0; q < tw; q++) {
                const long tile = (ri + u) * tw + q;
                const float *window = band + ((base + 4 * u) * pw + 4 * q) * cp;
                for (long cb = 0; cb < cp; cb += LANES) {
                    VF t[6][6];
                    // Bᵀ·d down each window column l.
                    for (int l = 0; l < 6; l++) {
                        const float *col = window + l * cp + cb;
                        const VF d0 = VLOAD(col), d1 = VLOAD(col + pw * cp);
                        const VF d2 = VLOAD(col + 2 * pw * cp), d3 = VLOAD(col + 3 * pw * cp);
                        const VF d4 = VLOAD(col + 4 * pw * cp), d5 = VLOAD(col + 5 * pw * cp);
                        t[0][l] = 4.0f * d0 - 5.0f * d2 + d4;
                        t[1][l] = d3 + d4 - 4.0f * (d1 + d2);
                        t[2][l] = 4.0f * (d1 - d2) - d3 + d4;
                        t[3][l] = 2.0f * (d3 - d1) - d2 + d4;
                        t[4][l] = 2.0f * (d1 - d3) - d2 + d4;
                        t[5][l] = 4.0f * d1 - 5.0f * d3 + d5;
                    }
                    // (Bᵀ·d)·B along each row k: position (k, j) of V.
                    for (int k = 0; k < 6; k++) {
                        const VF d0 = t[k][0], d1 = t[k][1], d2 = t[k][2], d3 = t[k][3], d4 = t[k][4], d5 = t[k][5];
                        float *out = v + 6 * k * positionStride + tile * ldv + cb;
                        VSTORE(out, 4.0f * d0 - 5.0f * d2 + d4);
                        VSTORE(out + positionStride, d3 + d4 - 4.0f * (d1 + d2));
                        VSTORE(out + 2 * positionStride, 4.0f * (d1 - d2) - d3 + d4);
                        VSTORE(out + 3 * positionStride, 2.0f * (d3 - d1) - d2 + d4);
                        VSTORE(out + 4 * positionStride, 2.0f * (d1 - d3) - d2 + d4);
                        VSTORE(out + 5 * positionStride, 4.0f * d1 - 5.0f * d3 + d5);
                    }
                }
            }
        base += 4 * run + 2;
        ri += run;
    }
    free(band);
    return 1;
}

int CK_CAT(ck_wino43_output_cl_, SUFFIX)(const ck_wino_geometry *g, const float *m, long ldm, long positionStride, long r0,
                                         long r1, const float *bias, float *y) {
    const long oc = g->outChannels, ocp = (oc + LANES - 1) / LANES * LANES;
    const long tw = g->tilesW, th = g->tilesH, oh = g->outH, ow = g->outW, plane = oh * ow;
    // The band's outputs channels last, one row of tiles at a time (4 rows × 4·tw pixels × ocp), then
    // written to y.
    float *rowOut = malloc(sizeof(float) * (size_t)(16 * tw * ocp));
    if (!rowOut) return 0;
    for (long ri = 0; ri < r1 - r0; ri++) {
        const long b = (r0 + ri) / th, ty = (r0 + ri) % th;
        const long rowsOut = oh - 4 * ty < 4 ? oh - 4 * ty : 4;
        for (long q = 0; q < tw; q++) {
            const long tile = ri * tw + q;
            for (long ob = 0; ob < ocp; ob += LANES) {
                VF r[4][6];
                // Aᵀ·M down each column j.
                for (int j = 0; j < 6; j++) {
                    const float *col = m + j * positionStride + tile * ldm + ob;
                    const VF m0 = VLOAD(col), m1 = VLOAD(col + 6 * positionStride);
                    const VF m2 = VLOAD(col + 12 * positionStride), m3 = VLOAD(col + 18 * positionStride);
                    const VF m4 = VLOAD(col + 24 * positionStride), m5 = VLOAD(col + 30 * positionStride);
                    const VF s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
                    r[0][j] = m0 + s12 + s34;
                    r[1][j] = d12 + 2.0f * d34;
                    r[2][j] = s12 + 4.0f * s34;
                    r[3][j] = d12 + 8.0f * d34 + m5;
                }
                VF add = (VF){};
                if (bias) {
                    float bb[LANES];
                    for (long o = 0; o < LANES; o++) bb[o] = ob + o < oc ? bias[ob + o] : 0.0f;
                    memcpy(&add, bb, sizeof add);
                }
                // (Aᵀ·M)·A along each row a: the tile's 16 outputs.
                for (int a = 0; a < 4; a++) {
                    const VF m0 = r[a][0], m1 = r[a][1], m2 = r[a][2], m3 = r[a][3], m4 = r[a][4], m5 = r[a][5];
                    const VF s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
                    float *out = rowOut + (a * 4 * tw + 4 * q) * ocp + ob;
                    VSTORE(out, m0 + s12 + s34 + add);
                    VSTORE(out + ocp, d12 + 2.0f * d34 + add);
                    VSTORE(out + 2 * ocp, s12 + 4.0f * s34 + add);
                    VSTORE(out + 3 * ocp, d12 + 8.0f * d34 + m5 + add);
                }
            }
        }
        // LANES pixels of LANES channels at a time, transposed in registers; the row's last pixels one by one.
        for (long a = 0; a < rowsOut; a++) {
            const float *src = rowOut + a * 4 * tw * ocp;
            float *dst = y + b * oc * plane + (4 * ty + a) * ow;
            for (long ob = 0; ob < ocp; ob += LANES) {
                const long last = oc - ob < LANES ? oc - ob : LANES;
                long col = 0;
                for (; col + LANES <= ow; col += LANES) {
                    VF r[LANES];
                    for (int j = 0; j < LANES; j++) r[j] = VLOAD(src + (col + j) * ocp + ob);
                    CK_CAT(wtranspose_, SUFFIX)(r);
                    for (long i = 0; i < last; i++) VSTORE(dst + (ob + i) * plane + col, r[i]);
                }
                for (; col < ow; col++)
#pragma clang loop vectorize(disable)
                    for (long o = ob; o < ob + last; o++) dst[o * plane + col] = src[col * ocp + o];
            }
        }
    }
    free(rowOut);
    return 1;
}

#undef VF
#undef VLOAD
#undef VSTORE
