// Element-wise kernels in C: loops the C compiler vectorises (SSE2 everywhere, AVX2+FMA where the CPU
// has it, chosen at load time by target_clones). Swift's SIMD types fell back to lane-by-lane generic
// code for min/max and float↔int conversion, which made a vectorised exp slower than libm's.
#ifndef CKERNELS_H
#define CKERNELS_H
#include <stddef.h>

/// e^x in place (within 2 ulp of expf; inputs clamped to -87.3 … 88.37).
void ck_exp(float *x, size_t n);
/// 1 / (1 + e^-x) in place.
void ck_sigmoid(float *x, size_t n);
/// x / (1 + e^-x) in place (SiLU).
void ck_silu(float *x, size_t n);
/// tanh(x) in place, as 2·sigmoid(2x) − 1 (absolute error under 1e-7).
void ck_tanh(float *x, size_t n);
/// One Adam update of n weights from their gradients (then zeroed) and moments:
/// m ← b1·m + (1−b1)·g, v ← b2·v + (1−b2)·g², w ← w·decay − lr·(m/c1)/(√(v/c2) + eps).
void ck_adam(float *w, float *g, float *m, float *v, size_t n,
             float b1, float b2, float c1, float c2, float lr, float eps, float decay);

#endif
