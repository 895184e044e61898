// The start-up check that keeps `lab` from dying of an illegal instruction: Core is compiled for
// Haswell (x86-64-v3: AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE, and the SSE3-4.2, CX16 and LAHF it
// implies), so we ask CPUID first.
#include "CPUCheck.h"
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>

static char missing[256];
static char brand[49];

static void note(int ok, const char *name) {
    if (ok) return;
    if (missing[0]) strcat(missing, " ");
    strcat(missing, name);
}

const char *lab_missing_cpu_features(void) {
    unsigned a, b, c, d;
    missing[0] = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) { strcpy(missing, "cpuid"); return missing; }
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    // The OS must save the YMM registers (XCR0 bits 1 and 2) for AVX to be usable.
    int ymm = 0;
    if (osxsave) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        ymm = (lo & 6) == 6;
    }
    note(avx && ymm, "avx");
    note(c & 1, "sse3");
    note((c >> 9) & 1, "ssse3");
    note((c >> 13) & 1, "cx16");
    note((c >> 19) & 1, "sse4.1");
    note((c >> 20) & 1, "sse4.2");
    note((c >> 12) & 1, "fma");
    note((c >> 22) & 1, "movbe");
    note((c >> 23) & 1, "popcnt");
    note((c >> 29) & 1, "f16c");
    unsigned b7 = 0;
    if (__get_cpuid_max(0, 0) >= 7) { __cpuid_count(7, 0, a, b7, c, d); }
    note((b7 >> 5) & 1, "avx2");
    note((b7 >> 3) & 1, "bmi1");
    note((b7 >> 8) & 1, "bmi2");
    unsigned c81 = 0;
    if (__get_cpuid(0x80000001, &a, &b, &c81, &d)) {
        note((c81 >> 5) & 1, "lzcnt");
        note(c81 & 1, "lahf");
    } else {
        note(0, "lzcnt");
    }
    return missing;
}

const char *lab_cpu_brand(void) {
    unsigned r[12];
    if (__get_cpuid_max(0x80000000, 0) < 0x80000004) return "";
    for (unsigned i = 0; i < 3; i++) __get_cpuid(0x80000002 + i, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2], &r[4 * i + 3]);
    memcpy(brand, r, 48);
    brand[48] = 0;
    char *s = brand;
    while (*s == ' ') s++;
    return s;
}
#else
const char *lab_missing_cpu_features(void) { return ""; }
const char *lab_cpu_brand(void) { return ""; }
#endif
