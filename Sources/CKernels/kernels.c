#include "CKernels.h"
#include "ck_levels.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// Each kernel below is built for AVX-512, AVX2 with FMA and the baseline, and chosen per call (ck_levels.h).

// x = n·ln 2 + r, |r| ≤ ln 2 / 2; e^r by Cephes' degree-6 polynomial; 2^n into the exponent bits.
// Adding 1.5·2^23 rounds x·log2(e) to an integer held in the low mantissa bits, branch-free.
static inline float ck_exp1(float x) {
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.37f ? 88.37f : x;  // n = 127 at most: 2^127 · e^0.35 < FLT_MAX
    const float magic = 12582912.0f;
    float t = x * 1.44269504088896341f + magic;
    float n = t - magic;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t ti;
    memcpy(&ti, &t, 4);
    int32_t bits = (ti - 0x4B400000 + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

CK_KERNEL(, void, ck_exp, (float *x, size_t n), (x, n)) {
    for (size_t i = 0; i < n; i++) x[i] = ck_exp1(x[i]);
}

CK_KERNEL(, void, ck_sigmoid, (float *x, size_t n), (x, n)) {
    for (size_t i = 0; i < n; i++) x[i] = 1.0f / (1.0f + ck_exp1(-x[i]));
}

CK_KERNEL(, void, ck_silu, (float *x, size_t n), (x, n)) {
    for (size_t i = 0; i < n; i++) x[i] = x[i] / (1.0f + ck_exp1(-x[i]));
}

CK_KERNEL(, void, ck_tanh, (float *x, size_t n), (x, n)) {
    for (size_t i = 0; i < n; i++) x[i] = 2.0f / (1.0f + ck_exp1(-2.0f * x[i])) - 1.0f;
}

// ReLU (NaN passes through, so a diverging run still shows NaN) and its backward through the output.
CK_KERNEL(, void, ck_relu, (const float *restrict x, float *restrict y, size_t n), (x, y, n)) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

CK_KERNEL(, void, ck_relu_backward, (const float *restrict y, const float *restrict dy, float *restrict dx, size_t n), (y, dy, dx, n)) {
    for (size_t i = 0; i < n; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

// Σ x in eight interleaved partial sums (added pairwise at the end): vectorisable without reassociating
// a single running sum, and a little more accurate than one.
CK_KERNEL(, float, ck_sum, (const float *restrict x, size_t n), (x, n)) {
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++) s[k] += x[i + k];
    for (; i < n; i++) s[i % 8] += x[i];
    return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

// Σ (x − c)², in sixteen interleaved partial sums: a norm's variance about its mean, the second pass
// (the one-pass Σx² − (Σx)² cancels in float).
CK_KERNEL(, float, ck_sum_squared_deviation, (const float *restrict x, size_t n, float c), (x, n, c)) {
    float s[16] = {0};
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; k++) { float d = x[i + k] - c; s[k] += d * d; }
    for (; i < n; i++) { float d = x[i] - c; s[i % 16] += d * d; }
    float t = 0;
    for (int k = 0; k < 16; k++) t += s[k];
    return t;
}

// x ← x·a + b in place (a norm's scale and shift).
CK_KERNEL(, void, ck_scale_shift, (float *restrict x, size_t n, float a, float b), (x, n, a, b)) {
    for (size_t i = 0; i < n; i++) x[i] = x[i] * a + b;
}

// Σ e^x without writing e^x (LogSoftmax's normaliser; x already shifted by its maximum).
CK_KERNEL(, float, ck_sum_exp, (const float *restrict x, size_t n), (x, n)) {
    float s[16] = {0}, e[16];
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        for (int k = 0; k < 16; k++) e[k] = x[i + k];
        for (int k = 0; k < 16; k++) e[k] = ck_exp1(e[k]);
        for (int k = 0; k < 16; k++) s[k] += e[k];
    }
    float t = 0;
    for (int k = 0; k < 16; k++) t += s[k];
    for (; i < n; i++) t += expf(x[i]);
    return t;
}

// One Adam step (bias-corrected moments, decoupled decay factor) over n elements; the gradient is
// zeroed. Written here rather than in Swift because Swift cannot promise the four arrays do not
// overlap, so its loop stayed scalar (a divide and a square root per element, a sixth of training).
// No contraction into FMA: every CPU computes the same bits as the scalar formula.
CK_KERNEL(, void, ck_adam, (float *restrict w, float *restrict g, float *restrict m, float *restrict v, size_t n, float b1, float b2, float c1, float c2, float lr, float eps, float decay), (w, g, m, v, n, b1, b2, c1, c2, lr, eps, decay)) {
#pragma clang fp contract(off)
    const float a1 = 1.0f - b1, a2 = 1.0f - b2;
    for (size_t i = 0; i < n; i++) {
        const float gi = g[i];
        const float mi = b1 * m[i] + a1 * gi;
        const float vi = b2 * v[i] + a2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] = w[i] * decay - lr * (mi / c1) / (__builtin_sqrtf(vi / c2) + eps);
        g[i] = 0.0f;
    }
}

// im2col and col2im move short rows (a 7-wide grid of a stride-2 window is 7 loads 2 apart), which
// row-by-row loops spent more on index arithmetic and edge cases than on copying. Instead, each
// channel of the images is first copied into zero-bordered planes covering every window position;
// then, for every kernel offset, the whole row of columns is one long gather through a table of
// offsets (the same table for every kernel offset, shifted), with no bounds left to check.
// A stride-2 window row reads every other column, which that table gathers one float at a time; so
// for those each bordered row is also split into its even and its odd columns (`halves`), where every
// kernel offset's window row is one contiguous run, copied in vector moves as stride-1 rows are.

// The zero-bordered plane: rows −padTop … −padTop + *ph − 1, columns −padLeft … −padLeft + *pw − 1.
static inline void ck_padded_extent(const ck_conv_geometry *g, long *ph, long *pw) {
    *ph = (g->outH - 1) * g->strideH + (g->kernelH - 1) * g->dilationH + 1;
    *pw = (g->outW - 1) * g->strideW + (g->kernelW - 1) * g->dilationW + 1;
}

// Scratch for a run of images: their bordered planes, and offsets[b·P + i·outW + j], where window
// (i, j) of image b starts in them. Runs are short enough that the planes stay in cache (and that the
// offsets fit in 32 bits whatever the batch).
typedef struct {
    long ph, pw, images;
    float *padded;
    int32_t *offsets;
    // Stride 2 across: row r of image b's bordered plane as its even columns then its odd ones, each
    // half `half` floats (see ck_half_row).
    long half;
    float *halves;
} ck_window_scratch;

static ck_window_scratch ck_window_scratch_make(const ck_conv_geometry *g, long count) {
    ck_window_scratch w;
    ck_padded_extent(g, &w.ph, &w.pw);
    const long plane = w.ph * w.pw > 0 ? w.ph * w.pw : 1;
    w.images = (1L << 16) / plane;
    if (w.images < 1) w.images = 1;
    if (w.images > count) w.images = count;
    const long positions = g->outH * g->outW;
    w.padded = malloc((size_t)(w.images * plane) * sizeof(float));
    w.offsets = malloc((size_t)(w.images * positions) * sizeof(int32_t));
    w.half = (w.pw + 1) / 2;
    w.halves = g->strideW == 2 ? malloc((size_t)(w.images * w.ph * 2 * w.half) * sizeof(float)) : NULL;
    if (!w.padded || !w.offsets || (g->strideW == 2 && !w.halves)) abort();
    for (long b = 0; b < w.images; b++)
        for (long i = 0; i < g->outH; i++)
            for (long j = 0; j < g->outW; j++)
                w.offsets[b * positions + i * g->outW + j] = (int32_t)(b * w.ph * w.pw + i * g->strideH * w.pw + j * g->strideW);
    return w;
}

static void ck_window_scratch_free(ck_window_scratch *w) {
    free(w->halves);
    free(w->offsets);
    free(w->padded);
}

// The bordered plane's columns (−padLeft … −padLeft + pw − 1 of the image) inside the image: [*lo, *hi).
static inline void ck_inside_columns(const ck_conv_geometry *g, long pw, long *lo, long *hi) {
    *lo = g->padLeft < pw ? g->padLeft : pw;
    long h = g->padLeft + g->width;
    if (h > pw) h = pw;
    *hi = h < *lo ? *lo : h;
}

// The images of a run starting at `start` (the last run of first … first + count − 1 may be short).
static inline long ck_run_length(const ck_window_scratch *w, long start, long first, long count) {
    return first + count - start < w->images ? first + count - start : w->images;
}

// Short rows are copied and zeroed in vector moves: plain loops (and loops of fixed-size memcpy) became
// a call to memcpy or memset per row, and the rows of an 8×8 grid are 8 floats long, so the call cost
// more than the copy. CK_NO_CALLS keeps the compiler from turning these loops back into calls.
#if defined(__clang__)
#define CK_NO_CALLS __attribute__((no_builtin("memcpy"))) __attribute__((no_builtin("memset")))
#else
#define CK_NO_CALLS
#endif
typedef float ck_f8 __attribute__((vector_size(32), aligned(4), may_alias));
typedef float ck_f4 __attribute__((vector_size(16), aligned(4), may_alias));

// A row of n ≥ 4 floats ends with a vector placed against its end, overlapping the one before it:
// no scalar tail, whatever n (a 7-wide row is two 4-float moves).
CK_NO_CALLS static inline void ck_copy_row(float *restrict d, const float *restrict s, long n) {
    if (n >= 8) {
        long j = 0;
        for (; j + 8 <= n; j += 8) *(ck_f8 *)(d + j) = *(const ck_f8 *)(s + j);
        if (j < n) *(ck_f8 *)(d + n - 8) = *(const ck_f8 *)(s + n - 8);
    } else if (n >= 4) {
        *(ck_f4 *)d = *(const ck_f4 *)s;
        *(ck_f4 *)(d + n - 4) = *(const ck_f4 *)(s + n - 4);
    } else {
        for (long j = 0; j < n; j++) d[j] = s[j];
    }
}

// d += s over n floats, each element once: the end vector's sum is taken before the others are stored,
// so where it overlaps them it stores the same sums again.
CK_NO_CALLS static inline void ck_add_row(float *restrict d, const float *restrict s, long n) {
    if (n >= 8) {
        const ck_f8 end = *(const ck_f8 *)(d + n - 8) + *(const ck_f8 *)(s + n - 8);
        for (long j = 0; j + 8 <= n; j += 8) *(ck_f8 *)(d + j) += *(const ck_f8 *)(s + j);
        *(ck_f8 *)(d + n - 8) = end;
    } else if (n >= 4) {
        const ck_f4 end = *(const ck_f4 *)(d + n - 4) + *(const ck_f4 *)(s + n - 4);
        *(ck_f4 *)d += *(const ck_f4 *)s;
        *(ck_f4 *)(d + n - 4) = end;
    } else {
        for (long j = 0; j < n; j++) d[j] += s[j];
    }
}

CK_NO_CALLS static inline void ck_zero_row(float *d, long n) {
    const ck_f8 zero8 = {0, 0, 0, 0, 0, 0, 0, 0};
    long j = 0;
    for (; j + 8 <= n; j += 8) *(ck_f8 *)(d + j) = zero8;
    for (; j < n; j++) d[j] = 0.0f;
}

// Plane c of image b copied into a bordered plane (zeros outside the image).
CK_NO_CALLS static inline void ck_fill_bordered(const ck_conv_geometry *g, const float *restrict img, long ph, long pw,
                                    float *restrict padded) {
    long lo, hi;
    ck_inside_columns(g, pw, &lo, &hi);
    for (long r = 0; r < ph; r++) {
        float *row = padded + r * pw;
        const long ih = r - g->padTop;
        if (ih < 0 || ih >= g->height) { memset(row, 0, (size_t)pw * sizeof(float)); continue; }
        ck_zero_row(row, lo);
        const float *src = img + ih * g->width - g->padLeft;
        ck_copy_row(row + lo, src + lo, hi - lo);
        ck_zero_row(row + hi, pw - hi);
    }
}

// Where window row i of image b at kernel offset (ki, kj) starts in a stride-2 geometry's halves:
// bordered column 2j + kj·dW is column j + ⌊kj·dW / 2⌋ of the even (kj·dW even) or the odd half.
static inline float *ck_half_row(const ck_window_scratch *w, const ck_conv_geometry *g, long b, long i, long ki, long kj) {
    const long r = i * g->strideH + ki * g->dilationH, column = kj * g->dilationW;
    return w->halves + ((b * w->ph + r) * 2 + (column & 1)) * w->half + (column >> 1);
}

// The bordered planes of n images split into halves, sixteen columns at a time as two vector shuffles
// (a plain loop stayed scalar).
CK_NO_CALLS static inline void ck_split_columns(const ck_window_scratch *w, long n) {
    const long pw = w->pw, half = w->half;
    for (long r = 0; r < n * w->ph; r++) {
        const float *restrict row = w->padded + r * pw;
        float *restrict even = w->halves + r * 2 * half, *restrict odd = even + half;
        long k = 0;
        for (; 2 * k + 16 <= pw; k += 8) {
            const ck_f8 a = *(const ck_f8 *)(row + 2 * k), b = *(const ck_f8 *)(row + 2 * k + 8);
            *(ck_f8 *)(even + k) = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
            *(ck_f8 *)(odd + k) = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15);
        }
        for (; 2 * k + 1 < pw; k++) {
            even[k] = row[2 * k];
            odd[k] = row[2 * k + 1];
        }
        if (pw & 1) even[pw / 2] = row[pw - 1];
    }
}

