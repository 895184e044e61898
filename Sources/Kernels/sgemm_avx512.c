// SGEMM with 16-lane AVX-512 registers: the very arithmetic of GEMM.swift's AVX2 kernels, wider.
//
// Every element of C is ONE chain of fused multiply-adds over k in increasing order, started from 0
// (or from C's old value), exactly as in GEMM.swift. A lane of _mm512_fmadd_ps rounds once, as
// IEEE 754's fusedMultiplyAdd does and as an AVX2 lane or glibc's fmaf does, so the register width,
// the 8 x 32 register block and the masked tails change which elements are computed together, never
// a bit of any one of them. The file is compiled with -ffp-contract=off: every FMA is one written here.
#include "Kernels.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#include "lanes.h"

int lab_cpu_has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0; // includes the OS's XCR0 check for ZMM state
}

#define AVX512 __attribute__((target("avx512f")))

// 8 rows x 32 columns of C in 16 registers; two loads of B and eight broadcasts of A per k. Sixteen
// independent chains cover the FMA latency of both pipes (4 cycles x 2). Rows past `rows` read row 0
// and are never stored; columns past the width are masked off (no load or store touches them).
static AVX512 inline void kernel8x32(long k, const float *a, long rsA, long csA, int rows,
                                     const float *b, long rsB, float *c, long ldc, int chain,
                                     __mmask16 lo, __mmask16 hi) {
    const float *a0 = a, *a1 = rows > 1 ? a + rsA : a, *a2 = rows > 2 ? a + 2 * rsA : a, *a3 = rows > 3 ? a + 3 * rsA : a;
    const float *a4 = rows > 4 ? a + 4 * rsA : a, *a5 = rows > 5 ? a + 5 * rsA : a, *a6 = rows > 6 ? a + 6 * rsA : a;
    const float *a7 = rows > 7 ? a + 7 * rsA : a;
#define INIT(r) \
    __m512 c##r##0 = chain && rows > r ? _mm512_maskz_loadu_ps(lo, c + r * ldc) : _mm512_setzero_ps(); \
    __m512 c##r##1 = chain && rows > r ? _mm512_maskz_loadu_ps(hi, c + r * ldc + 16) : _mm512_setzero_ps();
    INIT(0) INIT(1) INIT(2) INIT(3) INIT(4) INIT(5) INIT(6) INIT(7)
#undef INIT
    long pa = 0;
    const float *pb = b;
    for (long p = 0; p < k; p++) {
        __m512 b0 = _mm512_maskz_loadu_ps(lo, pb), b1 = _mm512_maskz_loadu_ps(hi, pb + 16);
        __m512 s;
#define STEP(r) s = _mm512_set1_ps(a##r[pa]); c##r##0 = _mm512_fmadd_ps(s, b0, c##r##0); c##r##1 = _mm512_fmadd_ps(s, b1, c##r##1);
        STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
#undef STEP
        pa += csA;
        pb += rsB;
    }
#define STORE(r) if (rows > r) { _mm512_mask_storeu_ps(c + r * ldc, lo, c##r##0); _mm512_mask_storeu_ps(c + r * ldc + 16, hi, c##r##1); }
    STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6) STORE(7)
#undef STORE
}

// 8 rows x 16 columns, for slivers of at most 16 columns: the same chains, half the registers.
static AVX512 inline void kernel8x16(long k, const float *a, long rsA, long csA, int rows,
                                     const float *b, long rsB, float *c, long ldc, int chain, __mmask16 lo) {
    const float *a0 = a, *a1 = rows > 1 ? a + rsA : a, *a2 = rows > 2 ? a + 2 * rsA : a, *a3 = rows > 3 ? a + 3 * rsA : a;
    const float *a4 = rows > 4 ? a + 4 * rsA : a, *a5 = rows > 5 ? a + 5 * rsA : a, *a6 = rows > 6 ? a + 6 * rsA : a;
    const float *a7 = rows > 7 ? a + 7 * rsA : a;
#define INIT(r) __m512 c##r = chain && rows > r ? _mm512_maskz_loadu_ps(lo, c + r * ldc) : _mm512_setzero_ps();
    INIT(0) INIT(1) INIT(2) INIT(3) INIT(4) INIT(5) INIT(6) INIT(7)
#undef INIT
    long pa = 0;
    const float *pb = b;
    for (long p = 0; p < k; p++) {
        __m512 b0 = _mm512_maskz_loadu_ps(lo, pb);
#define STEP(r) c##r = _mm512_fmadd_ps(_mm512_set1_ps(a##r[pa]), b0, c##r);
        STEP(0) STEP(1) STEP(2) STEP(3) STEP(4) STEP(5) STEP(6) STEP(7)
#undef STEP
        pa += csA;
        pb += rsB;
    }
#define STORE(r) if (rows > r) _mm512_mask_storeu_ps(c + r * ldc, lo, c##r);
    STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6) STORE(7)
