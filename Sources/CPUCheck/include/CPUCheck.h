#ifndef CPUCHECK_H
#define CPUCHECK_H
/// Names of the x86-64-v3 features (AVX2, FMA, ...) this CPU or its OS lacks, space-separated, or ""
/// when it has them all. Compiled for the baseline x86-64, so it runs on any CPU.
const char *lab_missing_cpu_features(void);
/// The CPU's brand string, e.g. "AMD EPYC 7B13 64-Core Processor", or "" when unknown.
const char *lab_cpu_brand(void);
#endif
