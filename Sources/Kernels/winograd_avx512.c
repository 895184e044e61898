// Winograd F(4x4, 3x3)'s pooled output transform on 16 lanes (16 channels per vector): the same
// additions in the same order as WinogradTransforms.swift's outputTile and maxPoolReLU, which run
// 8 channels per vector. Each channel is its own lane, so the width changes no bit.
// Compiled with -ffp-contract=off: no multiply and add below is fused.
#include "Kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include "lanes.h"
#define AVX512 __attribute__((target("avx512f")))

// r[i][j] -> r[j][i] for a 16 x 16 block of floats, in registers. Moves bits only.
static AVX512 inline void transpose16(__m512 r[16]) {
    __m512 t[16], u[16], v[16];
    for (int i = 0; i < 8; i++) { t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]); t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]); }
    for (int i = 0; i < 4; i++) {
        __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
        __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
        u[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c)); u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d)); u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int i = 0; i < 2; i++) for (int j = 0; j < 4; j++) {
        v[8 * i + j] = _mm512_shuffle_f32x4(u[8 * i + j], u[8 * i + 4 + j], 0x88);
        v[8 * i + 4 + j] = _mm512_shuffle_f32x4(u[8 * i + j], u[8 * i + 4 + j], 0xdd);
    }
    for (int j = 0; j < 8; j++) { r[j] = _mm512_shuffle_f32x4(v[j], v[8 + j], 0x88); r[8 + j] = _mm512_shuffle_f32x4(v[j], v[8 + j], 0xdd); }
}

// A block of 16 x 16 from rows `rs` floats apart (the first `rows` rows, the first `cols` columns of
// each) to its transpose at rows `ds` floats apart (the first `cols` rows, `rows` columns of each).
// Everything outside is neither read nor written. Moves bits only.
static AVX512 inline void transposeBlock(const float *src, long rs, long rows, long cols, float *dst, long ds) {
    __m512 r[16];
    __mmask16 cm = lab_first_lanes(cols), rm = lab_first_lanes(rows);
    for (long i = 0; i < 16; i++) r[i] = i < rows ? _mm512_maskz_loadu_ps(cm, src + i * rs) : _mm512_setzero_ps();
    transpose16(r);
    for (long j = 0; j < cols; j++) _mm512_mask_storeu_ps(dst + j * ds, rm, r[j]);
}

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

// The staged pooled block, channels last ([pixel][kp], pixels from pooled row py0 on), into its
// channel planes, 16 pixels x 16 channels a block (argmax as its bits). Moves bits only.
static AVX512 void unstage(const float *stage, const int32_t *astage, long kp, long k, long pixels,
                           float *y, int32_t *argmax, long plane) {
    for (long c0 = 0; c0 < k; c0 += 16) {
        long lanes = k - c0 < 16 ? k - c0 : 16;
        for (long p0 = 0; p0 < pixels; p0 += 16) {
            long n = pixels - p0 < 16 ? pixels - p0 : 16;
            transposeBlock(stage + p0 * kp + c0, kp, n, lanes, y + c0 * plane + p0, plane);
            if (argmax) transposeBlock((const float *)(astage + p0 * kp + c0), kp, n, lanes, (float *)(argmax + c0 * plane + p0), plane);
        }
    }
}

