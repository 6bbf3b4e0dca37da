// The FIt-SNE loops of tsne_fit_body.h compiled for AVX-512 (sixteen float lanes); tsne_fit.c calls
// them when the CPU has AVX-512 F. FMA is allowed by the target but never used: contraction is off.
#if defined(__x86_64__) && defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx2,fma"))), apply_to = function)
#include "tsne_fit_body.h"

void ck_fit_columns_avx512(float *re, float *im, long g, long firstColumn, long endColumn, int inverse, int upperZero,
                           const float *wr, const float *wi) {
    fit_columns(re, im, g + CK_FIT_PAD, g, firstColumn, endColumn, inverse, upperZero, wr, wi);
}
void ck_fit_rows_avx512(float *re, float *im, long g, long firstRow, long endRow, long columnsIn, long columnsOut,
                        int inverse, const float *wr, const float *wi, float *scratch) {
    fit_rows(re, im, g, firstRow, endRow, columnsIn, columnsOut, inverse, wr, wi, scratch);
}
void ck_fit_spread_avx512(const ck_fit_geometry *g, const float *y, const float *weights, const int32_t *order,
                          const int32_t *boxStart, long firstBox, long endBox,
                          float *re0, float *im0, float *re1, float *im1) {
    fit_spread(g, y, weights, order, boxStart, firstBox, endBox, re0, im0, re1, im1);
}
#pragma clang attribute pop
#endif
