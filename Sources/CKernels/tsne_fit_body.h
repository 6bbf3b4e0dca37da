// The hot loops of FIt-SNE's repulsion (CKTSNE.h), included by tsne_fit.c (baseline) and
// tsne_fit_avx512.c. Contraction off and no reassociation: both builds run the same IEEE operations
// in the same order, so they give the same bits.
#include <string.h>
#include "CKTSNE.h"
#pragma clang fp contract(off)
#pragma clang diagnostic ignored "-Wpsabi"

// The radices of a length-g transform, first stage first: g = 2^a · 3^b, a ≥ 1. A 2 comes first (so
// `upperZero` can skip the lower half), then 4s, then 3s.
static int fit_radices(long g, int *radix) {
    int k = 0;
    radix[k++] = 2; g /= 2;
    while (g % 4 == 0) { radix[k++] = 4; g /= 4; }
    if (g % 2 == 0) { radix[k++] = 2; g /= 2; }
    while (g % 3 == 0) { radix[k++] = 3; g /= 3; }
    return k;
}

// One stage on the rows base + j + q·m (q < radix) of a strip, w columns wide, vectorised across the
// columns. Forward: the radix-point DFT, then row p times ω_L^{p·j} (ω = e^{−2πi/L}, L = radix·m).
// Inverse: exactly the reverse, conjugate twiddles first, then the conjugate DFT; so the inverse
// stages in reverse order undo the forward ones (times g), whatever order the outputs were left in.
static inline void fit_stage(float *sr, float *si, long stride, long w, long base, long m, long j, int radix,
                             int inverse, const float *wr, const float *wi, long twiddleStep) {
    const float sign = inverse ? -1.0f : 1.0f;
    float tr[4], ti[4];
    for (int p = 1; p < radix; p++) {
        const long t = p * j * twiddleStep;
        tr[p] = wr[t]; ti[p] = sign * wi[t];
    }
    float *restrict r0 = sr + (base + j) * stride, *restrict i0 = si + (base + j) * stride;
    float *restrict r1 = r0 + m * stride, *restrict i1 = i0 + m * stride;
    if (radix == 2) {
        if (!inverse) {
            for (long c = 0; c < w; c++) {
                const float dr = r0[c] - r1[c], di = i0[c] - i1[c];
                r0[c] = r0[c] + r1[c]; i0[c] = i0[c] + i1[c];
                r1[c] = tr[1] * dr - ti[1] * di; i1[c] = tr[1] * di + ti[1] * dr;
            }
        } else {
            for (long c = 0; c < w; c++) {
                const float br = tr[1] * r1[c] - ti[1] * i1[c], bi = tr[1] * i1[c] + ti[1] * r1[c];
                r1[c] = r0[c] - br; i1[c] = i0[c] - bi;
                r0[c] = r0[c] + br; i0[c] = i0[c] + bi;
            }
        }
    } else if (radix == 4) {
        float *restrict r2 = r1 + m * stride, *restrict i2 = i1 + m * stride;
        float *restrict r3 = r2 + m * stride, *restrict i3 = i2 + m * stride;
        // y1 = (x0 − x2) − s·i(x1 − x3), y3 = (x0 − x2) + s·i(x1 − x3), s = 1 forward, −1 inverse.
        for (long c = 0; c < w; c++) {
            float x1r = r1[c], x1i = i1[c], x2r = r2[c], x2i = i2[c], x3r = r3[c], x3i = i3[c];
            if (inverse) {
                float u;
                u = tr[1] * x1r - ti[1] * x1i; x1i = tr[1] * x1i + ti[1] * x1r; x1r = u;
                u = tr[2] * x2r - ti[2] * x2i; x2i = tr[2] * x2i + ti[2] * x2r; x2r = u;
                u = tr[3] * x3r - ti[3] * x3i; x3i = tr[3] * x3i + ti[3] * x3r; x3r = u;
            }
            const float ar = r0[c] + x2r, ai = i0[c] + x2i, br = r0[c] - x2r, bi = i0[c] - x2i;
            const float cr = x1r + x3r, ci = x1i + x3i, dr = x1r - x3r, di = x1i - x3i;
            float y0r = ar + cr, y0i = ai + ci, y2r = ar - cr, y2i = ai - ci;
            // −s·i·(dr + i·di) = s·di − s·i·dr
            float y1r = br + sign * di, y1i = bi - sign * dr, y3r = br - sign * di, y3i = bi + sign * dr;
            if (!inverse) {
                float u;
                u = tr[1] * y1r - ti[1] * y1i; y1i = tr[1] * y1i + ti[1] * y1r; y1r = u;
                u = tr[2] * y2r - ti[2] * y2i; y2i = tr[2] * y2i + ti[2] * y2r; y2r = u;
                u = tr[3] * y3r - ti[3] * y3i; y3i = tr[3] * y3i + ti[3] * y3r; y3r = u;
            }
            r0[c] = y0r; i0[c] = y0i; r1[c] = y1r; i1[c] = y1i; r2[c] = y2r; i2[c] = y2i; r3[c] = y3r; i3[c] = y3i;
        }
    } else {  // radix 3: ω₃ = −½ − s·i·√3/2
        float *restrict r2 = r1 + m * stride, *restrict i2 = i1 + m * stride;
        const float h = 0.866025403784438647f * sign;
        for (long c = 0; c < w; c++) {
            float x1r = r1[c], x1i = i1[c], x2r = r2[c], x2i = i2[c];
            if (inverse) {
                float u;
                u = tr[1] * x1r - ti[1] * x1i; x1i = tr[1] * x1i + ti[1] * x1r; x1r = u;
                u = tr[2] * x2r - ti[2] * x2i; x2i = tr[2] * x2i + ti[2] * x2r; x2r = u;
            }
            const float sr_ = x1r + x2r, si_ = x1i + x2i, dr = x1r - x2r, di = x1i - x2i;
            const float y0r = r0[c] + sr_, y0i = i0[c] + si_;
            const float mr = r0[c] - 0.5f * sr_, mi = i0[c] - 0.5f * si_;
            // y1 = m − s·i·(√3/2)·d, y2 = m + s·i·(√3/2)·d
            float y1r = mr + h * di, y1i = mi - h * dr, y2r = mr - h * di, y2i = mi + h * dr;
            if (!inverse) {
                float u;
                u = tr[1] * y1r - ti[1] * y1i; y1i = tr[1] * y1i + ti[1] * y1r; y1r = u;
                u = tr[2] * y2r - ti[2] * y2i; y2i = tr[2] * y2i + ti[2] * y2r; y2r = u;
            }
            r0[c] = y0r; i0[c] = y0i; r1[c] = y1r; i1[c] = y1i; r2[c] = y2r; i2[c] = y2i;
        }
    }
}

