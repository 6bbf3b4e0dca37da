// The FIt-SNE loops of tsne_fit_body.h compiled for AVX-512 (sixteen float lanes a register); tsne_fit.c
// calls them when the CPU has it. FMA is allowed by the target but never used: contraction is off.
#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma"))), apply_to = function)
#include "tsne_fit_body.h"
CK_FIT_BUILD(avx512)
#pragma clang attribute pop
#endif
