// The CPU's vector features as CPUID and the operating system report them (the compiler runtime's
// check: a feature counts only when the OS saves its registers), for choosing kernels at run time.
// CPUID rather than /proc/cpuinfo: it is what OpenBLAS and target_clones read, so every choice made
// in one process agrees — also under an emulator, whose CPUID is not the host's /proc/cpuinfo.
#include "CKernels.h"

unsigned ck_cpu_features(void) {
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
