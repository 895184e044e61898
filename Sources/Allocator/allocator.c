// One call into the C library's allocator that Swift's Glibc module does not expose.
#include "Allocator.h"
#if defined(__linux__)
#include <malloc.h>
void lab_release_free_memory(void) { malloc_trim(0); }
#else
void lab_release_free_memory(void) {}
#endif
