import Foundation
import Numerics

/// Tick positions at 1-2-5 steps covering [lo, hi], about `target` of them (matplotlib's MaxNLocator idea).
public func niceTicks(_ lo: Double, _ hi: Double, target: Int = 6) -> [Double] {
    guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
    let raw = (hi - lo) / Double(max(1, target))
    let magnitude = Elementary.pow(10, floor(Elementary.log10(raw)))
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var ticks: [Double] = []
    var t = (lo / step).rounded(.up) * step
    while t <= hi + step * 1e-9 {
        ticks.append(abs(t) < step * 1e-9 ? 0 : t)
        t += step
    }
    return ticks
}

/// A tick label with just enough decimals for the step.
public func tickLabel(_ v: Double, step: Double) -> String {
    // The fewest decimals that write every multiple of the step exactly: 0.025 needs three, so
    // 0.875 is not printed as "0.88".
    var decimals = 0
    while decimals < 6 && abs(step * Elementary.pow(10, Double(decimals)) - (step * Elementary.pow(10,
            Double(decimals))).rounded()) > 1e-6 { decimals += 1 }
    return String(format: "%.\(decimals)f", v)
}
