import Core
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

extension Process {
    /// Runs `tool` (found on PATH) and returns its exit status and standard output (with standard
    /// error after it when `errors`); status -1 when it cannot be started.
    static func run(_ tool: String, _ args: [String], in dir: String? = nil, errors: Bool = true) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + args
        if let dir { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch { return (-1, "\(tool): \(error.localizedDescription)") }
        let data = out.fileHandleForReading.readDataToEndOfFile(), message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self) + (errors ? String(decoding: message, as: UTF8.self) : ""))
    }
}

/// The commit a run was made from, and whether the tree had uncommitted changes.
enum Git {
    static func run(_ args: [String], in dir: String? = nil) -> (status: Int32, output: String) {
        Process.run("git", args, in: dir, errors: false)
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

/// model.safetensors' `__metadata__`: everything a Python user needs to use the weights as they are:
/// the architecture, the class names in output order, the feature parameters and segment length
/// that make an input, and the standardisation applied to it.
enum WeightsMetadata {
    static func describe(_ e: Experiment, model: Model, data: PreparedData, run: String) throws -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json<T: Encodable>(_ v: T) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }
        return [
            "experiment": e.name, "run": run,
            "architecture": try json(model.config),
            "classes": try json(data.collection.classes),
            "features": try json(e.features),
            "segment": try json(e.segmentSpec),
            "input_mean": "\(data.mean)", "input_std": "\(data.std)",
            "input": "float32 [N, \(model.config.input.channels), \(model.config.inputHeight), \(model.config.inputWidth)]: "
                + "log-mel dB segments, standardised as (x - input_mean) / input_std; outputs are logits (softmax them)",
        ]
    }
}
