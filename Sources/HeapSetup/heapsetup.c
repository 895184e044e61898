// One knob of the C library's allocator, which Swift's Glibc module does not expose.
#include "HeapSetup.h"
#if defined(__linux__)
#include <malloc.h>
void lab_fix_mmap_threshold(int bytes) { mallopt(M_MMAP_THRESHOLD, bytes); }
#else
void lab_fix_mmap_threshold(int bytes) { (void)bytes; }
#endif
