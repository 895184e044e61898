#include <fftw3.h>

/* fftwf_version is an array of unknown size, which Swift does not import. */
static inline const char *lab_fftwf_version(void) { return fftwf_version; }
