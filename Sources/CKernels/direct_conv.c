// Direct stride-1 convolution (CKDirectConv.h): builds of direct_conv_lanes.h per instruction set,
// chosen at run time from CPUID. The block of output channels fills the registers each set has:
// sixteen 16-float accumulators of AVX-512's 32 registers, eight 8-float ones of AVX2's 16, four
// 4-float ones of SSE2's 16; and a narrow build of four for layers with few output channels.
#include "CKDirectConv.h"
#include "CKernels.h"

#pragma clang fp contract(fast)

#define LANES 4
#define BLOCK 4
#define SUFFIX baseline
#include "direct_conv_lanes.h"
#undef LANES
#undef BLOCK
#undef SUFFIX

#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define LANES 8
#define BLOCK 8
#define SUFFIX avx2
#include "direct_conv_lanes.h"
#undef BLOCK
#undef SUFFIX
#define BLOCK 4
#define SUFFIX avx2_narrow
#include "direct_conv_lanes.h"
#undef LANES
#undef BLOCK
#undef SUFFIX
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#define LANES 16
#define BLOCK 16
#define SUFFIX avx512
#include "direct_conv_lanes.h"
#undef BLOCK
#undef SUFFIX
#define BLOCK 4
#define SUFFIX avx512_narrow
#include "direct_conv_lanes.h"
#undef LANES
#undef BLOCK
#undef SUFFIX
#pragma clang attribute pop
#endif

enum { CK_DIRECT_BASELINE, CK_DIRECT_AVX2, CK_DIRECT_AVX512 };

long ck_direct_best_level(void) {
#if defined(__x86_64__) && defined(__clang__)
    const unsigned features = ck_cpu_features();
    const unsigned avx2 = CK_CPU_AVX2 | CK_CPU_FMA;
    const unsigned avx512 = avx2 | CK_CPU_AVX512F | CK_CPU_AVX512BW | CK_CPU_AVX512DQ | CK_CPU_AVX512VL;
    if ((features & avx512) == avx512) return CK_DIRECT_AVX512;
    if ((features & avx2) == avx2) return CK_DIRECT_AVX2;
#endif
    return CK_DIRECT_BASELINE;
}

int ck_direct_shifts(const ck_direct_geometry *g) {
    const long ow = g->width + g->padLeft + g->padRight - g->kernelW + 1;
    return g->kernelW > 1 && (g->kernelW - 1) * 5 >= ow + g->kernelW - 1 && g->outChannels * g->kernelH >= 96;
}

long ck_direct_block(long level, long outChannels) {
    // A layer of a few output channels (an RGB output layer) would leave most of a wide block's
    // accumulators computing zeros: it takes the narrow build, four channels a pass.
    if (outChannels <= 4) return 4;
    switch (level) {
    case CK_DIRECT_AVX512: return outChannels <= 8 ? 4 : 16;
    case CK_DIRECT_AVX2: return 8;
    default: return 4;
    }
}

long ck_direct_packed_count(const ck_direct_geometry *g, long level) {
    const long block = ck_direct_block(level, g->outChannels);
    return (g->outChannels + block - 1) / block * block * g->channels * g->kernelH * g->kernelW;
}

void ck_direct_pack(const ck_direct_geometry *g, long level, const float *w, float *packed) {
    const long block = ck_direct_block(level, g->outChannels), c = g->channels, taps = g->kernelH * g->kernelW, oc = g->outChannels;
    const long blocks = (oc + block - 1) / block;
    for (long b = 0; b < blocks; b++)
        for (long ci = 0; ci < c; ci++)
            for (long t = 0; t < taps; t++)
                for (long o = 0; o < block; o++) {
                    const long channel = b * block + o;
                    packed[((b * c + ci) * taps + t) * block + o] = channel < oc ? w[(channel * c + ci) * taps + t] : 0.0f;
                }
}

int ck_direct_conv(const ck_direct_geometry *g, long level, const float *x, long i0, long i1, const float *packed,
                   const float *bias, float *y) {
    if (level > ck_direct_best_level()) return 0;
    switch (level) {
#if defined(__x86_64__) && defined(__clang__)
    case CK_DIRECT_AVX512:
        return ck_direct_block(level, g->outChannels) == 4 ? ck_direct_conv_avx512_narrow(g, x, i0, i1, packed, bias, y)
                                                           : ck_direct_conv_avx512(g, x, i0, i1, packed, bias, y);
    case CK_DIRECT_AVX2:
        return ck_direct_block(level, g->outChannels) == 4 ? ck_direct_conv_avx2_narrow(g, x, i0, i1, packed, bias, y)
                                                           : ck_direct_conv_avx2(g, x, i0, i1, packed, bias, y);
#endif
    default: return ck_direct_conv_baseline(g, x, i0, i1, packed, bias, y);
    }
}
