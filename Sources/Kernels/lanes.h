// What the AVX-512 kernels share, written once so they cannot drift apart: the mask of a row's
// first n lanes, and MaxPool2D's scan of a 2x2 window followed by ReLU, exactly as MaxPool2D.swift
// and ReLU do it (strict >, from -inf, in the order top-left, top-right, bottom-left, bottom-right;
// then x >= 0 ? x : 0). Included by the kernels' .c files only.
#ifndef LAB_LANES_H
#define LAB_LANES_H
#include <immintrin.h>

/// The first n of 16 lanes (all 16 for n >= 16).
static inline __attribute__((target("avx512f"))) __mmask16 lab_first_lanes(long n) {
    return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n) - 1u);
}

/// relu(max of the window), 16 lanes; `*at` gets the winner's flat index: `base` for top-left, then
/// base + 1, base + w, base + w + 1.
static inline __attribute__((target("avx512f"))) __m512 lab_pool2x2_relu(__m512 tl, __m512 tr, __m512 bl, __m512 br,
                                                                          __m512i base, long w, __m512i *at) {
    __m512 best = _mm512_set1_ps(-__builtin_inff());
    __m512i index = base;
    __mmask16 better = _mm512_cmp_ps_mask(tl, best, _CMP_GT_OQ);
    best = _mm512_mask_mov_ps(best, better, tl);
    better = _mm512_cmp_ps_mask(tr, best, _CMP_GT_OQ);
    best = _mm512_mask_mov_ps(best, better, tr);
    index = _mm512_mask_mov_epi32(index, better, _mm512_add_epi32(base, _mm512_set1_epi32(1)));
    better = _mm512_cmp_ps_mask(bl, best, _CMP_GT_OQ);
    best = _mm512_mask_mov_ps(best, better, bl);
    index = _mm512_mask_mov_epi32(index, better, _mm512_add_epi32(base, _mm512_set1_epi32((int)w)));
    better = _mm512_cmp_ps_mask(br, best, _CMP_GT_OQ);
    best = _mm512_mask_mov_ps(best, better, br);
    index = _mm512_mask_mov_epi32(index, better, _mm512_add_epi32(base, _mm512_set1_epi32((int)w + 1)));
    *at = index;
    const __m512 zero = _mm512_setzero_ps();
    return _mm512_mask_mov_ps(zero, _mm512_cmp_ps_mask(best, zero, _CMP_GE_OQ), best);
}
#endif
