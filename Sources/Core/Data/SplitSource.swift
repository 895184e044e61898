import Crypto
import Foundation

/// Where a run's split comes from, beyond the default (seeded, stratified by class, by clip).
public enum SplitSource: Codable, Hashable, Sendable {
    /// Every clip's split named in a file of `relative/path,split` lines (`split: {file: PATH}`).
    case file(String)
    /// Stratified by class, but the clips that share a group (the first capture group of this
    /// regular expression on the relative path, or its whole match) never span two splits
    /// (`split: {group_by: REGEX}`): one artist, album or track stays on one side.
    case groups(pattern: String)
    /// The fault-filtered GTZAN split of Kereliuk, Sturm and Larsen (`split: gtzan-filtered`).
    case gtzanFiltered
    /// The official split a metadata file gives (FMA's `set`/`split`, a `split` column): `split: metadata`.
    case metadata
    /// Each clip's split (train, validation or test) by relative path, and the file that gave it: what
    /// `metadata` becomes once the labels file is read (a run's plan only, never a notebook's record).
    case assigned(source: String, splits: [String: String])

    // As a person or jq reads it: {"file": "x.csv"}, {"groupBy": "..."}, "gtzan-filtered".
    private enum Key: String, CodingKey { case file, groupBy, assigned, source }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .gtzanFiltered:
            var c = encoder.singleValueContainer()
            try c.encode("gtzan-filtered")
        case .metadata:
            var c = encoder.singleValueContainer()
            try c.encode("metadata")
        case .assigned(let source, let map):
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(source, forKey: .source)
            try c.encode(map, forKey: .assigned)
        case .file(let p):
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(p, forKey: .file)
        case .groups(let pattern):
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(pattern, forKey: .groupBy)
        }
    }

    public init(from decoder: Decoder) throws {
        if let s = try? decoder.singleValueContainer().decode(String.self), s == "gtzan-filtered" || s == "metadata" {
            self = s == "metadata" ? .metadata : .gtzanFiltered
            return
        }
        let c = try decoder.container(keyedBy: Key.self)
        if let map = try c.decodeIfPresent([String: String].self, forKey: .assigned) {
            self = .assigned(source: try c.decode(String.self, forKey: .source), splits: map)
        } else if let p = try c.decodeIfPresent(String.self, forKey: .file) { self = .file(p) } else {
            self = .groups(pattern: try c.decode(String.self, forKey: .groupBy))
        }
    }
}

public enum SplitName: String, Sendable { case train, validation, test }

/// A split file: `relative/path,split` lines (a comma, a tab or spaces between), `#` comments and
/// blank lines ignored; split is train, validation (or valid, val) or test. Paths are matched
/// without their extension, so a list written for GTZAN's .au files fits Kaggle's .wav copies too.
public enum SplitFile {
    public static func parse(_ text: String, source: String) throws -> [String: SplitName] {
        var out: [String: SplitName] = [:]
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(whereSeparator: { $0 == "," || $0 == "\t" || $0 == " " }).map(String.init)
            let names: [String: SplitName] = ["train": .train, "training": .train, "validation": .validation, "valid": .validation,
                                              "val": .validation, "test": .test]
            guard parts.count == 2, let split = names[parts[1].lowercased()] else {
                throw UserError("\(source):\(i + 1): expected `relative/path,split` with split train, validation or test, got \"\(line)\"")
            }
            let key = stem(parts[0])
            if let previous = out[key], previous != split {
                throw UserError("\(source):\(i + 1): \(parts[0]) is already in \(previous.rawValue); a clip belongs to one split")
            }
            out[key] = split
        }
        guard !out.isEmpty else { throw UserError("\(source): no `relative/path,split` lines") }
        return out
    }

    /// The path without its extension: the key clips are matched by.
    public static func stem(_ path: String) -> String { (path as NSString).deletingPathExtension }

    public static func sha256(_ text: String) -> String { hex(SHA256.hash(data: Data(text.utf8))) }
}

