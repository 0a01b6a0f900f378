// OpenBLAS's CBLAS interface plus its openblas_* thread/core controls (Debian: libopenblas-dev).
#include <cblas.h>
