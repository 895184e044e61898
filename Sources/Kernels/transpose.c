// Channel planes to channels last and back, for the avx2 and baseline paths (the avx512 path has
// its own, 16 x 16, in winograd_avx512.c). Only moves 4-byte elements (floats, or argmax Int32s):
// no arithmetic, so no path can differ. Both walk 8 channels at a time, and within them the pixels
// in order, so each of the 8 planes is read or written as one run; going pixel by pixel touched 8
// planes a multiple of 4 KiB apart, all on one L1 set, on every step.
#include "Kernels.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

#if defined(__x86_64__)
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2")))

// r[i][j] -> r[j][i] for an 8 x 8 block of floats, in registers.
static AVX2 inline void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) { t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]); t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]); }
    for (int i = 0; i < 2; i++) { // rows 4i ... 4i + 3, four columns per 128-bit half
        u[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44); u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44); u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) { r[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20); r[4 + j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31); }
}

static AVX2 inline __m256i firstLanes(long n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// dst[j * ds + i] = src[i * rs + j] for i < rows, j < cols (both at most 8); nothing else is read or
// written. Masked only where a block is ragged: AMD's masked 256-bit store is microcoded and slow.
static AVX2 inline void block8(const float *src, long rs, long rows, long cols, float *dst, long ds) {
    __m256 r[8];
    if (cols == 8) {
        for (long i = 0; i < 8; i++) r[i] = i < rows ? _mm256_loadu_ps(src + i * rs) : _mm256_setzero_ps();
    } else {
        __m256i cm = firstLanes(cols);
        for (long i = 0; i < 8; i++) r[i] = i < rows ? _mm256_maskload_ps(src + i * rs, cm) : _mm256_setzero_ps();
    }
    transpose8(r);
    if (rows == 8) {
        for (long j = 0; j < cols; j++) _mm256_storeu_ps(dst + j * ds, r[j]);
    } else {
        __m256i rm = firstLanes(rows);
        for (long j = 0; j < cols; j++) _mm256_maskstore_ps(dst + j * ds, rm, r[j]);
    }
}
#endif

// The same block, one element at a time (the baseline build, and CPUs without AVX2).
static void block1(const float *src, long rs, long rows, long cols, float *dst, long ds) {
    for (long j = 0; j < cols; j++)
        for (long i = 0; i < rows; i++) dst[j * ds + i] = src[i * rs + j];
}

static void blocks(const float *src, long rs, long rows, long cols, float *dst, long ds, int planesAreRows, int avx2) {
    // 8 channels outermost, whichever side they are the rows of.
    long outer = planesAreRows ? rows : cols, inner = planesAreRows ? cols : rows;
    for (long o = 0; o < outer; o += 8)
        for (long q = 0; q < inner; q += 8) {
            long i0 = planesAreRows ? o : q, j0 = planesAreRows ? q : o;
            const float *from = src + i0 * rs + j0;
            float *to = dst + j0 * ds + i0;
#if defined(__x86_64__)
            if (avx2) { block8(from, rs, MIN(8, rows - i0), MIN(8, cols - j0), to, ds); continue; }
#endif
            block1(from, rs, MIN(8, rows - i0), MIN(8, cols - j0), to, ds);
        }
}

void lab_to_channels_last(const void *planes, long plane, long c, long pixels, void *dst, long cs, int avx2) {
    blocks((const float *)planes, plane, c, pixels, (float *)dst, cs, 1, avx2);
}

void lab_from_channels_last(const void *src, long cs, long c, long pixels, void *planes, long plane, int avx2) {
    blocks((const float *)src, cs, pixels, c, (float *)planes, plane, 0, avx2);
}
