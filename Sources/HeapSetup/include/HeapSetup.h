#ifndef HEAPSETUP_H
#define HEAPSETUP_H
/// Gives every allocation of `bytes` or more its own mapping, returned to the system when freed
/// (glibc's M_MMAP_THRESHOLD, fixed instead of growing). Layer maps change size with the batch;
/// without this, glibc raises its threshold after the first free and keeps freed maps in the heap.
void lab_fix_mmap_threshold(int bytes);
#endif
