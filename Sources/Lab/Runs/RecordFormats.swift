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

    /// Decodes a record lab wrote, which a user (or a crash, or a disk) may have broken: any failure
    /// is one line naming the file and what is wrong with it.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, source: String, what: String) throws -> T {
        do { return try decoder.decode(type, from: data) } catch {
            throw LabError("\(source): not a valid \(what) (\(reason(error)))",
                           hint: "it was changed or cut short; restore it from git, or remove the run and let `lab reproduce` redo it")
        }
    }

    /// A decoding error in one line: where in the document, and what.
    static func reason(_ error: Error) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "at the top" : "at \(p.hasPrefix(".") ? String(p.dropFirst()) : p)"
        }
        let text: String
        switch error as? DecodingError {
        case .dataCorrupted(let c)?: text = c.codingPath.isEmpty ? "not JSON" : "bad value \(path(c))"
        case .keyNotFound(let key, let c)?: text = "key '\(key.stringValue)' missing \(path(c))"
        case .typeMismatch(let type, let c)?: text = "expected \(type) \(path(c))"
        case .valueNotFound(let type, let c)?: text = "expected \(type) \(path(c))"
        default: text = "\(error)"
        }
        return text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
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

    /// Whether git's index has `path`; nil outside a git repository.
    static func isTracked(_ path: String, in dir: String) -> Bool? {
        guard run(["rev-parse", "--is-inside-work-tree"], in: dir).status == 0 else { return nil }
        return run(["ls-files", "--error-unmatch", "--", path], in: dir).status == 0
    }

    /// Dirty means tracked files other than lab's own outputs differ from HEAD: sources, notebooks,
    /// data lists. Untracked files, run folders and the reports lab writes (reports/*.md and *.json
    /// beside the notebooks, reports/figures/) do not count, so regenerating one notebook's report
    /// after another's is not "uncommitted changes".
    static func isDirty(in dir: String? = nil) -> Bool? {
        let r = run(["status", "--porcelain", "--untracked-files=no"], in: dir)
        guard r.status == 0 else { return nil }
        return r.output.split(separator: "\n").contains { !isOutput(path(ofStatusLine: $0)) }
    }

    /// The path a `git status --porcelain` line names (the new one of a rename).
    static func path(ofStatusLine line: Substring) -> String {
        let rest = line.dropFirst(3)
        return String(rest.range(of: " -> ").map { rest[$0.upperBound...] }
                ?? rest).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    /// Whether lab writes this path itself: a run under target/, a report's Markdown or JSON beside its
    /// notebook in reports/ (not the notebook, `*.lab.md`), or a report figure.
    static func isOutput(_ path: String) -> Bool {
        if path.hasPrefix("target/") || path.hasPrefix("reports/figures/") { return true }
        guard path.hasPrefix("reports/"), !path.dropFirst(8).contains("/") else { return false }
        return path.hasSuffix(".json") || (path.hasSuffix(".md") && !path.hasSuffix(".lab.md"))
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
    /// The model card a run's model.safetensors carries (see `ModelCard`).
    static func describe(_ e: Experiment, model: Model, data: PreparedData, run: String) throws -> [String: String] {
        ModelCard(experiment: e.name, run: run, architecture: model.config, classes: data.collection.classes, features: e.features,
                  segment: e.segmentSpec, standardisation: Standardisation(mean: data.mean, std: data.std), aggregate: e.aggregate,
                  tagging: data.train.isTagging).metadata
    }
}

/// Any JSON document, read by JSONDecoder so numbers keep their exact value, then given as the
/// Foundation objects the comparison walks (dictionaries, arrays, NSNumber, String, NSNull).
enum JSONValue: Decodable {
    case null, bool(Bool), integer(Int64), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !list.isAtEnd { items.append(try list.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        if let keyed = try? decoder.container(keyedBy: AnyKey.self) {
            var out: [String: JSONValue] = [:]
            for key in keyed.allKeys { out[key.stringValue] = try keyed.decode(JSONValue.self, forKey: key) }
            self = .object(out)
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else {
            self = .string(try c.decode(String.self))
        }
    }

    /// The document as Foundation objects, every number exact.
    static func parse(_ data: Data) throws -> Any { try JSONDecoder().decode(JSONValue.self, from: data).object }

    var object: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let b): return NSNumber(value: b)
        case .integer(let i): return NSNumber(value: i)
        case .number(let d): return NSNumber(value: d)
        case .string(let s): return s
        case .array(let a): return a.map(\.object)
        case .object(let o): return o.mapValues(\.object)
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// One CSV field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote or a
/// line break; as it is otherwise.
enum CSVField {
    static func escape(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
