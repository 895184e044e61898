// bench/sgemm_peak: this machine's SGEMM peak through OpenBLAS, the independent yardstick that
// BENCHMARKS.md divides lab's executed GFLOP/s by. A peer for benchmarks only: never built by
// `swift build`, never a dependency of lab or of CI. Build and run with bench/sgemm_peak/run.sh.
//
// Usage: sgemm_peak [N] [REPEATS] [THREADS]   (defaults 2048, 5, 2). Prints the best GFLOP/s of
// REPEATS square N x N x N products after one untimed warm-up, and the kernel OpenBLAS chose.
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

extern char *openblas_get_corename(void);
extern void openblas_set_num_threads(int);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 2048, repeats = argc > 2 ? atoi(argv[2]) : 5, threads = argc > 3 ? atoi(argv[3]) : 2;
    if (n < 16 || repeats < 1 || threads < 1) { fprintf(stderr, "usage: sgemm_peak [N>=16] [REPEATS>=1] [THREADS>=1]\n"); return 2; }
    openblas_set_num_threads(threads);
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
    if (!a || !b || !c) { fprintf(stderr, "sgemm_peak: out of memory for n = %d\n", n); return 1; }
    for (long i = 0; i < (long)n * n; i++) { a[i] = 0.5f; b[i] = 0.25f; c[i] = 0; }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n); // warm-up
    double best = 0;
    for (int r = 0; r < repeats; r++) {
        double t = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
        double rate = 2.0 * n * n * (double)n / (now() - t) / 1e9;
        if (rate > best) best = rate;
    }
    printf("openblas %s kernel, sgemm %dx%dx%d, %d threads: %.1f GFLOP/s (best of %d)\n",
           openblas_get_corename(), n, n, n, threads, best, repeats);
    free(a); free(b); free(c);
    return 0;
}
