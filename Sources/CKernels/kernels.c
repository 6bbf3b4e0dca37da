#include "CKernels.h"
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#define CK_CLONES __attribute__((target_clones("avx2,fma", "default")))
#else
#define CK_CLONES
#endif

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

CK_CLONES void ck_exp(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = ck_exp1(x[i]);
}

CK_CLONES void ck_sigmoid(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = 1.0f / (1.0f + ck_exp1(-x[i]));
}

CK_CLONES void ck_silu(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = x[i] / (1.0f + ck_exp1(-x[i]));
}

CK_CLONES void ck_tanh(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = 2.0f / (1.0f + ck_exp1(-2.0f * x[i])) - 1.0f;
}

// One Adam step (bias-corrected moments, decoupled decay factor) over n elements; the gradient is
// zeroed. Written here rather than in Swift because Swift cannot promise the four arrays do not
// overlap, so its loop stayed scalar (a divide and a square root per element, a sixth of training).
// No contraction into FMA: every CPU computes the same bits as the scalar formula.
CK_CLONES void ck_adam(float *restrict w, float *restrict g, float *restrict m, float *restrict v, size_t n,
                       float b1, float b2, float c1, float c2, float lr, float eps, float decay) {
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