// The first stage (radix 2, halves g/2 apart) when rows from `live` ≤ g/2 on are zero (forward: the
// zero-padded grid; rows live ..< g/2 come out zero, the others need one product each) or not wanted
// (inverse, the last stage: only rows < live are written).
static inline void fit_half_stage(float *sr, float *si, long stride, long w, long g, long live, int inverse,
                                  const float *wr, const float *wi) {
    const long m = g / 2;
    for (long j = 0; j < (inverse ? live : m); j++) {
        float *restrict r0 = sr + j * stride, *restrict i0 = si + j * stride;
        float *restrict r1 = r0 + m * stride, *restrict i1 = i0 + m * stride;
        const float tr = wr[j], ti = inverse ? -wi[j] : wi[j];
        if (inverse) {
            for (long c = 0; c < w; c++) {
                const float br = tr * r1[c] - ti * i1[c], bi = tr * i1[c] + ti * r1[c];
                r0[c] = r0[c] + br; i0[c] = i0[c] + bi;
            }
        } else if (j < live) {
            for (long c = 0; c < w; c++) {
                const float ar = r0[c], ai = i0[c];
                r1[c] = tr * ar - ti * ai; i1[c] = tr * ai + ti * ar;
            }
        } else {
            for (long c = 0; c < w; c++) { r0[c] = 0; i0[c] = 0; r1[c] = 0; i1[c] = 0; }
        }
    }
}

// The radices of a length-g transform and the block lengths their stages work within. Stages whose
// blocks fit in L1 (64 rows of a strip: 16 KB) are "near": they run block by block, all of them on one
// block before the next; the others sweep the whole strip.
typedef struct { int stages, near; int radix[40]; long length[40]; long block; } fit_plan;

static fit_plan fit_plan_for(long g) {
    fit_plan p;
    p.stages = fit_radices(g, p.radix);
    p.length[0] = g;
    for (int t = 1; t < p.stages; t++) p.length[t] = p.length[t - 1] / p.radix[t - 1];
    p.near = p.stages;
    while (p.near > 0 && p.length[p.near - 1] <= 64) p.near--;
    p.block = p.length[p.near];
    return p;
}

