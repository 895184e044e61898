import Core
import Foundation
import Plot

/// What `lab predict` prints, and its taggram.
enum PredictionOutput {
    enum Format { case text, csv, json }
    /// A tagging model's output: each tag's own probability (they do not sum to 1); with a threshold,
    /// the tags at or above it instead of the top ones.
    struct Tagging { var threshold: Double? }

    static func render(_ results: [(file: String, prediction: TrainedModel.FilePrediction)], classes: [String], top: Int, timeline: Bool,
                       format: Format, tags: Tagging? = nil) -> String {
        let k = classes.count, n = top == 0 ? k : min(top, k)
        /// The tags at or above the threshold, most likely first (nil without a threshold).
        func chosen(_ p: ArraySlice<Double>) -> [(String, Double)]? {
            guard let t = tags?.threshold else { return nil }
            let v = Array(p)
            return v.indices.filter { v[$0] >= t }.sorted { v[$0] != v[$1] ? v[$0] > v[$1] : $0 < $1 }.map { (classes[$0], v[$0]) }
        }
        func ranked(_ p: ArraySlice<Double>) -> [(String, Double)] {
            let v = Array(p)
            return v.indices.sorted { v[$0] != v[$1] ? v[$0] > v[$1] : $0 < $1 }.prefix(n).map { (classes[$0], v[$0]) }
        }
        func csvField(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"",
                with: "\"\"") + "\"" : s }
        switch format {
        case .csv:
            // Full precision, as predictions.csv writes them, so the numbers can be compared bit for bit.
            var s = timeline ? "path,segment,start_s,end_s," : tags?.threshold != nil ? "path,seconds,tags," : "path,seconds,top,"
            s += classes.map { "p_\($0)" }.joined(separator: ",") + "\n"
            for (file, p) in results {
                if timeline {
                    for (j, t) in p.segmentTimes.enumerated() {
                        s += "\(csvField(file)),\(j),\(String(format: "%.3f", t.start)),\(String(format: "%.3f", t.end)),"
                        s += p.segmentProbabilities[(j * k)..<((j + 1) * k)].map { "\($0)" }.joined(separator: ",") + "\n"
                    }
                } else {
                    let first = chosen(p.clipProbabilities[...]).map { csvField($0.map(\.0).joined(separator: ";")) }
                        ?? ranked(p.clipProbabilities[...])[0].0
                    s += "\(csvField(file)),\(String(format: "%.3f", p.seconds)),\(first),"
                    s += p.clipProbabilities.map { "\($0)" }.joined(separator: ",") + "\n"
                }
            }
            return s
        case .json:
            struct Segment: Encodable { var start: Double; var end: Double; var probabilities: [String: Double] }
            struct File: Encodable {
                var path: String; var seconds: Double; var top: [String]; var probabilities: [String: Double]; var segments: [Segment]?
                /// A tagging model with a threshold: the tags at or above it.
                var tags: [String]? = nil
            }
            func named(_ p: ArraySlice<Double>) -> [String: Double] { Dictionary(uniqueKeysWithValues: zip(classes, p)) }
            let files = results.map { file, p in
                File(path: file, seconds: p.seconds, top: ranked(p.clipProbabilities[...]).map(\.0),
                     probabilities: named(p.clipProbabilities[...]),
                     segments: timeline ? p.segmentTimes.enumerated().map { j, t in
                         Segment(start: t.start, end: t.end, probabilities: named(p.segmentProbabilities[(j * k)..<((j + 1) * k)]))
                     } : nil, tags: chosen(p.clipProbabilities[...])?.map(\.0))
            }
            struct Out: Encodable { var classes: [String]; var files: [File]; var task: String?; var threshold: Double? }
            let out = Out(classes: classes, files: files, task: tags == nil ? nil : "tagging", threshold: tags?.threshold)
            return (try? String(decoding: JSONCoding.encode(out), as: UTF8.self)) ?? "{}\n"
        case .text:
            var s = ""
            for (file, p) in results {
                s += "\(file)  (\(String(format: "%.1f", p.seconds)) s, \(p.segmentTimes.count) "
                s += "segment\(p.segmentTimes.count == 1 ? "" : "s"))\n"
                if let picked = chosen(p.clipProbabilities[...]) {
                    s += "  tags at or above \(String(format: "%.2f", tags?.threshold ?? 0)): "
                    s += picked.isEmpty ? "none\n" : picked.map { "\($0.0) \(String(format: "%.3f", $0.1))" }.joined(separator: ", ") + "\n"
                } else {
                    for (i, (name, v)) in ranked(p.clipProbabilities[...]).enumerated() {
                        s += "  \(i + 1). " + pad(name, 14) + String(format: "%.3f", v) + "\n"
                    }
                }
                if timeline {
                    for (j, t) in p.segmentTimes.enumerated() {
                        let best = ranked(p.segmentProbabilities[(j * k)..<((j + 1) * k)])[0]
                        // Milliseconds: a segment is a whole number of frames, so a "2-s" one is 86 x 512 samples,
                        // 1.997 s; two decimals would make its bounds look like they drift.
                        s += String(format: "     %8.3f-%8.3f s  ", t.start, t.end) + pad(best.0, 14) + String(format: "%.3f",
                                best.1) + "\n"
                    }
                }
            }
            return s
        }
    }

    /// Classes x segments in viridis, the time axis in seconds (each segment drawn from its start for
    /// one hop), a colorbar of probability.
    static func taggram(_ p: TrainedModel.FilePrediction, classes: [String], title: String) -> Figure {
        let k = classes.count, n = p.segmentTimes.count
        let hop = n > 1 ? p.segmentTimes[1].start - p.segmentTimes[0].start : p.segmentTimes[0].end - p.segmentTimes[0].start
        var values = [Double](repeating: 0, count: k * n) // rows: classes, columns: segments
        for j in 0..<n { for c in 0..<k { values[c * n + j] = p.segmentProbabilities[j * k + c] } }
        return Charts.taggram(values: values, classes: classes, start: p.segmentTimes[0].start,
                              end: p.segmentTimes[n - 1].start + hop, title: title)
    }
}
