// Winograd F(4x4, 3x3)'s pooled output transform on 16 lanes (16 channels per vector): the same
// additions in the same order as WinogradTransforms.swift's outputTile and maxPoolReLU, which run
// 8 channels per vector. Each channel is its own lane, so the width changes no bit.
// Compiled with -ffp-contract=off: no multiply and add below is fused.
#include "Kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#define AVX512 __attribute__((target("avx512f")))

// Aᵀ x (6 -> 4) with Aᵀ = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],[0,1,-1,8,-8,1]], as Six.at():
// (x0 + p12) + p34, m12 + 2 m34, p12 + 4 p34, (m12 + 8 m34) + x5.
static AVX512 inline void at(__m512 x0, __m512 x1, __m512 x2, __m512 x3, __m512 x4, __m512 x5,
                             __m512 *r0, __m512 *r1, __m512 *r2, __m512 *r3) {
    __m512 p12 = _mm512_add_ps(x1, x2), m12 = _mm512_sub_ps(x1, x2), p34 = _mm512_add_ps(x3, x4), m34 = _mm512_sub_ps(x3, x4);
    *r0 = _mm512_add_ps(_mm512_add_ps(x0, p12), p34);
    *r1 = _mm512_add_ps(m12, _mm512_mul_ps(_mm512_set1_ps(2), m34));
    *r2 = _mm512_add_ps(p12, _mm512_mul_ps(_mm512_set1_ps(4), p34));
    *r3 = _mm512_add_ps(_mm512_add_ps(m12, _mm512_mul_ps(_mm512_set1_ps(8), m34)), x5);
}

AVX512 void lab_winograd_output_pooled_avx512(const float *m, long point, long kp, long k, long tyFirst, long tyCount,
                                              long tw, long ho, long wo, long w, const float *bias,
                                              float *y, int32_t *argmax, long plane) {
    const __m512 zero = _mm512_setzero_ps(), minusInf = _mm512_set1_ps(-__builtin_inff());
    const __m512i lanePlanes = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                  _mm512_set1_epi32((int)plane));
    for (long ty = tyFirst; ty < tyFirst + tyCount; ty++) {
        for (long tx = 0; tx < tw; tx++) {
            const float *tile = m + ((ty - tyFirst) * tw + tx) * kp;
            for (long k0 = 0; k0 < kp; k0 += 16) {
                long lanes = k - k0 < 16 ? k - k0 : 16;
                __mmask16 lm = lanes == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << lanes) - 1u);
                // Lanes past kp read the next tile's channels or the point's 16-float padding: in
                // bounds, computed, never stored.
                const float *src = tile + k0;
                __m512 bk = _mm512_maskz_loadu_ps(lm, bias + k0);
                __m512 t[24], out[16];
                for (int j = 0; j < 6; j++) { // Aᵀ down each column of M: 6 rows -> 4
                    const float *col = src + j * point;
                    at(_mm512_loadu_ps(col), _mm512_loadu_ps(col + 6 * point), _mm512_loadu_ps(col + 12 * point),
                       _mm512_loadu_ps(col + 18 * point), _mm512_loadu_ps(col + 24 * point), _mm512_loadu_ps(col + 30 * point),
                       &t[j], &t[6 + j], &t[12 + j], &t[18 + j]);
                }
                for (int i = 0; i < 4; i++) { // then along each row: 6 columns -> 4, plus bias
                    __m512 r0, r1, r2, r3;
                    at(t[6 * i], t[6 * i + 1], t[6 * i + 2], t[6 * i + 3], t[6 * i + 4], t[6 * i + 5], &r0, &r1, &r2, &r3);
                    out[4 * i] = _mm512_add_ps(r0, bk); out[4 * i + 1] = _mm512_add_ps(r1, bk);
                    out[4 * i + 2] = _mm512_add_ps(r2, bk); out[4 * i + 3] = _mm512_add_ps(r3, bk);
                }
                for (int a = 0; a < 2; a++) {
                    long py = 2 * ty + a;
                    if (py >= ho) continue;
                    for (int c = 0; c < 2; c++) {
                        long px = 2 * tx + c;
                        if (px >= wo) continue;
                        const __m512 *q = out + 8 * a + 2 * c; // its 2x2 window: q[0], q[1], q[4], q[5]
                        // MaxPool2D's scan: strict >, from -inf; then ReLU's x >= 0 ? x : 0.
                        __m512i base = _mm512_set1_epi32((int)(2 * py * w + 2 * px)), at = base;
                        __m512 best = minusInf;
                        __mmask16 better = _mm512_cmp_ps_mask(q[0], best, _CMP_GT_OQ);
                        best = _mm512_mask_mov_ps(best, better, q[0]);
                        better = _mm512_cmp_ps_mask(q[1], best, _CMP_GT_OQ);
                        best = _mm512_mask_mov_ps(best, better, q[1]);
                        at = _mm512_mask_mov_epi32(at, better, _mm512_add_epi32(base, _mm512_set1_epi32(1)));
                        better = _mm512_cmp_ps_mask(q[4], best, _CMP_GT_OQ);
                        best = _mm512_mask_mov_ps(best, better, q[4]);
                        at = _mm512_mask_mov_epi32(at, better, _mm512_add_epi32(base, _mm512_set1_epi32((int)w)));
                        better = _mm512_cmp_ps_mask(q[5], best, _CMP_GT_OQ);
                        best = _mm512_mask_mov_ps(best, better, q[5]);
                        at = _mm512_mask_mov_epi32(at, better, _mm512_add_epi32(base, _mm512_set1_epi32((int)w + 1)));
                        __m512 v = _mm512_mask_mov_ps(zero, _mm512_cmp_ps_mask(best, zero, _CMP_GE_OQ), best);
                        long offset = k0 * plane + py * wo + px;
                        _mm512_mask_i32scatter_ps(y + offset, lm, lanePlanes, v, 4);
                        if (argmax) _mm512_mask_i32scatter_epi32(argmax + offset, lm, lanePlanes, at, 4);
                    }
                }
            }
        }
    }
}
#else
void lab_winograd_output_pooled_avx512(const float *m, long point, long kp, long k, long tyFirst, long tyCount,
                                       long tw, long ho, long wo, long w, const float *bias,
                                       float *y, int32_t *argmax, long plane) { abort(); }
#endif
