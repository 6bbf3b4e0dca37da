// Debian installs OpenBLAS's CBLAS header under a multiarch alternatives name
// (cblas-openblas.h → openblas-pthread/cblas.h); it also declares
// openblas_set_num_threads, which the reference-BLAS cblas.h lacks.
#include <cblas-openblas.h>

// LAPACK's divide-and-conquer symmetric eigensolver (PCA). OpenBLAS exports it, but Debian ships no
// LAPACK header alongside OpenBLAS's, so the Fortran prototype is declared here. Single-character
// arguments are passed without Fortran's hidden length arguments, as LAPACKE itself does on this ABI.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info);

// Ends OpenBLAS's worker threads (its pthread build starts one per core when it loads); OpenBLAS
// exports it for fork handlers. Declared here: no OpenBLAS header does.
int blas_thread_shutdown_(void);