AVX512 void lab_winograd_output_pooled_avx512(const float *m, long point, long kp, long k, long tyFirst, long tyCount,
                                              long tw, long ho, long wo, long w, const float *bias,
                                              float *y, int32_t *argmax, long plane, float *stage, int32_t *astage) {
    const long py0 = 2 * tyFirst;
    for (long ty = tyFirst; ty < tyFirst + tyCount; ty++) {
        for (long tx = 0; tx < tw; tx++) {
            const float *tile = m + ((ty - tyFirst) * tw + tx) * kp;
            for (long k0 = 0; k0 < kp; k0 += 16) {
                long lanes = k - k0 < 16 ? k - k0 : 16;
                __mmask16 lm = lab_first_lanes(lanes);
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
                        __m512i at;
                        __m512 v = lab_pool2x2_relu(q[0], q[1], q[4], q[5], _mm512_set1_epi32((int)(2 * py * w + 2 * px)), w, &at);
                        // Staged channels last: scattering 16 lanes straight to 16 planes put them
                        // on one L1 set (a plane is a multiple of 4 KiB at batch 32) and missed every time.
                        long offset = ((py - py0) * wo + px) * kp + k0;
                        _mm512_mask_storeu_ps(stage + offset, lm, v);
                        if (argmax) _mm512_mask_storeu_epi32(astage + offset, lm, at);
                    }
                }
            }
        }
    }
    long pyEnd = 2 * (tyFirst + tyCount) < ho ? 2 * (tyFirst + tyCount) : ho;
    if (pyEnd > py0) unstage(stage, astage, kp, k, (pyEnd - py0) * wo, y + py0 * wo, argmax ? argmax + py0 * wo : NULL, plane);
}

// Image b's channel planes into the channels-last padded buffer, and back, 16 channels x 16 columns
// a block: full-vector loads and stores on both sides (gathering 16 channels of one pixel read 16
// planes a multiple of 4 KiB apart, all on one L1 set). Moves bits only.
// toPad: planes -> pad (load); else pad -> planes (store).
static AVX512 void copyImage(float *planes, long plane, long c, long cp, long h, long w, long wp, float *pad, int toPad) {
    for (long c0 = 0; c0 < c; c0 += 16) {
        long lanes = c - c0 < 16 ? c - c0 : 16;
        for (long r = 0; r < h; r++) {
            for (long col = 0; col < w; col += 16) {
                long n = w - col < 16 ? w - col : 16;
                float *p = planes + c0 * plane + r * w + col, *q = pad + ((r + 1) * wp + 1 + col) * cp + c0;
                if (toPad) transposeBlock(p, plane, lanes, n, q, cp); else transposeBlock(q, cp, n, lanes, p, plane);
            }
        }
    }
}

AVX512 void lab_winograd_load_image_avx512(const float *x, long plane, long c, long cp, long h, long w, long wp, float *pad) {
    copyImage((float *)x, plane, c, cp, h, w, wp, pad, 1); // x is only read in this direction
}

AVX512 void lab_winograd_store_image_avx512(const float *pad, long plane, long c, long cp, long h, long w, long wp, float *dx) {
    copyImage(dx, plane, c, cp, h, w, wp, (float *)pad, 0); // pad is only read in this direction
}

// A x (4 -> 6), the adjoint of Aᵀ, as Six.a in Swift: even = y0 + y2, odd = y1 + y3, even4 = y0 + 4 y2,
// odd8 = 2 y1 + 8 y3; (y0, even + odd, even - odd, even4 + odd8, even4 - odd8, y3).
static AVX512 inline void a6(__m512 y0, __m512 y1, __m512 y2, __m512 y3, __m512 r[6]) {
    __m512 even = _mm512_add_ps(y0, y2), odd = _mm512_add_ps(y1, y3);
    __m512 even4 = _mm512_add_ps(y0, _mm512_mul_ps(_mm512_set1_ps(4), y2));
    __m512 odd8 = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(2), y1), _mm512_mul_ps(_mm512_set1_ps(8), y3));
    r[0] = y0; r[1] = _mm512_add_ps(even, odd); r[2] = _mm512_sub_ps(even, odd);
    r[3] = _mm512_add_ps(even4, odd8); r[4] = _mm512_sub_ps(even4, odd8); r[5] = y3;
}

