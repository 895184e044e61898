import Foundation

/// Sorted keys, pretty, and doubles printed so they read back to the same bits.
enum JSONCoding {
    static func encode<T: Encodable>(_ value: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var d = try e.encode(value)
        d.append(0x0a)
        return d
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}

/// The commit a run was made from, and whether the tree had uncommitted changes.
enum Git {
    static func run(_ args: [String], in dir: String? = nil) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git"] + args
        if let dir { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        do { try p.run() } catch { return (-1, "") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func commit(in dir: String? = nil) -> String? {
        let r = run(["rev-parse", "HEAD"], in: dir)
        return r.status == 0 ? r.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    /// Dirty means tracked files differ from HEAD (untracked run outputs do not count).
    static func isDirty(in dir: String? = nil) -> Bool? {
        let r = run(["status", "--porcelain", "--untracked-files=no"], in: dir)
        return r.status == 0 ? !r.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty : nil
    }
}

func isoNow() -> String {
    let f = ISO8601DateFormatter()
    return f.string(from: Date())
}
