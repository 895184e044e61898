// GenreLab's AVX-512 kernels, compiled with a per-function target so the rest of lab still runs on
// any x86-64-v3 CPU. Swift calls them only after lab_cpu_has_avx512() said yes.
#ifndef LAB_KERNELS_H
#define LAB_KERNELS_H
#include <stdint.h>

/// 1 when the CPU has AVX-512F and the OS saves the ZMM state; 0 otherwise (and on other architectures).
int lab_cpu_has_avx512(void);

/// C[m x n] = op(A)[m x k] · op(B)[k x n] (+ C when accumulate): the same contract, and the same
/// order of every sum, as GEMM.serial in Swift: each element of C is one chain of FMAs over
/// k = 0, 1, ..., K-1, started from 0 or from C. Only call when lab_cpu_has_avx512() returned 1.
void lab_sgemm_avx512(int transA, int transB, long m, long n, long k,
                      const float *a, long lda, const float *b, long ldb,
                      int accumulate, float *c, long ldc, long kBlock, long nBlock);


/// relu(maxpool2x2(conv3x3(x) + bias)) of one single-channel image for K filters, 16 pooled outputs
/// at a time: the arithmetic of DirectConv3x3SingleChannel.pooledRows in Swift (each output is the
/// bias, then taps 0...8 as FMAs in order; the pool's scan and the ReLU as MaxPool2D and ReLU do).
/// `split` holds the image's h + 2 padded rows, each as its even then its odd columns, `wq` floats
/// each. Output f's pooled row py goes to y + f * yPlane + py * wo; argmax (when not NULL) likewise,
/// as an index into the h x w input plane. Only call when lab_cpu_has_avx512() returned 1.
void lab_direct_pooled_avx512(const float *split, long wq, long ho, long wo, long w, long k,
                              const float *weight, const float *bias, float *y, int32_t *argmax, long yPlane);
#endif
