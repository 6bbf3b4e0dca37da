// Element-wise kernels built three times — AVX-512, AVX2 with FMA and the baseline (SSE2) — and
// chosen on every call from ck_cpu_features(), as the direct convolution's builds are.
// Not target_clones: the loader picks a clone from CPUID alone, so LATENT_CPU_LEVEL could not cap it.
//
//   CK_KERNEL(attrs, type, name, (params), (args)) { body }
// defines `type name(params)`; the body is inlined into each build, so the compiler vectorises it for
// that build's instruction set. `attrs` go on every build (e.g. no_builtin).
#ifndef CK_LEVELS_H
#define CK_LEVELS_H
#include "CKernels.h"

static inline long ck_kernel_level(void) {
    const unsigned f = ck_cpu_features();
    const unsigned v3 = CK_CPU_AVX2 | CK_CPU_FMA;
    const unsigned v4 = v3 | CK_CPU_AVX512F | CK_CPU_AVX512BW | CK_CPU_AVX512DQ | CK_CPU_AVX512VL;
    return (f & v4) == v4 ? 2 : (f & v3) == v3 ? 1 : 0;
}

#if defined(__x86_64__) && defined(__clang__)
// Feature lists rather than arch=x86-64-v4: that also sets the tuning of a generic AVX-512 CPU, which
// prefers 256-bit vectors, and the loops came out ymm-wide. These are the features ck_kernel_level checks.
#define CK_V4 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
#define CK_V3 __attribute__((target("avx2,fma")))
#define CK_KERNEL(attrs, type, name, params, args)                                                        \
    static inline __attribute__((always_inline)) type name##_body params;                                 \
    CK_V4 attrs static type name##_v4 params { return name##_body args; }                                 \
    CK_V3 attrs static type name##_v3 params { return name##_body args; }                                 \
    attrs static type name##_v1 params { return name##_body args; }                                       \
    type name params {                                                                                    \
        switch (ck_kernel_level()) {                                                                      \
        case 2: return name##_v4 args;                                                                    \
        case 1: return name##_v3 args;                                                                    \
        default: return name##_v1 args;                                                                   \
        }                                                                                                 \
    }                                                                                                     \
    static inline __attribute__((always_inline)) attrs type name##_body params
#else
#define CK_KERNEL(attrs, type, name, params, args) attrs type name params
#endif

#endif
