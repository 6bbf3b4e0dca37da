// glibc's malloc tuning (mallopt), which Swift's Glibc module does not expose. Elsewhere a no-op.
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
/// Serve blocks up to `bytes` from the heap and keep up to twice that free at its top (see HeapReuse).
static inline void CMalloc_keepBlocksInHeap(int bytes) {
    mallopt(M_MMAP_THRESHOLD, bytes);
    mallopt(M_TRIM_THRESHOLD, 2 * bytes);
}
/// Give the heap's free pages back to the kernel, also those between blocks still in use.
static inline void CMalloc_releaseFreePages(void) { malloc_trim(0); }
#else
static inline void CMalloc_keepBlocksInHeap(int bytes) { (void)bytes; }
static inline void CMalloc_releaseFreePages(void) {}
#endif
