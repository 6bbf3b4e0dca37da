// The UMAP layout epoch at a million points on one synthetic graph: 22 edges a point to random others
// (a shuffled input's graph reads the embedding all over), weights w = u^2.2 (mean ≈ 0.31, as
// umap-learn's fuzzy graph of Fashion-MNIST → PCA 10 gives), edges under 1/250 never sampled. One
// thread, 12 epochs, CPU time of the calling process (less disturbed than wall time on a shared
// machine), best of three. Compare builds of the kernel (e.g. two commits' Sources/CKernels) by
// compiling this file against each. From the repository root:
//   S=Sources/CKernels; clang -O3 -fno-math-errno -I$S/include -I$S scripts/bench_layout_large.c \
//     $S/umap_layout.c $S/umap_layout_avx2.c $S/umap_layout_avx512.c $S/cpu_features.c -o /tmp/ll -lm && /tmp/ll
#include "CKernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t state = 88172645463325252ull;
static uint64_t next(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }
static float uniform(void) { return (float)(next() >> 40) / 16777216.0f; }
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }

int main(int argc, char **argv) {
    const long n = argc > 1 ? atol(argv[1]) : 1000000, k = 22, e = n * k, pad = CK_UMAP_LAYOUT_PAD;
    const int epochs = 12;
    float *pos0 = malloc(8 * n), *pos = malloc(8 * n), *step = malloc(8 * n);
    long *off = malloc(8 * (n + 1));
    int32_t *col = malloc(4 * (e + pad));
    float *eps = malloc(4 * (e + pad)), *ns0 = malloc(4 * (e + pad)), *nn0 = malloc(4 * (e + pad));
    float *ns = malloc(4 * (e + pad)), *nn = malloc(4 * (e + pad));
    for (long i = 0; i < 2 * n; i++) pos0[i] = 20 * uniform() - 10;
    for (long i = 0; i <= n; i++) off[i] = i * k;
    for (long t = 0; t < e + pad; t++) {
        const float w = t < e ? powf(uniform(), 2.2f) : 0;
        col[t] = t < e ? (int32_t)(next() % (uint64_t)n) : 0;
        const int never = w < 1.0f / 250;
        eps[t] = never ? -1 : 1 / w; ns0[t] = never ? INFINITY : eps[t]; nn0[t] = never ? -0.2f : eps[t] / 5;
    }
    double best = INFINITY, check = 0;
    for (int run = 0; run < 3; run++) {
        for (long i = 0; i < 2 * n; i++) pos[i] = pos0[i];
        for (long t = 0; t < e + pad; t++) { ns[t] = ns0[t]; nn[t] = nn0[t]; }
        ck_umap_layout L = {.position = pos, .step = step, .offsets = off, .columns = col, .epochs_per_sample = eps,
                            .next_sample = ns, .next_negative = nn, .n = n, .a = 1.577f, .b = 0.895f,
                            .negative_rate = 5, .seed = 42};
        const double t0 = cpu();
        for (int epoch = 0; epoch < epochs; epoch++) {
            if (!ck_umap_layout_epoch(&L, epoch, 0.5f, 0, n)) return 1;
            for (long i = 0; i < 2 * n; i++) pos[i] += step[i];
        }
        const double t = (cpu() - t0) / epochs;
        if (t < best) best = t;
        check = 0;
        for (long i = 0; i < 2 * n; i++) check += pos[i];
    }
    printf("%ld points, %ld edges each, %s build: %.1f ms of CPU per epoch (best of 3; checksum %.6f)\n", n, k,
           ck_umap_layout_uses_avx512() ? "AVX-512" : ck_umap_layout_uses_avx2() ? "AVX2" : "baseline", 1000 * best, check);
    return 0;
}