// Image b's pooled gradient, argmax and ReLU output (planes `plane` apart, `pixels` each) into
// channels last ([pixel][kp]), the ReLU's backward applied on the way (relu > 0 ? dy : 0), as
// MaxPool2D.backward(_:throughReLUOf:) applies it.
AVX512 void lab_winograd_stage_pooled_gradient_avx512(const float *dy, const int32_t *argmax, const float *relu, long plane,
                                                      long k, long kp, long pixels, float *stage, int32_t *astage) {
    const __m512 zero = _mm512_setzero_ps();
    for (long c0 = 0; c0 < k; c0 += 16) {
        long lanes = k - c0 < 16 ? k - c0 : 16;
        for (long p0 = 0; p0 < pixels; p0 += 16) {
            long n = pixels - p0 < 16 ? pixels - p0 : 16;
            __mmask16 pm = lab_first_lanes(n);
            __m512 r[16], a[16];
            for (long i = 0; i < 16; i++) {
                if (i < lanes) {
                    long at = (c0 + i) * plane + p0;
                    __m512 g = _mm512_maskz_loadu_ps(pm, dy + at), out = _mm512_maskz_loadu_ps(pm, relu + at);
                    r[i] = _mm512_mask_mov_ps(zero, _mm512_cmp_ps_mask(out, zero, _CMP_GT_OQ), g);
                    a[i] = _mm512_castsi512_ps(_mm512_maskz_loadu_epi32(pm, argmax + at));
                } else {
                    r[i] = zero; a[i] = zero;
                }
            }
            transpose16(r);
            transpose16(a);
            __mmask16 cm = lab_first_lanes(lanes);
            for (long j = 0; j < n; j++) {
                _mm512_mask_storeu_ps(stage + (p0 + j) * kp + c0, cm, r[j]);
                _mm512_mask_storeu_ps((float *)(astage + (p0 + j) * kp + c0), cm, a[j]);
            }
        }
    }
}

// dM_p = A dy_p Aᵀ for one block, dy_p rebuilt from the staged pooled gradient: each 2x2 window's
// value lands at its argmax as 0 + value (the pool's backward adds it to a zeroed map), every other
// position of the 4x4 tile is 0. The transform is transformOutputGradient's, 16 channels a vector.
AVX512 void lab_winograd_output_gradient_pooled_avx512(const float *stage, const int32_t *astage, long kp,
                                                       long tyFirst, long tyCount, long tw, long ho, long wo, long w,
                                                       float *dm, long point) {
    const __m512 zero = _mm512_setzero_ps();
    for (long ty = tyFirst; ty < tyFirst + tyCount; ty++) {
        for (long tx = 0; tx < tw; tx++) {
            float *out = dm + ((ty - tyFirst) * tw + tx) * kp;
            for (long k0 = 0; k0 < kp; k0 += 16) {
                __mmask16 km = lab_first_lanes(kp - k0);
                __m512 grad[16], rowsA[24];
                for (int i = 0; i < 16; i++) grad[i] = zero;
                for (int a = 0; a < 2; a++) {
                    long py = 2 * ty + a;
                    if (py >= ho) continue;
                    for (int c = 0; c < 2; c++) {
                        long px = 2 * tx + c;
                        if (px >= wo) continue;
                        long at = (py * wo + px) * kp + k0;
                        __m512 v = _mm512_add_ps(zero, _mm512_maskz_loadu_ps(km, stage + at));
                        __m512i where = _mm512_maskz_loadu_epi32(km, astage + at);
                        for (int da = 0; da < 2; da++) for (int dc = 0; dc < 2; dc++) {
                            __m512i pos = _mm512_set1_epi32((int)((2 * py + da) * w + 2 * px + dc));
                            grad[(2 * a + da) * 4 + 2 * c + dc] = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(where, pos), v);
                        }
                    }
                }
                for (int i = 0; i < 4; i++) a6(grad[4 * i], grad[4 * i + 1], grad[4 * i + 2], grad[4 * i + 3], rowsA + 6 * i);
                for (int j = 0; j < 6; j++) {
                    __m512 r[6];
                    a6(rowsA[j], rowsA[6 + j], rowsA[12 + j], rowsA[18 + j], r);
                    for (int i = 0; i < 6; i++) _mm512_mask_storeu_ps(out + k0 + (6 * i + j) * point, km, r[i]);
                }
            }
        }
    }
}

static AVX512 inline __m512 mul(float a, __m512 x) { return _mm512_mul_ps(_mm512_set1_ps(a), x); }