static inline void fit_run_stage(const fit_plan *p, int st, float *sr, float *si, long stride, long w, long g,
                                 long from, long to, int inverse, long live, const float *wr, const float *wi) {
    if (st == 0 && 2 * live <= g) { fit_half_stage(sr, si, stride, w, g, live, inverse, wr, wi); return; }
    const long L = p->length[st], m = L / p->radix[st], step = g / L;
    for (long base = from; base < to; base += L)
        for (long j = 0; j < m; j++) fit_stage(sr, si, stride, w, base, m, j, p->radix[st], inverse, wr, wi, step);
}

enum { FIT_FORWARD, FIT_INVERSE, FIT_CONVOLVE };

// One strip of w ≤ CK_FIT_STRIP columns, by mixed-radix Cooley–Tukey without reordering: the forward
// pass leaves the frequencies in digit-reversed order, the inverse takes them so and returns natural
// order (unscaled: times g). FIT_CONVOLVE runs the forward pass, the product with k (a spectrum made by
// the same forward pass, so the orders line up; rows `stride` apart as the strip's) and the inverse,
// block by block while a block's near stages are in L1. `live`: rows from it on are zero on entry
// (forward) and not wanted on exit (inverse); it saves work when ≤ g/2.
static void fit_strip(const fit_plan *p, float *sr, float *si, long stride, long g, long w, int mode, long live,
                      const float *k, const float *wr, const float *wi) {
#define FIT_RUN(st, from, to, inverse) fit_run_stage(p, st, sr, si, stride, w, g, from, to, inverse, live, wr, wi)
    if (mode != FIT_INVERSE)
        for (int st = 0; st < p->near; st++) FIT_RUN(st, 0, g, 0);
    for (long b = 0; b < g; b += p->block) {
        if (mode != FIT_INVERSE)
            for (int st = p->near; st < p->stages; st++) FIT_RUN(st, b, b + p->block, 0);
        if (mode == FIT_CONVOLVE)
            for (long r = b; r < b + p->block; r++)
                for (long c = 0; c < w; c++) { sr[r * stride + c] *= k[r * stride + c]; si[r * stride + c] *= k[r * stride + c]; }
        if (mode != FIT_FORWARD)
            for (int st = p->stages - 1; st >= p->near; st--) FIT_RUN(st, b, b + p->block, 1);
    }
    if (mode != FIT_FORWARD)
        for (int st = p->near - 1; st >= 0; st--) FIT_RUN(st, 0, g, 1);
#undef FIT_RUN
}

// Columns c0 ..< c1 of a g-row array (rows `stride` floats apart), transformed in place.
static void fit_columns(float *re, float *im, long stride, long g, long c0, long c1, int inverse, long live,
                        const float *wr, const float *wi) {
    const fit_plan p = fit_plan_for(g);
    for (long s0 = c0; s0 < c1; s0 += CK_FIT_STRIP)
        fit_strip(&p, re + s0, im + s0, stride, g, c1 - s0 < CK_FIT_STRIP ? c1 - s0 : CK_FIT_STRIP,
                  inverse ? FIT_INVERSE : FIT_FORWARD, live, 0, wr, wi);
}

// Columns c0 ..< c1 of both charge pairs: forward, times the spectrum k, back; one strip of both pairs
// at a time, so each strip is read from memory once.
static void fit_convolve(float *re0, float *im0, float *re1, float *im1, const float *k, long g, long live, long c0,
                         long c1, const float *wr, const float *wi) {
    const fit_plan p = fit_plan_for(g);
    const long ld = g + CK_FIT_PAD;
    for (long s0 = c0; s0 < c1; s0 += CK_FIT_STRIP) {
        const long w = c1 - s0 < CK_FIT_STRIP ? c1 - s0 : CK_FIT_STRIP;
        fit_strip(&p, re0 + s0, im0 + s0, ld, g, w, FIT_CONVOLVE, live, k + s0, wr, wi);
        fit_strip(&p, re1 + s0, im1 + s0, ld, g, w, FIT_CONVOLVE, live, k + s0, wr, wi);
    }
}

