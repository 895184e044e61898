import CPUCheck
import Foundation
import Core
import Lab

// Core is compiled for x86-64-v3. Check the CPU before any of it runs, so an older CPU gets one clear
// line instead of an illegal instruction. (The baseline build, `make baseline-check`, runs anywhere.)
// Only plain C calls here: a generic specialization (e.g. Data(String.utf8)) may be shared with, and
// linked from, a module compiled for AVX2, which is what crashed under `qemu-x86_64 -cpu Nehalem`.
#if arch(x86_64) && !LAB_BASELINE
if lab_missing_cpu_features().pointee != 0 {
    fputs("error: this lab binary needs an x86-64-v3 CPU (AVX2 and FMA: Intel Haswell, AMD Zen or later); this CPU lacks: ", stderr)
    fputs(lab_missing_cpu_features(), stderr)
    fputs(".\nhint: build the portable (slower) baseline with `LAB_BASELINE=1 swift build -c release --manifest-cache none`\n", stderr)
    exit(3)
}
#endif

// LAB_KERNELS must name a path this build and CPU have: one line, before any work, if not.
do {
    _ = try KernelPath.requested(ProcessInfo.processInfo.environment["LAB_KERNELS"])
} catch {
    fputs("error: \(error)\n", stderr)
    exit(2)
}

LabCommand.main()