// B x as Six.b() in Swift: p12 = x1 + x2, p34 = x3 + x4; (4 x0, 4 ((x2 - x1) + x5) + 2 (x4 - x3),
// (-5 x0 - 4 p12) - p34, ((x1 - x2) + 2 (x3 - x4)) - 5 x5, (x0 + p12) + p34, x5).
static AVX512 inline void b6(const __m512 x[6], __m512 r[6]) {
    __m512 p12 = _mm512_add_ps(x[1], x[2]), p34 = _mm512_add_ps(x[3], x[4]);
    r[0] = mul(4, x[0]);
    r[1] = _mm512_add_ps(mul(4, _mm512_add_ps(_mm512_sub_ps(x[2], x[1]), x[5])), mul(2, _mm512_sub_ps(x[4], x[3])));
    r[2] = _mm512_sub_ps(_mm512_sub_ps(mul(-5, x[0]), mul(4, p12)), p34);
    r[3] = _mm512_sub_ps(_mm512_add_ps(_mm512_sub_ps(x[1], x[2]), mul(2, _mm512_sub_ps(x[3], x[4]))), mul(5, x[5]));
    r[4] = _mm512_add_ps(_mm512_add_ps(x[0], p12), p34);
    r[5] = x[5];
}

// dx_patch += B dV_p Bᵀ into the channels-last dx accumulator: transformInputGradient's operations.
AVX512 void lab_winograd_input_gradient_avx512(const float *dv, long cp, long wp, long tyFirst, long tyCount, long tw,
                                               long point, float *pad) {
    for (long ty = tyFirst; ty < tyFirst + tyCount; ty++) {
        for (long tx = 0; tx < tw; tx++) {
            const float *src = dv + ((ty - tyFirst) * tw + tx) * cp;
            float *patch = pad + (4 * ty * wp + 4 * tx) * cp;
            for (long c0 = 0; c0 < cp; c0 += 16) {
                __mmask16 m = lab_first_lanes(cp - c0);
                __m512 t[36];
                for (int i = 0; i < 6; i++) { // B along each row of dV...
                    __m512 x[6];
                    for (int j = 0; j < 6; j++) x[j] = _mm512_maskz_loadu_ps(m, src + (6 * i + j) * point + c0);
                    b6(x, t + 6 * i);
                }
                for (int j = 0; j < 6; j++) { // ...then down each column, added into the patch.
                    __m512 x[6], r[6];
                    for (int i = 0; i < 6; i++) x[i] = t[6 * i + j];
                    b6(x, r);
                    for (int i = 0; i < 6; i++) {
                        float *dst = patch + (i * wp + j) * cp + c0;
                        _mm512_mask_storeu_ps(dst, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst), r[i]));
                    }
                }
            }
        }
    }
}
#else
void lab_winograd_output_pooled_avx512(const float *m, long point, long kp, long k, long tyFirst, long tyCount,
                                       long tw, long ho, long wo, long w, const float *bias,
                                       float *y, int32_t *argmax, long plane, float *stage, int32_t *astage) { abort(); }
void lab_winograd_stage_pooled_gradient_avx512(const float *dy, const int32_t *argmax, const float *relu, long plane,
                                               long k, long kp, long pixels, float *stage, int32_t *astage) { abort(); }
void lab_winograd_output_gradient_pooled_avx512(const float *stage, const int32_t *astage, long kp,
                                                long tyFirst, long tyCount, long tw, long ho, long wo, long w,
                                                float *dm, long point) { abort(); }
void lab_winograd_input_gradient_avx512(const float *dv, long cp, long wp, long tyFirst, long tyCount, long tw, long point, float *pad) { abort(); }
void lab_winograd_load_image_avx512(const float *x, long plane, long c, long cp, long h, long w, long wp, float *pad) { abort(); }
void lab_winograd_store_image_avx512(const float *pad, long plane, long c, long cp, long h, long w, long wp, float *dx) { abort(); }
#endif