// Rows r0 ..< r1 transformed CK_FIT_STRIP at a time: copied transposed into scratch (columns from
// columnsIn on are zero), transformed there as columns, and the first columnsOut copied back.
static void fit_rows(float *re, float *im, long g, long r0, long r1, long columnsIn, long columnsOut, int inverse,
                     const float *wr, const float *wi, float *scratch) {
    enum { S = CK_FIT_STRIP };
    const fit_plan p = fit_plan_for(g);
    const long ld = g + CK_FIT_PAD, live = inverse ? columnsOut : columnsIn;
    float *sr = scratch, *si = scratch + g * S;
    for (long b0 = r0; b0 < r1; b0 += S) {
        const long h = r1 - b0 < S ? r1 - b0 : S;
        for (long c = 0; c < columnsIn; c++)
            for (long r = 0; r < h; r++) { sr[c * S + r] = re[(b0 + r) * ld + c]; si[c * S + r] = im[(b0 + r) * ld + c]; }
        // Zero columns a forward half stage would not skip, and the lanes of a short strip.
        for (long c = (!inverse && 2 * live <= g) ? g : columnsIn; c < g; c++)
            for (long r = 0; r < S; r++) { sr[c * S + r] = 0; si[c * S + r] = 0; }
        for (long c = 0; c < columnsIn; c++)
            for (long r = h; r < S; r++) { sr[c * S + r] = 0; si[c * S + r] = 0; }
        fit_strip(&p, sr, si, S, g, S, inverse ? FIT_INVERSE : FIT_FORWARD, live, 0, wr, wi);
        for (long r = 0; r < h; r++)
            for (long c = 0; c < columnsOut; c++) { re[(b0 + r) * ld + c] = sr[c * S + r]; im[(b0 + r) * ld + c] = si[c * S + r]; }
    }
}

static void fit_spread(const ck_fit_geometry *g, const float *y, const float *weights, const int32_t *order,
                       const int32_t *boxStart, long firstBox, long endBox,
                       float *re0, float *im0, float *re1, float *im1) {
    const long size = g->size + CK_FIT_PAD, p = g->nodes;
    for (long b = firstBox; b < endBox; b++) {
        const long bx = b % g->boxes, by = b / g->boxes;
        float n00[CK_FIT_MAX_NODES * CK_FIT_MAX_NODES], n01[CK_FIT_MAX_NODES * CK_FIT_MAX_NODES];
        float n10[CK_FIT_MAX_NODES * CK_FIT_MAX_NODES], n11[CK_FIT_MAX_NODES * CK_FIT_MAX_NODES];
        for (long t = 0; t < p * p; t++) { n00[t] = 0; n01[t] = 0; n10[t] = 0; n11[t] = 0; }
        for (long t = boxStart[b]; t < boxStart[b + 1]; t++) {
            const long i = order[t];
            const float px = y[2 * i], py = y[2 * i + 1], r2 = px * px + py * py;
            const float *wx = weights + 2 * p * i, *wy = wx + p;
            for (long a = 0; a < p; a++)
                for (long c = 0; c < p; c++) {
                    const float w = wy[a] * wx[c];
                    n00[p * a + c] += w; n01[p * a + c] += w * px;
                    n10[p * a + c] += w * py; n11[p * a + c] += w * r2;
                }
        }
        for (long a = 0; a < p; a++)
            for (long c = 0; c < p; c++) {
                const long node = (by * p + a) * size + bx * p + c;
                re0[node] = n00[p * a + c]; im0[node] = n01[p * a + c];
                re1[node] = n10[p * a + c]; im1[node] = n11[p * a + c];
            }
    }
}

static void fit_gather(const ck_fit_geometry *g, const int32_t *box, const float *weights,
                       const float *re0, const float *im0, const float *re1, const float *im1, float scale,
                       float *potentials, long first, long end) {
    const long size = g->size + CK_FIT_PAD, p = g->nodes;
    for (long i = first; i < end; i++) {
        const long bx = box[i] % g->boxes, by = box[i] / g->boxes;
        const float *wx = weights + 2 * p * i, *wy = wx + p;
        float p0 = 0, p1 = 0, p2 = 0, p3 = 0;
        for (long a = 0; a < p; a++)
            for (long c = 0; c < p; c++) {
                const float w = wy[a] * wx[c];
                const long node = (by * p + a) * size + bx * p + c;
                p0 += w * re0[node]; p1 += w * im0[node]; p2 += w * re1[node]; p3 += w * im1[node];
            }
        potentials[4 * i] = p0 * scale; potentials[4 * i + 1] = p1 * scale;
        potentials[4 * i + 2] = p2 * scale; potentials[4 * i + 3] = p3 * scale;
    }
}

