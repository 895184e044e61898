import CPUCheck
import Foundation
import Lab

// Core is compiled for x86-64-v3. Check the CPU before any of it runs, so an older CPU gets one clear
// line instead of an illegal instruction. (The baseline build, `make baseline-check`, runs anywhere.)
#if arch(x86_64) && !LAB_BASELINE
let missing = String(cString: lab_missing_cpu_features())
if !missing.isEmpty {
    FileHandle.standardError.write(Data((
        "error: this lab binary needs an x86-64-v3 CPU (AVX2 and FMA, Intel Haswell or AMD Zen and later); "
        + "this CPU lacks: \(missing). Hint: build the portable baseline with `make baseline`.\n").utf8))
    exit(3)
}
#endif

LabCommand.main()