extension DataSplit {
    /// The split a list names. Clips the list leaves out, and entries the collection lacks, come
    /// back as skipped files with the reason, to be listed in the manifest and report.
    public static func assigned(_ clips: [ClipRef], by list: [String: SplitName], source: String) -> (DataSplit, leftOut: [SkippedFile]) {
        var split = DataSplit(train: [], validation: [], test: [])
        var leftOut: [SkippedFile] = []
        var seen = Set<String>()
        for clip in clips.sorted(by: { $0.relativePath < $1.relativePath }) {
            let key = SplitFile.stem(clip.relativePath)
            guard let name = list[key] else {
                leftOut.append(SkippedFile(relativePath: clip.relativePath, reason: "not in the split file \(source)"))
                continue
            }
            seen.insert(key)
            switch name {
            case .train: split.train.append(clip)
            case .validation: split.validation.append(clip)
            case .test: split.test.append(clip)
            }
        }
        for key in list.keys.sorted() where !seen.contains(key) {
            leftOut.append(SkippedFile(relativePath: key,
                                       reason: "named in the split file \(source) but not a usable clip of the collection"))
        }
        return (split, leftOut)
    }

    /// Stratified by class like `stratified`, but whole groups at a time: a group (clips with the
    /// same key) goes to one split. Each group counts for the class most of its clips have (ties:
    /// the lower class index); within a class, groups are shuffled by the seed and dealt to test,
    /// then validation, until each has its share of the class's clips, and the rest to training.
    public static func grouped(_ clips: [ClipRef], fractions: SplitFractions, seed: UInt64, key: (ClipRef) -> String) -> DataSplit {
        let total = fractions.train + fractions.validation + fractions.test
        precondition(total > 0, "split fractions must add up to more than zero")
        var groups: [String: [ClipRef]] = [:]
        for clip in clips { groups[key(clip), default: []].append(clip) }
        func owner(_ members: [ClipRef]) -> Int {
            var counts: [Int: Int] = [:]
            for m in members { counts[m.classIndex, default: 0] += 1 }
            return counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }!.key
        }
        var split = DataSplit(train: [], validation: [], test: [])
        let base = SeededRNG(seed: seed)
        let byClass = Dictionary(grouping: groups.keys.sorted(), by: { owner(groups[$0]!) })
        for cls in byClass.keys.sorted() {
            var keys = byClass[cls]!
            var rng = base.derived("group-split/\(cls)")
            rng.shuffle(&keys)
            let n = keys.reduce(0) { $0 + groups[$1]!.count }
            var needTest = Int((Double(n) * fractions.test / total).rounded())
            var needValidation = Int((Double(n) * fractions.validation / total).rounded())
            if keys.count >= 3 {
                if fractions.test > 0 { needTest = max(needTest, 1) }
                if fractions.validation > 0 { needValidation = max(needValidation, 1) }
            }
            var test = 0, validation = 0
            for (i, k) in keys.enumerated() {
                let members = groups[k]!.sorted { $0.relativePath < $1.relativePath }
                let left = keys.count - i // keep at least one group for training when there are three or more
                if test < needTest && (left > 1 || keys.count < 3) {
                    split.test += members
                    test += members.count
                } else if validation < needValidation && (left > 1 || keys.count < 3) {
                    split.validation += members
                    validation += members.count
                } else {
                    split.train += members
                }
            }
        }
        return split
    }
}

/// GTZAN's known trap (Sturm 2013, "The GTZAN dataset: its contents, its faults, their effects on
/// evaluation, and the future use of GTZAN"): exact replicas, excerpts of one recording and heavy
/// artist repetition, so a random split by clip puts the same recordings and artists on both sides.
public enum GTZAN {
    public static let genres: Set<String> = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]

    /// Whether classes and file names look like GTZAN's (`genre/genre.000NN.au` or `.wav`): at
    /// least five of its genres, and most files named that way.
    public static func looksLike(classes: [String], paths: [String]) -> Bool {
        guard Set(classes).intersection(genres).count >= 5, !paths.isEmpty else { return false }
        let named = paths.filter { p in
            let parts = p.split(separator: "/")
            guard parts.count == 2 else { return false }
            return parts[1].range(of: "^\(NSRegularExpression.escapedPattern(for: String(parts[0])))\\.[0-9]{5}\\.[A-Za-z0-9]+$",
                                  options: .regularExpression) != nil
        }
        return named.count * 5 >= paths.count * 4
    }

    public static let randomSplitWarning = "this collection looks like GTZAN, which holds exact replicas, several excerpts of one "
        + "recording and heavy artist repetition (Sturm 2013; e.g. 35 reggae clips are Bob Marley): a random split by clip puts the "
        + "same recordings and artists on both sides and inflates accuracy (papers report 80-94% on random splits, small CNNs about "
        + "54% on the fault-filtered split). Use `split: gtzan-filtered` (443/197/290 clips), or `split: {group_by: REGEX}` for your "
        + "own artist groups"
}
