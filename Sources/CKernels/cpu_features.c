// The CPU's vector features as CPUID and the operating system report them (the compiler runtime's
// check: a feature counts only when the OS saves its registers), for choosing kernels at run time.
// CPUID rather than /proc/cpuinfo: it is what OpenBLAS and the compiler runtime read, so every choice made
// in one process agrees — also under an emulator, whose CPUID is not the host's /proc/cpuinfo.
#include "CKernels.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static unsigned ck_cpu_detect(void) {
#if defined(__x86_64__) && defined(__clang__)
    __builtin_cpu_init();
    unsigned f = 0;
    if (__builtin_cpu_supports("avx2")) f |= CK_CPU_AVX2;
    if (__builtin_cpu_supports("fma")) f |= CK_CPU_FMA;
    if (__builtin_cpu_supports("avx512f")) f |= CK_CPU_AVX512F;
    if (__builtin_cpu_supports("avx512bw")) f |= CK_CPU_AVX512BW;
    if (__builtin_cpu_supports("avx512dq")) f |= CK_CPU_AVX512DQ;
    if (__builtin_cpu_supports("avx512vl")) f |= CK_CPU_AVX512VL;
    return f;
#else
    return 0;
#endif
}

long ck_cpu_level_cap(const char *level) {
    if (level == NULL || level[0] == '\0' || strcmp(level, "avx512") == 0) return 2;
    if (strcmp(level, "avx2") == 0) return 1;
    if (strcmp(level, "baseline") == 0) return 0;
    return -1;
}

unsigned ck_cpu_features_capped(unsigned features, long cap) {
    if (cap == 1) return features & (CK_CPU_AVX2 | CK_CPU_FMA);
    if (cap == 0) return 0;
    return features;
}

unsigned ck_cpu_features(void) {
    // Read once: kernels ask on every call, and every choice in a process must see the same answer.
    // The high bit marks a value as read (a CPU with no features caches as that bit alone).
    static _Atomic unsigned cached = 0;
    const unsigned known = 1u << 31;
    unsigned f = atomic_load_explicit(&cached, memory_order_relaxed);
    if (f == 0) {
        // An unknown LATENT_CPU_LEVEL caps nothing here; `latent` refuses it before any kernel runs.
        f = ck_cpu_features_capped(ck_cpu_detect(), ck_cpu_level_cap(getenv("LATENT_CPU_LEVEL"))) | known;
        atomic_store_explicit(&cached, f, memory_order_relaxed);
    }
    return f & ~known;
}
