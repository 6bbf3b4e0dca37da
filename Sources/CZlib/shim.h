#include <zlib.h>

// deflateInit2/inflateInit2 are macros that pass ZLIB_VERSION and the stream size;
// Swift cannot call function-like macros, so these wrappers stand in for them.
static inline int CZlib_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
static inline int CZlib_deflateInit2(z_streamp strm, int level, int windowBits) {
    return deflateInit2(strm, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
