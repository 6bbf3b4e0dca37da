// The FIt-SNE loops of tsne_fit_body.h compiled for AVX2 (eight float lanes a register); tsne_fit.c
// calls them on a CPU with AVX2 and FMA but not AVX-512. Contraction is off: the other builds' bits.
#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#include "tsne_fit_body.h"
CK_FIT_BUILD(avx2)
#pragma clang attribute pop
#endif