// Sixteen lanes in every build (two AVX2 registers, four SSE ones), so the lanes' sums and their fixed
// tree give the same bits everywhere.
typedef float fit_vf __attribute__((vector_size(64)));
typedef uint64_t fit_vq __attribute__((vector_size(64)));

static inline float fit_lane_sum(fit_vf v) {
    float s[16];
    memcpy(s, &v, sizeof s);
    for (int width = 8; width > 0; width /= 2)
        for (int l = 0; l < width; l++) s[l] += s[l + width];
    return s[0];
}

static void fit_attract(const float *y, const long *offsets, const int32_t *columns, const float *weights, float *out,
                        long first, long end) {
    for (long i = first; i < end; i++) {
        const fit_vf yi0 = (fit_vf){} + y[2 * i], yi1 = (fit_vf){} + y[2 * i + 1];
        fit_vf a0 = {}, a1 = {};
        for (long e = offsets[i]; e < offsets[i + 1]; e += 16) {
            const long count = offsets[i + 1] - e;
            int32_t j[16];
            fit_vf w;
            if (count >= 16) {
                memcpy(j, columns + e, sizeof j);
                memcpy(&w, weights + e, sizeof w);
            } else {  // the row's tail: missing lanes are the point itself with weight 0
                for (int l = 0; l < 16; l++) { j[l] = l < count ? columns[e + l] : (int32_t)i; w[l] = l < count ? weights[e + l] : 0; }
            }
            uint64_t pair[16];  // (x, y) of each neighbour, read as one 8-byte word
            for (int l = 0; l < 16; l++) memcpy(&pair[l], y + 2 * (long)j[l], 8);
            fit_vq lo, hi;
            memcpy(&lo, pair, sizeof lo);
            memcpy(&hi, pair + 8, sizeof hi);
            const fit_vf xj = __builtin_shufflevector((fit_vf)lo, (fit_vf)hi, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            const fit_vf yj = __builtin_shufflevector((fit_vf)lo, (fit_vf)hi, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            const fit_vf d0 = yi0 - xj, d1 = yi1 - yj;
            const fit_vf wq = w / (1 + d0 * d0 + d1 * d1);
            a0 += wq * d0; a1 += wq * d1;
        }
        out[2 * i] = fit_lane_sum(a0); out[2 * i + 1] = fit_lane_sum(a1);
    }
}

// The entry points of one build, named ck_fit_<function>_<level>.
#define CK_FIT_BUILD(level)                                                                                          \
    void ck_fit_columns_##level(float *re, float *im, long g, long c0, long c1, int inverse, long live,               \
                                const float *wr, const float *wi) {                                                   \
        fit_columns(re, im, g + CK_FIT_PAD, g, c0, c1, inverse, live, wr, wi);                                        \
    }                                                                                                                 \
    void ck_fit_convolve_##level(float *re0, float *im0, float *re1, float *im1, const float *k, long g, long live,   \
                                 long c0, long c1, const float *wr, const float *wi) {                                \
        fit_convolve(re0, im0, re1, im1, k, g, live, c0, c1, wr, wi);                                                 \
    }                                                                                                                 \
    void ck_fit_rows_##level(float *re, float *im, long g, long r0, long r1, long columnsIn, long columnsOut,         \
                             int inverse, const float *wr, const float *wi, float *scratch) {                         \
        fit_rows(re, im, g, r0, r1, columnsIn, columnsOut, inverse, wr, wi, scratch);                                 \
    }                                                                                                                 \
    void ck_fit_spread_##level(const ck_fit_geometry *g, const float *y, const float *weights, const int32_t *order,  \
                               const int32_t *boxStart, long firstBox, long endBox, float *re0, float *im0,           \
                               float *re1, float *im1) {                                                              \
        fit_spread(g, y, weights, order, boxStart, firstBox, endBox, re0, im0, re1, im1);                             \
    }                                                                                                                 \
    void ck_tsne_attract_##level(const float *y, const long *offsets, const int32_t *columns, const float *weights,   \
                                 float *out, long first, long end) {                                                  \
        fit_attract(y, offsets, columns, weights, out, first, end);                                                   \
    }
