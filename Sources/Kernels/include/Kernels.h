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

/// The pooled output transform of WinogradConv3x3 (transformOutputPooledReLU in Swift), 16 channels
/// at a time: for each tile of tile rows tyFirst ..< tyFirst + tyCount (tw tiles a row), Aᵀ M A + bias,
/// then 2x2 max-pool and ReLU, each value by the same additions in the same order. `m` is the block's
/// M, [36 points, `point` floats apart][tiles][kp]; k the real channel count. Pooled pixel (py, px) of
/// channel c goes to y[c * plane + py * wo + px] (y at the image's first pixel of channel 0), and
/// its argmax, an index into the h x w plane (row length w), to the same place in `argmax` (or NULL).
/// `stage` and `astage` hold the block's pooled pixels channels last: 2 * tyCount * wo * kp each.
void lab_winograd_output_pooled_avx512(const float *m, long point, long kp, long k, long tyFirst, long tyCount,
                                       long tw, long ho, long wo, long w, const float *bias,
                                       float *y, int32_t *argmax, long plane, float *stage, int32_t *astage);

/// Image x (its channel 0 at x, channels `plane` floats apart, rows of w) into the interior of the
/// channels-last padded buffer pad [hp][wp][cp] (rows 1...h, columns 1...w), and back from it into dx.
/// Only copies. Only call when lab_cpu_has_avx512() returned 1.
void lab_winograd_load_image_avx512(const float *x, long plane, long c, long cp, long h, long w, long wp, float *pad);
void lab_winograd_store_image_avx512(const float *pad, long plane, long c, long cp, long h, long w, long wp, float *dx);

/// The backward of a fused conv -> pool -> ReLU block without its full-resolution gradient: image b's
/// pooled gradient, argmax and ReLU output (channel planes `plane` floats apart, `pixels` each) staged
/// channels last ([pixel][kp]) with the ReLU's backward applied; then one block's dM = A dy Aᵀ built
/// from the stage, dy being what MaxPool2D.backward would have written. Same floats, same additions,
/// as the Swift path. Only call when lab_cpu_has_avx512() returned 1.
void lab_winograd_stage_pooled_gradient_avx512(const float *dy, const int32_t *argmax, const float *relu, long plane,
                                               long k, long kp, long pixels, float *stage, int32_t *astage);
void lab_winograd_output_gradient_pooled_avx512(const float *stage, const int32_t *astage, long kp,
                                                long tyFirst, long tyCount, long tw, long ho, long wo, long w,
                                                float *dm, long point);

/// The adjoint of Winograd's input transform, dx += B dV Bᵀ, for one block of tile rows, 16 channels
/// a vector: transformInputGradient in Swift, the same operations. pad is the channels-last padded
/// dx accumulator [hp][wp][cp]; dV is [36, `point` floats apart][tiles][cp].
void lab_winograd_input_gradient_avx512(const float *dv, long cp, long wp, long tyFirst, long tyCount, long tw, long point, float *pad);

/// DirectConv3x3SingleChannel's weight-gradient sums for two filters over one image: g0 and g1 are
/// the filters' full-resolution gradient planes (h x w), pad the image's padded rows (wp floats each).
/// acc[16 t + l] is tap t's running sum in lane l of filter f (l < 8) or f + 1 (l >= 8), continued in
/// place; the same FMA chains as the Swift SIMD8 sums. Only call when lab_cpu_has_avx512() returned 1.
void lab_direct_weight_gradient_pair_avx512(const float *pad, long wp, const float *g0, const float *g1,
                                            long h, long w, float *acc);

/// Channel planes to channels last: dst[p * cs + ch] = planes[ch * plane + p] for ch < c, p < pixels,
/// and back: planes[ch * plane + p] = src[p * cs + ch]. The elements are 4 bytes (floats or Int32s);
/// nothing else is read or written, and only bits move. With avx2 != 0 (only where the CPU has AVX2)
/// 8 x 8 blocks go through registers; otherwise one element at a time.
void lab_to_channels_last(const void *planes, long plane, long c, long pixels, void *dst, long cs, int avx2);
void lab_from_channels_last(const void *src, long cs, long c, long pixels, void *planes, long plane, int avx2);
#endif
