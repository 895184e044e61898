#ifndef ALLOCATOR_H
#define ALLOCATOR_H
/// Hands the heap's free pages back to the system (glibc's malloc_trim): between two runs of one
/// notebook, so the second starts from what is live rather than from the first one's leftovers.
void lab_release_free_memory(void);
#endif
