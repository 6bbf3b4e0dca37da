// Channels-last Winograd F(4×4, 3×3) transforms (CKWinograd.h): builds of winograd_lanes.h per
// instruction set, the level chosen as the direct convolution's is (ck_direct_best_level).
#include "CKDirectConv.h"
#include "CKWinograd.h"

#pragma clang fp contract(fast)

#define LANES 4
#define SUFFIX baseline
#include "winograd_lanes.h"
#undef LANES
#undef SUFFIX

#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define LANES 8
#define SUFFIX avx2
#include "winograd_lanes.h"
#undef LANES
#undef SUFFIX
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#define LANES 16
#define SUFFIX avx512
#include "winograd_lanes.h"
#undef LANES
#undef SUFFIX
#pragma clang attribute pop
#endif

long ck_wino43_cl_lanes(long level) {
#if defined(__x86_64__) && defined(__clang__)
    if (level >= 2) return 16;
    if (level == 1) return 8;
#endif
    return 4;
}

int ck_wino43_input_cl(long level, const ck_wino_geometry *g, const float *x, long r0, long r1, float *v, long ldv,
                       long positionStride) {
    if (level > ck_direct_best_level() || ldv < (g->channels + ck_wino43_cl_lanes(level) - 1) / ck_wino43_cl_lanes(level) * ck_wino43_cl_lanes(level))
        return 0;
    switch (ck_wino43_cl_lanes(level)) {
#if defined(__x86_64__) && defined(__clang__)
    case 16: return ck_wino43_input_cl_avx512(g, x, r0, r1, v, ldv, positionStride);
    case 8: return ck_wino43_input_cl_avx2(g, x, r0, r1, v, ldv, positionStride);
#endif
    default: return ck_wino43_input_cl_baseline(g, x, r0, r1, v, ldv, positionStride);
    }
}

int ck_wino43_output_cl(long level, const ck_wino_geometry *g, const float *m, long ldm, long positionStride, long r0, long r1,
                        const float *bias, float *y) {
    if (level > ck_direct_best_level() || ldm < (g->outChannels + ck_wino43_cl_lanes(level) - 1) / ck_wino43_cl_lanes(level) * ck_wino43_cl_lanes(level))
        return 0;
    switch (ck_wino43_cl_lanes(level)) {
#if defined(__x86_64__) && defined(__clang__)
    case 16: return ck_wino43_output_cl_avx512(g, m, ldm, positionStride, r0, r1, bias, y);
    case 8: return ck_wino43_output_cl_avx2(g, m, ldm, positionStride, r0, r1, bias, y);
#endif
    default: return ck_wino43_output_cl_baseline(g, m, ldm, positionStride, r0, r1, bias, y);
    }
}
