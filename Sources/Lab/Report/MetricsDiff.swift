import Core
import Foundation

/// Where a results.json comes from.
enum ResultsSource {
    static func load(_ spec: String, workspace: Workspace = .current) throws -> ResultsFile {
        if spec == "workspace" {
            let path = workspace.absolute(Workspace.resultsJSON)
            guard let d = FileManager.default.contents(atPath: path) else { throw LabError("\(path): no results.json in the working tree") }
            return try ResultsFile.load(d, source: path)
        }
        let runDir = workspace.run(spec)
        if FileManager.default.fileExists(atPath: runDir.file("manifest.json")) {
            let manifest = try runDir.readManifest()
            guard let m = try runDir.readMetrics() else { throw LabError("run \(spec) has no metrics (status \(manifest.status.rawValue))") }
            return ResultsFile(notebook: "", experiments: [ResultsFile.entry(manifest.experiment, m, model: manifest.model, skipped: manifest.skipped)])
        }
        let r = Git.run(["show", "\(spec):\(Workspace.resultsJSON)"], in: workspace.root)
        guard r.status == 0 else {
            throw LabError("\(spec): neither a run under target/ nor a git revision with reports/results.json", hint: "lab runs; git log -- reports/results.json")
        }
        return try ResultsFile.load(Data(r.output.utf8), source: "\(spec):\(Workspace.resultsJSON)")
    }
}

enum MetricsDiff {
    struct Row: Encodable { var experiment: String; var metric: String; var old: Double?; var new: Double?
        var change: Double? { old.flatMap { o in new.map { $0 - o } } }
    }

    static func rows(old: ResultsFile, new: ResultsFile) -> [Row] {
        var oldMap: [String: Double?] = [:]
        for m in old.flatMetrics() { oldMap["\(m.experiment)|\(m.metric)"] = m.value }
        var rows: [Row] = []
        var seen = Set<String>()
        for m in new.flatMetrics() {
            let key = "\(m.experiment)|\(m.metric)"
            seen.insert(key)
            rows.append(Row(experiment: m.experiment, metric: m.metric, old: oldMap[key] ?? nil, new: m.value))
        }
        for m in old.flatMetrics() where !seen.contains("\(m.experiment)|\(m.metric)") {
            rows.append(Row(experiment: m.experiment, metric: m.metric, old: m.value, new: nil))
        }
        return rows
    }

    static func format(_ rows: [Row], md: Bool, json: Bool, a: String, b: String) -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }
        func d(_ v: Double?) -> String { v.map { String(format: "%+.4f", $0) } ?? "-" }
        if json {
            struct Out: Encodable { var a: String; var b: String; var rows: [Row] }
            return (try? String(decoding: JSONCoding.encode(Out(a: a, b: b, rows: rows)), as: UTF8.self)) ?? "{}"
        }
        if rows.isEmpty { return "no metric changed between \(a) and \(b)" }
        if md {
            var s = "| experiment | metric | \(a) | \(b) | change |\n|---|---|---:|---:|---:|\n"
            for r in rows { s += "| \(r.experiment) | \(r.metric) | \(f(r.old)) | \(f(r.new)) | \(d(r.change)) |\n" }
            return s
        }
        var s = pad("experiment", 16) + pad("metric", 34) + pad(a, 12) + pad(b, 12) + "change\n"
        for r in rows { s += pad(r.experiment, 16) + pad(r.metric, 34) + pad(f(r.old), 12) + pad(f(r.new), 12) + d(r.change) + "\n" }
        return s
    }
}
