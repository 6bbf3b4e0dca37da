// The lane code of the direct convolution (CKDirectConv.h), included by direct_conv.c once per build
// with LANES (floats a vector) and BLOCK (output channels a pass, one accumulator vector each) set for
// its registers, and SUFFIX naming its entry point.
#include "CKDirectConv.h"
#include "float_lanes.h"
#include <stdlib.h>

int CK_CAT(ck_direct_conv_, SUFFIX)(const ck_direct_geometry *g, const float *x, long i0, long i1, const float *packed,
                                    const float *bias, float *y) {
    const long c = g->channels, h = g->height, w = g->width, oc = g->outChannels, kh = g->kernelH, kw = g->kernelW;
    const long rows = h + g->padTop + g->padBottom, oh = rows - kh + 1, ow = w + g->padLeft + g->padRight - kw + 1;
    if (oh <= 0 || ow <= 0 || i1 <= i0) return 1;
    const int shifted = ck_direct_shifts(g);
    // Unshifted, each channel is one zero-bordered plane read as a flat row: tap (ky, kx) of output
    // position p is p + ky·pitch + kx, and the kw − 1 positions per row whose window runs off the
    // right edge are computed and dropped. Shifted, each channel is copied once per window column kx,
    // moved left by kx with zeros where the window leaves the image, rows as wide as the output: tap
    // (ky, kx) is copy kx at p + ky·OW, and nothing is dropped (CKDirectConv.h says when each wins).
    // Bands of whole rows keep a block's outputs in cache (and its buffer small) whatever the map's
    // size; a band's last vector reads up to LANES + (kh − 1)·pitch + kw past its start: the slack.
    const long pitch = shifted ? ow : w + g->padLeft + g->padRight, copies = shifted ? kw : 1;
    const long bandRows = pitch >= 4096 ? 1 : 4096 / pitch < oh ? 4096 / pitch : oh;
    const long bandVectors = (bandRows * pitch + LANES - 1) / LANES, bandFloats = bandVectors * LANES;
    const long planeStride = rows * pitch + LANES + kw, channelStride = copies * planeStride;
    const long blocks = (oc + BLOCK - 1) / BLOCK, taps = kh * kw;
    float *plane = calloc((size_t)(c * channelStride + BLOCK * bandFloats), sizeof(float));
    long *offset = malloc(sizeof(long) * (size_t)taps);
    if (!plane || !offset) { free(plane); free(offset); return 0; }
    float *out = plane + c * channelStride;
    for (long t = 0; t < taps; t++) offset[t] = shifted ? (t % kw) * planeStride + (t / kw) * pitch : (t / kw) * pitch + t % kw;
    for (long image = i0; image < i1; image++) {
        // The zeros stay from calloc: every image writes the same in-image spans. Input column x lands
        // in column x + padLeft − shift of its copy.
        for (long ci = 0; ci < c; ci++)
            for (long k = 0; k < copies; k++) {
                const long shift = shifted ? k : 0;
                const long first = g->padLeft - shift > 0 ? g->padLeft - shift : 0;
                const long end = w + g->padLeft - shift < pitch ? w + g->padLeft - shift : pitch;
                if (end <= first) continue;
                // Short rows: a loop the compiler vectorises costs less than a memcpy call per row.
                for (long r = 0; r < h; r++) {
                    float *to = plane + ci * channelStride + k * planeStride + (r + g->padTop) * pitch;
                    const float *from = x + ((image * c + ci) * h + r) * w + shift - g->padLeft;
                    for (long col = first; col < end; col++) to[col] = from[col];
                }
            }
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
                        const float *xc = xv + ci * channelStride, *wc = wb + ci * taps * BLOCK;
                        for (long t = 0; t < taps; t++) {
                            const VF in = VLOAD(xc + offset[t]);
                            const float *wt = wc + t * BLOCK;
                            for (int o = 0; o < BLOCK; o++) acc[o] += in * wt[o];
                        }
                    }
                    for (int o = 0; o < BLOCK; o++) VSTORE(out + o * bandFloats + v * LANES, acc[o]);
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
#undef VLOAD
#undef VSTORE
