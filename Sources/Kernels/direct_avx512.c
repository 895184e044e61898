// The first layer's direct 3x3 convolution, fused with 2x2 max-pool and ReLU, on 16 lanes: the very
// sums of DirectConv.swift's 8-lane pooledRows, twice as many outputs per instruction. Every output
// is its own chain (bias, then taps 0...8 as FMAs), so the width changes no bit. Compiled with
// -ffp-contract=off: every FMA is one written here.
#include "Kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include "lanes.h"
#define AVX512 __attribute__((target("avx512f")))

AVX512 void lab_direct_pooled_avx512(const float *split, long wq, long ho, long wo, long w, long k,
                                     const float *weight, const float *bias, float *y, int32_t *argmax, long yPlane) {
    const __m512i lane2 = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (long py = 0; py < ho; py++) {
        const float *rows = split + 4 * py * wq; // padded row 2py: the top tap row of output row 2py
        for (long q0 = 0; q0 < wo; q0 += 16) {
            long count = wo - q0 < 16 ? wo - q0 : 16;
            __mmask16 m = lab_first_lanes(count);
            for (long f = 0; f < k; f++) {
                const float *wf = weight + 9 * f;
                __m512 te = _mm512_set1_ps(bias[f]), to = te, be = te, bo = te;
                for (int ky = 0; ky < 3; ky++) {
                    const float *top = rows + 2 * ky * wq + q0, *bottom = top + 2 * wq;
                    __m512 w0 = _mm512_set1_ps(wf[3 * ky]), w1 = _mm512_set1_ps(wf[3 * ky + 1]), w2 = _mm512_set1_ps(wf[3 * ky + 2]);
                    // Input column 2q + kx is even[q + kx/2] for even kx, odd[q + (kx-1)/2] for odd kx.
                    __m512 t0 = _mm512_maskz_loadu_ps(m, top), t1 = _mm512_maskz_loadu_ps(m, top + wq);
                    __m512 t2 = _mm512_maskz_loadu_ps(m, top + 1), t3 = _mm512_maskz_loadu_ps(m, top + wq + 1);
                    __m512 b0 = _mm512_maskz_loadu_ps(m, bottom), b1 = _mm512_maskz_loadu_ps(m, bottom + wq);
                    __m512 b2 = _mm512_maskz_loadu_ps(m, bottom + 1), b3 = _mm512_maskz_loadu_ps(m, bottom + wq + 1);
                    te = _mm512_fmadd_ps(w0, t0, te); te = _mm512_fmadd_ps(w1, t1, te); te = _mm512_fmadd_ps(w2, t2, te);
                    to = _mm512_fmadd_ps(w0, t1, to); to = _mm512_fmadd_ps(w1, t2, to); to = _mm512_fmadd_ps(w2, t3, to);
                    be = _mm512_fmadd_ps(w0, b0, be); be = _mm512_fmadd_ps(w1, b1, be); be = _mm512_fmadd_ps(w2, b2, be);
                    bo = _mm512_fmadd_ps(w0, b1, bo); bo = _mm512_fmadd_ps(w1, b2, bo); bo = _mm512_fmadd_ps(w2, b3, bo);
                }
                __m512i base = _mm512_add_epi32(_mm512_set1_epi32((int)(2 * py * w + 2 * q0)), lane2), at;
                __m512 v = lab_pool2x2_relu(te, to, be, bo, base, w, &at);
                long offset = f * yPlane + py * wo + q0;
                _mm512_mask_storeu_ps(y + offset, m, v);
                if (argmax) _mm512_mask_storeu_epi32(argmax + offset, m, at);
            }
        }
    }
}

// Two filters' weight-gradient sums over one image, side by side in one register: lanes 0-7 are
// filter f's eight running sums of DirectConv.swift's weightGradient, lanes 8-15 filter f+1's. Each
// lane is the same FMA chain as its SIMD8 lane in Swift (a tail's missing columns are zeros in d),
// so the bits are those of two SIMD8 passes. acc holds the nine taps' registers, 16 floats each.
AVX512 void lab_direct_weight_gradient_pair_avx512(const float *pad, long wp, const float *g0, const float *g1,
                                                   long h, long w, float *acc) {
    __m512 a[9];
    for (int t = 0; t < 9; t++) a[t] = _mm512_loadu_ps(acc + 16 * t);
    for (long r = 0; r < h; r++) {
        const float *top = pad + r * wp, *d0 = g0 + r * w, *d1 = g1 + r * w;
        for (long x0 = 0; x0 < w; x0 += 8) {
            long lanes = w - x0 < 8 ? w - x0 : 8;
            __mmask16 m = lab_first_lanes(lanes);
            // Lanes 0-7 from filter f's row, lanes 8-15 from filter f+1's (the mask keeps the load in its row).
            __m512 d = _mm512_maskz_loadu_ps(m, d0 + x0);
            d = _mm512_mask_loadu_ps(d, (__mmask16)(m << 8), d1 + x0 - 8);
            for (int ky = 0; ky < 3; ky++) for (int kx = 0; kx < 3; kx++) {
                __m256 s = _mm256_loadu_ps(top + ky * wp + x0 + kx);
                __m512 ss = _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(s)), _mm256_castps_pd(s), 1));
                a[3 * ky + kx] = _mm512_fmadd_ps(d, ss, a[3 * ky + kx]);
            }
        }
    }
    for (int t = 0; t < 9; t++) _mm512_storeu_ps(acc + 16 * t, a[t]);
}
#else
void lab_direct_weight_gradient_pair_avx512(const float *pad, long wp, const float *g0, const float *g1,
                                            long h, long w, float *acc) { abort(); }
void lab_direct_pooled_avx512(const float *split, long wq, long ho, long wo, long w, long k,
                              const float *weight, const float *bias, float *y, int32_t *argmax, long yPlane) { abort(); }
#endif
