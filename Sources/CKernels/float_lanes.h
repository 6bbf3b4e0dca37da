// A vector of LANES floats and its unaligned load and store, named for one build (SUFFIX): included by
// the lane headers (direct_conv_lanes.h, winograd_lanes.h) each time they are built for an instruction
// set, LANES and SUFFIX set; VF is undefined again at the end of each.
#include <string.h>

#pragma clang diagnostic ignored "-Wpsabi"

#ifndef CK_CAT
#define CK_CAT2(a, b) a##b
#define CK_CAT(a, b) CK_CAT2(a, b)
#endif

typedef float CK_CAT(ck_vf_, SUFFIX) __attribute__((vector_size(4 * LANES)));
#define VF CK_CAT(ck_vf_, SUFFIX)
#define VLOAD CK_CAT(ck_vload_, SUFFIX)
#define VSTORE CK_CAT(ck_vstore_, SUFFIX)

static inline VF VLOAD(const float *p) { VF v; memcpy(&v, p, sizeof v); return v; }
static inline void VSTORE(float *p, VF v) { memcpy(p, &v, sizeof v); }