// Not cloned for AVX2: its gathers are microcoded on AMD before Zen 3 (1.9× slower here than scalar).
CK_NO_CALLS void ck_im2col(const ck_conv_geometry *g, const float *restrict x, long first, long count,
               long firstColumnImage, long ld, float *restrict cols) {
    if (count <= 0) return;
    ck_window_scratch w = ck_window_scratch_make(g, count);
    const long ph = w.ph, pw = w.pw, positions = g->outH * g->outW, plane = g->height * g->width;
    for (long start = first; start < first + count; start += w.images) {
        const long n = ck_run_length(&w, start, first, count), total = n * positions;
        for (long c = 0; c < g->channels; c++) {
            for (long b = 0; b < n; b++)
                ck_fill_bordered(g, x + (start + b) * g->imageStride + c * plane, ph, pw, w.padded + b * ph * pw);
            if (g->strideW == 2) ck_split_columns(&w, n);
            for (long ki = 0; ki < g->kernelH; ki++) {
                for (long kj = 0; kj < g->kernelW; kj++) {
                    float *dst = cols + ((c * g->kernelH + ki) * g->kernelW + kj) * ld + (start - firstColumnImage) * positions;
                    const float *src = w.padded + ki * g->dilationH * pw + kj * g->dilationW;
                    if (g->strideW == 1) {
                        // Window rows are contiguous: copy them whole, no table.
                        for (long b = 0; b < n; b++) {
                            for (long i = 0; i < g->outH; i++) {
                                const float *s = src + b * ph * pw + i * g->strideH * pw;
                                float *d = dst + (b * g->outH + i) * g->outW;
                                ck_copy_row(d, s, g->outW);
                            }
                        }
                    } else if (g->strideW == 2) {
                        const long ow = g->outW, rowStep = g->strideH * 2 * w.half;
                        float *d = dst;
                        for (long b = 0; b < n; b++) {
                            const float *s = ck_half_row(&w, g, b, 0, ki, kj);
                            for (long i = 0; i < g->outH; i++, d += ow, s += rowStep) ck_copy_row(d, s, ow);
                        }
                    } else {
                        for (long t = 0; t < total; t++) dst[t] = src[w.offsets[t]];
                    }
                }
            }
        }
    }
    ck_window_scratch_free(&w);
}

