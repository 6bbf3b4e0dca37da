// The lane code of the direct convolution (CKDirectConv.h), included by direct_conv.c once per build
// with LANES (floats a vector) and BLOCK (output channels a pass, one accumulator vector each) set for
// its registers, and SUFFIX naming its entry point.
#include "CKDirectConv.h"
#include <stdlib.h>
#include <string.h>

#pragma clang diagnostic ignored "-Wpsabi"

#define CK_CAT2(a, b) a##b
#define CK_CAT(a, b) CK_CAT2(a, b)

typedef float CK_CAT(vf, SUFFIX) __attribute__((vector_size(4 * LANES)));
#define VF CK_CAT(vf, SUFFIX)

static inline VF CK_CAT(load_, SUFFIX)(const float *p) { VF v; memcpy(&v, p, sizeof v); return v; }

int CK_CAT(ck_direct_conv_, SUFFIX)(const ck_direct_geometry *g, const float *x, long i0, long i1, const float *packed,
                                    const float *bias, float *y) {
    const long c = g->channels, h = g->height, w = g->width, oc = g->outChannels, kh = g->kernelH, kw = g->kernelW;
    const long pitch = w + g->padLeft + g->padRight, rows = h + g->padTop + g->padBottom;
    const long oh = rows - kh + 1, ow = pitch - kw + 1;
    if (oh <= 0 || ow <= 0 || i1 <= i0) return 1;
    // Outputs are computed at every flat position r·pitch + col of the output rows (col ≥ ow is
    // dropped), in bands of whole rows so that a block's outputs stay in cache (and its buffer small)
    // whatever the map's size. A band's last vector reads up to LANES + (kh − 1)·pitch + kw past its
    // start: the planes' slack.
    const long bandRows = pitch >= 4096 ? 1 : 4096 / pitch < oh ? 4096 / pitch : oh;
    const long bandVectors = (bandRows * pitch + LANES - 1) / LANES, bandFloats = bandVectors * LANES;
    const long planeStride = rows * pitch + LANES + kw;
    const long blocks = (oc + BLOCK - 1) / BLOCK, taps = kh * kw;
    float *plane = calloc((size_t)(c * planeStride + BLOCK * bandFloats), sizeof(float));
    long *offset = malloc(sizeof(long) * (size_t)taps);
    if (!plane || !offset) { free(plane); free(offset); return 0; }
    float *out = plane + c * planeStride;
    for (long t = 0; t < taps; t++) offset[t] = (t / kw) * pitch + t % kw;
    for (long image = i0; image < i1; image++) {
        // The borders stay zero from calloc: only the image's own rows are written, image after image.
        for (long ci = 0; ci < c; ci++)
            for (long r = 0; r < h; r++)
                memcpy(plane + ci * planeStride + (r + g->padTop) * pitch + g->padLeft, x + ((image * c + ci) * h + r) * w,
                       sizeof(float) * (size_t)w);
        for (long r0 = 0; r0 < oh; r0 += bandRows) {
            const long r1 = r0 + bandRows < oh ? r0 + bandRows : oh;
            const long vectors = ((r1 - r0) * pitch + LANES - 1) / LANES;
            for (long b = 0; b < blocks; b++) {
                const float *wb = packed + b * c * taps * BLOCK;
                for (long v = 0; v < vectors; v++) {
                    VF acc[BLOCK];
                    for (int o = 0; o < BLOCK; o++) acc[o] = (VF){};
                    const float *xv = plane + r0 * pitch + v * LANES;
                    for (long ci = 0; ci < c; ci++) {
                        const float *xc = xv + ci * planeStride, *wc = wb + ci * taps * BLOCK;
                        for (long t = 0; t < taps; t++) {
                            const VF in = CK_CAT(load_, SUFFIX)(xc + offset[t]);
                            const float *wt = wc + t * BLOCK;
                            for (int o = 0; o < BLOCK; o++) acc[o] += in * wt[o];
                        }
                    }
                    for (int o = 0; o < BLOCK; o++) memcpy(out + o * bandFloats + v * LANES, &acc[o], sizeof(VF));
                }
                const long last = oc - b * BLOCK < BLOCK ? oc - b * BLOCK : BLOCK;
                for (long o = 0; o < last; o++) {
                    const long channel = b * BLOCK + o;
                    const float add = bias ? bias[channel] : 0.0f;
                    float *dst = y + ((image * oc + channel) * oh + r0) * ow;
                    const float *src = out + o * bandFloats;
                    for (long r = 0; r < r1 - r0; r++)
                        for (long col = 0; col < ow; col++) dst[r * ow + col] = src[r * pitch + col] + add;
                }
            }
        }
    }
    free(offset);
    free(plane);
    return 1;
}

#undef VF
