// The weight gradient of a 3×3, stride-1 convolution by Winograd's F(3×3, 4×4): each 4×4 tile of the
// output gradient dy correlated with its 6×6 input window gives that tile's share of dW (3×3), and
// with the points of F(4×4, 3×3) (0, ±1, ±2, ∞) the input side's transform is the forward pass's Bᵀ, so
// `ck_wino43_input` gives V. Then dW_pos (OC × C) = Σ_tiles U_pos · V_posᵀ, 36 GEMMs, and
// dW = A′ᵀ·M·A′ per channel pair, with
//   G′ = [ 1/4     0     0     0  ]   A′ᵀ = [1 1  1 1  1 0]
//        [−1/6 −1/6  −1/6  −1/6 ]          [0 1 −1 2 −2 0]
//        [−1/6  1/6  −1/6   1/6 ]          [0 1  1 4  4 1]
//        [1/24 1/12   1/6   1/3 ]
//        [1/24 −1/12  1/6  −1/3 ]
//        [  0     0     0    1  ]
// (U = G′·dy·G′ᵀ): 36 multiply-adds per tile and channel pair where im2col's GEMM spends 144.
#ifndef CK_WINOGRAD_GRAD_H
#define CK_WINOGRAD_GRAD_H

#include "CKWinograd.h"

/// U (36, OC, ldu) for output channels o0 ..< o1 of the tiles of tile rows r0 ..< r1 of dy (N, OC, OH, OW),
/// laid out as `ck_wino43_input` lays out V (tile (r − r0)·tilesW + tx is column …); dy outside OH × OW
/// counts as zero. Returns 0 if out of memory.
int ck_wino43_grad_dy(const ck_wino_geometry *g, const float *dy, long r0, long r1, long o0, long o1,
                      float *u, long ldu);

/// dw (OC, C, 3, 3) += A′ᵀ·M·A′ for the channel pairs i0 ..< i1 (pair o·C + c) of M (36, OC, C).
void ck_wino43_grad_output(const float *m, long outChannels, long channels, long i0, long i1, float *dw);

#endif