// col2im's two neighbouring kernel offsets of a stride-2 window: the even columns of each window row
// get s0's row, the odd ones s1's.
static inline void ck_add_pairs(float *restrict dst, long pw, long ph, const float *restrict s0, const float *restrict s1,
                                long n, long outH, long strideH, long outW) {
    for (long b = 0; b < n; b++) {
        for (long i = 0; i < outH; i++) {
            float *restrict d = dst + b * ph * pw + i * strideH * pw;
            const float *restrict a = s0 + (b * outH + i) * outW, *restrict e = s1 + (b * outH + i) * outW;
            for (long j = 0; j < outW; j++) {
                d[2 * j] += a[j];
                d[2 * j + 1] += e[j];
            }
        }
    }
}

CK_NO_CALLS void ck_col2im(const ck_conv_geometry *g, const float *restrict cols, long first, long count,
               long firstColumnImage, long ld, float *restrict x) {
    if (count <= 0) return;
    ck_window_scratch w = ck_window_scratch_make(g, count);
    const long ph = w.ph, pw = w.pw, positions = g->outH * g->outW, plane = g->height * g->width;
    for (long start = first; start < first + count; start += w.images) {
        const long n = ck_run_length(&w, start, first, count), total = n * positions;
        for (long c = 0; c < g->channels; c++) {
            memset(w.padded, 0, (size_t)(n * ph * pw) * sizeof(float));
            for (long ki = 0; ki < g->kernelH; ki++) {
                for (long kj = 0; kj < g->kernelW; kj++) {
                    const float *src = cols + ((c * g->kernelH + ki) * g->kernelW + kj) * ld + (start - firstColumnImage) * positions;
                    float *dst = w.padded + ki * g->dilationH * pw + kj * g->dilationW;
                    if (g->strideW == 2 && g->dilationW == 1 && kj + 1 < g->kernelW) {
                        // Offsets kj and kj + 1 of a stride-2 window fill the even and the odd columns of
                        // the same run: one contiguous interleaved pass (vectorised) instead of two
                        // scatters through the table. Each element still gets its terms in kj order.
                        ck_add_pairs(dst, pw, ph, src, src + ld, n, g->outH, g->strideH, g->outW);
                        kj++;
                    } else if (g->strideW == 1) {
                        for (long b = 0; b < n; b++) {
                            for (long i = 0; i < g->outH; i++) {
                                float *d = dst + b * ph * pw + i * g->strideH * pw;
                                const float *s = src + (b * g->outH + i) * g->outW;
                                for (long j = 0; j < g->outW; j++) d[j] += s[j];
                            }
                        }
                    } else {
                        // Windows of one kernel offset never overlap, so this scatter has no repeated target.
                        for (long t = 0; t < total; t++) dst[w.offsets[t]] += src[t];
                    }
                }
            }
            // Back into the images: the bordered plane's inside, row by row (the border held padding only).
            long lo, hi;
            ck_inside_columns(g, pw, &lo, &hi);
            for (long b = 0; b < n; b++) {
                float *img = x + (start + b) * g->imageStride + c * plane;
                const float *p = w.padded + b * ph * pw;
                for (long r = 0; r < ph; r++) {
                    const long ih = r - g->padTop;
                    if (ih < 0 || ih >= g->height) continue;
                    float *dst = img + ih * g->width - g->padLeft;
                    ck_add_row(dst + lo, p + r * pw + lo, hi - lo);
                }
            }
        }
    }
    ck_window_scratch_free(&w);
}