#undef STORE
}


// op(B)[rows p0..<p0+kk, columns j0..<j0+nn] into 32-column slivers: sliver s is kk x w, w <= 32.
static void packB(int transB, const float *b, long ldb, long p0, long kk, long j0, long nn, float *packed) {
    for (long s0 = 0; s0 < nn; s0 += 32) {
        long width = nn - s0 < 32 ? nn - s0 : 32;
        float *dst = packed + s0 * kk;
        for (long p = 0; p < kk; p++) {
            float *row = dst + p * width;
            if (transB) {
                for (long j = 0; j < width; j++) row[j] = b[(j0 + s0 + j) * ldb + p0 + p];
            } else {
                memcpy(row, b + (p0 + p) * ldb + j0 + s0, (size_t)width * sizeof(float));
            }
        }
    }
}

AVX512 void lab_sgemm_avx512(int transA, int transB, long m, long n, long k,
                             const float *a, long lda, const float *b, long ldb,
                             int accumulate, float *c, long ldc, long kBlock, long nBlock) {
    if (m <= 0 || n <= 0) return;
    if (k == 0) {
        if (!accumulate) for (long i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(float));
        return;
    }
    long rsA = transA ? 1 : lda, csA = transA ? lda : 1; // op(A)[i, p] is at a + i * rsA + p * csA
    long kc = kBlock > 0 ? kBlock : 1, nc = nBlock / 32 * 32;
    if (nc < 32) nc = 32;
    // As in GEMM.swift: a transposed B, or one whose rows lie far apart, is packed a block at a time.
    int pack = transB || ldb >= 256;
    float *packed = NULL;
    if (pack) {
        packed = malloc((size_t)(kc < k ? kc : k) * (size_t)(nc < n ? nc : n) * sizeof(float));
        if (!packed) abort(); // out of memory for at most kBlock x nBlock floats: nothing to recover
    }
    for (long p0 = 0; p0 < k; p0 += kc) {
        long kk = k - p0 < kc ? k - p0 : kc;
        int chain = accumulate || p0 > 0; // continue each element's chain from C
        for (long j0 = 0; j0 < n; j0 += nc) {
            long nn = n - j0 < nc ? n - j0 : nc;
            if (pack) packB(transB, b, ldb, p0, kk, j0, nn, packed);
            // One sliver of B (kk x 32) stays in L1 while every row block of A passes over it.
            for (long s0 = 0; s0 < nn; s0 += 32) {
                long width = nn - s0 < 32 ? nn - s0 : 32;
                const float *bs = pack ? packed + s0 * kk : b + p0 * ldb + j0 + s0;
                long rsB = pack ? width : ldb;
                __mmask16 lo = lab_first_lanes(width), hi = lab_first_lanes(width > 16 ? width - 16 : 0);
                for (long i0 = 0; i0 < m; i0 += 8) {
                    int rows = m - i0 < 8 ? (int)(m - i0) : 8;
                    const float *as = a + i0 * rsA + p0 * csA;
                    float *cs = c + i0 * ldc + j0 + s0;
                    if (width > 16) kernel8x32(kk, as, rsA, csA, rows, bs, rsB, cs, ldc, chain, lo, hi);
                    else kernel8x16(kk, as, rsA, csA, rows, bs, rsB, cs, ldc, chain, lo);
                }
            }
        }
    }
    free(packed);
}

#else
int lab_cpu_has_avx512(void) { return 0; }
void lab_sgemm_avx512(int transA, int transB, long m, long n, long k, const float *a, long lda, const float *b, long ldb,
                      int accumulate, float *c, long ldc, long kBlock, long nBlock) { abort(); }
#endif
