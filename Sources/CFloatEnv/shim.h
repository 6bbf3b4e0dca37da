// Subnormal floats are 10-100x slower to compute with on common CPUs. Optimiser moments of weights
// whose gradients are ~0 (pixels that are always black) decay geometrically into that range after a
// few hundred steps and once slowed training three-fold; flushing them to zero costs nothing in
// accuracy. Swift has no access to the floating-point control register, hence this shim.
#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
static inline void CFloatEnv_flushSubnormals(void) {
    _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ (bit 15) and DAZ (bit 6)
}
/// This thread's subnormal mode (the FTZ and DAZ bits), to hand to worker threads.
static inline unsigned CFloatEnv_mode(void) { return _mm_getcsr() & 0x8040; }
/// Sets this thread's subnormal mode; returns the one it replaces.
static inline unsigned CFloatEnv_setMode(unsigned mode) {
    unsigned old = _mm_getcsr();
    _mm_setcsr((old & ~0x8040u) | (mode & 0x8040u));
    return old & 0x8040u;
}
#elif defined(__aarch64__)
static inline void CFloatEnv_flushSubnormals(void) {
    unsigned long fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ __volatile__("msr fpcr, %0" : : "r"(fpcr | (1UL << 24)));  // FZ
}
static inline unsigned CFloatEnv_mode(void) {
    unsigned long fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    return (unsigned)(fpcr >> 24) & 1u;
}
static inline unsigned CFloatEnv_setMode(unsigned mode) {
    unsigned long fpcr;
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(fpcr));
    unsigned long updated = (fpcr & ~(1UL << 24)) | ((unsigned long)(mode & 1u) << 24);
    __asm__ __volatile__("msr fpcr, %0" : : "r"(updated));
    return (unsigned)(fpcr >> 24) & 1u;
}
#else
static inline void CFloatEnv_flushSubnormals(void) {}
static inline unsigned CFloatEnv_mode(void) { return 0; }
static inline unsigned CFloatEnv_setMode(unsigned mode) { (void)mode; return 0; }
#endif
