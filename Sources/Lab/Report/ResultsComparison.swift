import Foundation

/// Two results.json compared leaf by leaf, in document order, `machine` and `engine` left out.
struct ResultsComparison {
    struct Difference { var path: String; var committed: String; var rerun: String }
    private(set) var differences: [Difference] = []
    private(set) var numbersCompared = 0

    /// What made the report, not what it reports: the machine, and the engine's hash (the executable
    /// differs between builds whose numbers are the same bits).
    static let notCompared: Set<String> = ["machine", "engine"]

    init(committed: Data, rerun: Data) throws {
        // JSONDecoder reads every number to its exact Double (the shortest text the encoder wrote reads
        // back to the same bits). JSONSerialization does not on Linux: it reads more than half of all
        // neighbouring doubles as one value, so a last-bit difference would pass unseen.
        func parse(_ d: Data, _ what: String) throws -> Any {
            do { return try JSONValue.parse(d) } catch {
                throw LabError("\(what) results.json is not JSON (\(JSONCoding.reason(error)))")
            }
        }
        walk(try parse(committed, "the committed"), try parse(rerun, "the rerun's"), path: "")
    }

    private static func text(_ v: Any?) -> String {
        guard let v else { return "absent" }
        if let n = v as? NSNumber { return "\(n.doubleValue)" }
        if let s = v as? String { return "\"" + (s.count > 64 ? String(s.prefix(64)) + "…" : s) + "\"" }
        if v is NSNull { return "null" }
        return "\(type(of: v))"
    }

    private mutating func walk(_ a: Any?, _ b: Any?, path: String) {
        switch (a, b) {
        case let (x as [String: Any], y as [String: Any]):
            for key in Set(x.keys).union(y.keys).sorted() where !(path.isEmpty && Self.notCompared.contains(key)) {
                walk(x[key], y[key], path: path.isEmpty ? key : "\(path).\(key)")
            }
        case let (x as [Any], y as [Any]):
            for i in 0..<max(x.count, y.count) { walk(i < x.count ? x[i] : nil, i < y.count ? y[i] : nil, path: "\(path)[\(i)]") }
        case let (x as NSNumber, y as NSNumber):
            numbersCompared += 1
            // Integers (seeds run to 63 bits) exactly, everything else by its Double's bits.
            let integers = String(cString: x.objCType) == "q" && String(cString: y.objCType) == "q"
            if integers ? x.int64Value != y.int64Value : x.doubleValue.bitPattern != y.doubleValue.bitPattern {
                differences.append(.init(path: path, committed: Self.text(x), rerun: Self.text(y)))
            }
        case let (x as String, y as String):
            if x != y { differences.append(.init(path: path, committed: Self.text(x), rerun: Self.text(y))) }
        case (is NSNull, is NSNull):
            break
        default:
            if a is NSNumber || b is NSNumber { numbersCompared += 1 }
            differences.append(.init(path: path, committed: Self.text(a), rerun: Self.text(b)))
        }
    }

    /// The first difference, where each history diverges, and both machines.
    func summary(committed: ResultsFile, rerun: ResultsFile) -> String {
        var s = "MISMATCH: \(differences.count) of \(numbersCompared) numbers (or texts) differ from the committed report\n"
        if let first = differences.first {
            s += "first difference: \(first.path): committed \(first.committed), rerun \(first.rerun)\n"
        }
        for (old, new) in zip(committed.experiments, rerun.experiments) {
            guard let h0 = old.history, let h1 = new.history else {
                s += "\(old.name): the committed report has no per-epoch history or figure hashes: it was written by an older "
                s += "lab and cannot be verified in full; regenerate it with `lab reproduce` and commit it\n"
                continue
            }
            if let i = (0..<min(h0.count, h1.count)).first(where: { h0[$0] != h1[$0] }) {
                s += String(format: "%@: history diverges at epoch %d (train loss committed %.9g, rerun %.9g)\n",
                            old.name, h0[i].epoch, h0[i].trainLoss, h1[i].trainLoss)
            } else if h0.count != h1.count {
                s += "\(old.name): history equal for \(min(h0.count, h1.count)) epochs, then \(h0.count) vs \(h1.count) epochs\n"
            } else {
                s += "\(old.name): history identical over \(h0.count) epochs\n"
            }
        }
        func machine(_ title: String, _ m: MachineDescription?) -> String {
            guard let m else { return "\(title): not recorded (report written by an older lab)\n" }
            return "\(title):\n" + m.lines.map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        if let a = committed.machine, let b = rerun.machine {
            s += "which layer moved:\n" + a.causes(comparedWith: b).map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        s += machine("committed report made on", committed.machine)
        s += machine("rerun made on", rerun.machine)
        return s
    }
}