// Binary cross-entropy with logits over n elements: returns Σ softplus(l) − x·l (in eight interleaved
// double partial sums) and writes g = (σ(l) − x)·scale. One e = exp(−|l|) serves both: softplus(l) =
// max(l, 0) + log1p(e) and σ(l) = 1/(1 + e) or e/(1 + e). log1p(e) for e in (0, 1] is 2·atanh(s) with
// s = e/(2 + e) ≤ 1/3, whose odd series to s¹⁵ is within float rounding (the term left out is under
// 2e-8 of it). libm's log1pf, called per element, kept this loop scalar.
CK_KERNEL(, double, ck_bce_with_logits, (const float *restrict l, const float *restrict x, float *restrict g, size_t n, float scale), (l, x, g, n, scale)) {
    double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    float t[256];
    for (size_t i0 = 0; i0 < n; i0 += 256) {
        const size_t m = n - i0 < 256 ? n - i0 : 256;
        // Element-wise (vectorised): each term into t, each gradient into g.
        for (size_t i = 0; i < m; i++) {
            const float li = l[i0 + i], xi = x[i0 + i];
            const float e = ck_exp1(li < 0.0f ? li : -li);
            const float q = e / (2.0f + e), q2 = q * q;
            float p = 1.0f / 15;
            p = p * q2 + 1.0f / 13;
            p = p * q2 + 1.0f / 11;
            p = p * q2 + 1.0f / 9;
            p = p * q2 + 1.0f / 7;
            p = p * q2 + 1.0f / 5;
            p = p * q2 + 1.0f / 3;
            const float log1pe = 2.0f * q * (p * q2 + 1.0f);
            const float inv = 1.0f / (1.0f + e);
            t[i] = (li > 0.0f ? li : 0.0f) + log1pe - xi * li;
            g[i0 + i] = ((li >= 0.0f ? inv : e * inv) - xi) * scale;
        }
        for (size_t i = m; i < (m + 7) / 8 * 8; i++) t[i] = 0.0f;
        for (size_t i = 0; i < m; i += 8)
            for (size_t k = 0; k < 8; k++) s[k] += (double)t[i + k];
    }
    return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

// Σ (y − t)² over n elements (eight interleaved double partial sums) and g = 2(y − t)/count·scale,
// evaluated as the scalar formula is (no contraction), so the gradient has the same bits on every CPU.
CK_KERNEL(, double, ck_squared_error, (const float *restrict y, const float *restrict t, float *restrict g, size_t n, float count, float scale), (y, t, g, n, count, scale)) {
#pragma clang fp contract(off)
    double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    float q[256];
    for (size_t i0 = 0; i0 < n; i0 += 256) {
        const size_t m = n - i0 < 256 ? n - i0 : 256;
        for (size_t i = 0; i < m; i++) {
            const float d = y[i0 + i] - t[i0 + i];
            q[i] = d * d;
            g[i0 + i] = 2.0f * d / count * scale;
        }
        for (size_t i = m; i < (m + 7) / 8 * 8; i++) q[i] = 0.0f;
        for (size_t i = 0; i < m; i += 8)
            for (size_t k = 0; k < 8; k++) s[k] += (double)q[i + k];
    }
    return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

// Nearest code of each of n rows (D floats each) among k codes, from dots[r·k + c] = row r · code c and
// the codes' squared norms: the smallest max(0, ‖z‖² − 2 z·e + ‖e‖²), ties to the lower index. ‖z‖² is
// summed in row order and nothing is contracted into FMA, so the distances are the bits Codebook's
// Swift loops computed; the minimum is found first (exact in any order), then its first index.
CK_KERNEL(, void, ck_nearest_codes, (const float *restrict dots, const float *restrict rows, const float *restrict codeNorms, long n, long k, long d, long *restrict codes), (dots, rows, codeNorms, n, k, d, codes)) {
#pragma clang fp contract(off)
    float *dist = malloc((size_t)(k > 0 ? k : 1) * sizeof(float));
    if (!dist) abort();
    for (long r = 0; r < n; r++) {
        float zn = 0.0f;
        for (long j = 0; j < d; j++) zn += rows[r * d + j] * rows[r * d + j];
        const float *row = dots + r * k;
        for (long c = 0; c < k; c++) {
            const float v = zn - 2.0f * row[c] + codeNorms[c];
            dist[c] = v >= 0.0f ? v : 0.0f;  // max(0, v) as Swift's max: NaN becomes 0
        }
        // The minimum in sixteen lanes (a single running minimum would not vectorise).
        float lane[16];
        for (int t = 0; t < 16; t++) lane[t] = INFINITY;
        long c = 0;
        for (; c + 16 <= k; c += 16)
            for (int t = 0; t < 16; t++) lane[t] = dist[c + t] < lane[t] ? dist[c + t] : lane[t];
        for (; c < k; c++) lane[0] = dist[c] < lane[0] ? dist[c] : lane[0];
        float best = lane[0];
        for (int t = 1; t < 16; t++) best = lane[t] < best ? lane[t] : best;
        long at = 0;
        while (at < k - 1 && dist[at] != best) at++;
        codes[r] = at;
    }
    free(dist);
}
