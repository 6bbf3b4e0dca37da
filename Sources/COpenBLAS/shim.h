// Debian installs OpenBLAS's CBLAS header under a multiarch alternatives name
// (cblas-openblas.h → openblas-pthread/cblas.h); it also declares
// openblas_set_num_threads, which the reference-BLAS cblas.h lacks.
#include <cblas-openblas.h>
