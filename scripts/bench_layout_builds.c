// The UMAP layout epoch's three builds (baseline, AVX2, AVX-512) timed on one synthetic graph, one thread,
// alternating, best of five: a same-load comparison that the whole-process figures cannot give on a
// shared machine. Build and run from the repository root:
//   S=Sources/CKernels; clang -O2 -fno-math-errno -I$S/include -I$S scripts/bench_layout_builds.c \
//     $S/umap_layout.c $S/umap_layout_avx2.c $S/umap_layout_avx512.c $S/cpu_features.c -o /tmp/ab -lm && /tmp/ab
// (x86-64 with AVX-512 only: it calls every build.)
#include "CKernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
int ck_umap_layout_epoch_avx512(const ck_umap_layout *layout, long epoch, float alpha, long first, long end);
typedef int (*fn)(const ck_umap_layout *, long, float, long, long);
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(void) {
    const long n = 20000, k = 24, e = n * k, pad = CK_UMAP_LAYOUT_PAD;
    srand(1);
    float *pos = malloc(8 * n), *step = malloc(8 * n);
    long *off = malloc(8 * (n + 1));
    int32_t *col = malloc(4 * (e + pad));
    float *eps = malloc(4 * (e + pad)), *ns0 = malloc(4 * (e + pad)), *nn0 = malloc(4 * (e + pad));
    float *ns = malloc(4 * (e + pad)), *nn = malloc(4 * (e + pad));
    for (long i = 0; i < 2 * n; i++) pos[i] = 20.0f * (float)rand() / (float)RAND_MAX - 10;
    for (long i = 0; i <= n; i++) off[i] = i * k;
    for (long t = 0; t < e + pad; t++) {
        col[t] = t < e ? (int32_t)((t / k + 1 + rand() % 200) % n) : 0;
        float w = (float)rand() / (float)RAND_MAX;
        eps[t] = t < e ? 1.0f / (w + 0.05f) : -1; ns0[t] = t < e ? eps[t] : 1e30f; nn0[t] = eps[t] / 5;
    }
    fn builds[3] = {ck_umap_layout_epoch_baseline, ck_umap_layout_epoch_avx2, ck_umap_layout_epoch_avx512};
    const char *names[3] = {"baseline", "AVX2", "AVX-512"};
    double best[3] = {1e9, 1e9, 1e9};
    for (int rep = 0; rep < 5; rep++)
        for (int b = 0; b < 3; b++) {
            memcpy(ns, ns0, 4 * (e + pad)); memcpy(nn, nn0, 4 * (e + pad));
            ck_umap_layout L = {pos, step, off, col, eps, ns, nn, n, 1.577f, 0.895f, 5, 42};
            double t0 = now();
            for (long ep = 0; ep < 60; ep++) builds[b](&L, ep, 1.0f, 0, n);
            double t = now() - t0;
            if (t < best[b]) best[b] = t;
            printf("%s %.3f s\n", names[b], t);
        }
    for (int b = 0; b < 3; b++) printf("best %s %.3f s\n", names[b], best[b]);
    return 0;
}
