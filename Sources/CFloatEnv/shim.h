// Subnormal floats are 10-100x slower to compute with on common CPUs. Optimiser moments of weights
// whose gradients are ~0 (pixels that are always black) decay geometrically into that range after a
// few hundred steps and once slowed training three-fold; flushing them to zero costs nothing in
// accuracy. Swift has no access to the floating-point control register, hence this shim.
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
static inline void CFloatEnv_flushSubnormals(void) {
    _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ (bit 15) and DAZ (bit 6)
}
#elif defined(__aarch64__)
static inline void CFloatEnv_flushSubnormals(void) {
    unsigned long fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr | (1UL << 24)));  // FZ
}
#else
static inline void CFloatEnv_flushSubnormals(void) {}
#endif
