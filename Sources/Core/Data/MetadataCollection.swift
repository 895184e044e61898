import Foundation

/// A collection described by a metadata file: audio under a root, and a labels file naming each
/// clip's path and its tags (one or several). Four layouts are recognised by their headers:
///
/// - MagnaTagATune's `annotations_final.csv` (tab-separated despite its name): `clip_id`, one 0/1
///   column per tag, `mp3_path`.
/// - MTG-Jamendo's TSV files (`autotagging*.tsv`, `raw_30s.tsv`, ...): `TRACK_ID, ARTIST_ID,
///   ALBUM_ID, PATH, DURATION, TAGS...`, the tags (`genre---rock`, ...) in the fields after DURATION.
/// - FMA's `fma_metadata/tracks.csv`: a two-row header (`track`/`genre_top`, `set`/`split`,
///   `set`/`subset`, ...), the audio at `NNN/NNNNNN.mp3`; its official split is `set`/`split`.
/// - A generic CSV `path,labels` whose labels are `;`-separated (a `split` column is optional).
///
/// A row whose audio file is missing, whose path leaves the root, or that has no label is listed
/// with its line and skipped, as unreadable audio is; a header that is none of these is an error.
public struct MetadataCollection: Sendable {
    public enum Layout: String, Codable, Sendable { case magnaTagATune = "mtat", jamendo, fma, generic }

    /// One clip: its path under the root, its tags (sorted, no repeats), and the official split
    /// (`train`, `validation` or `test`) where the metadata has one.
    public struct Item: Equatable, Sendable {
        public var relativePath: String
        public var tags: [String]
        public var split: String?
        /// 1-based line of the labels file.
        public var line: Int
    }

    public var layout: Layout
    public var root: String
    public var labelsFile: String
    public var items: [Item]
    /// Rows that name no usable clip, each `labels.csv:LINE` with the reason.
    public var skipped: [SkippedFile]

    /// Every tag with the number of items that carry it, most frequent first, ties by name.
    public var tagCounts: [(tag: String, count: Int)] {
        var counts: [String: Int] = [:]
        for item in items { for t in item.tags { counts[t, default: 0] += 1 } }
        return counts.map { ($0.key, $0.value) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    }

    /// The `n` most frequent tags (ties broken by name), as `tags: {top: N}` keeps them, in that order.
    public func topTags(_ n: Int) -> [String] { Array(tagCounts.prefix(max(0, n)).map(\.tag)) }

    /// Only these tags; an item left with none is skipped, saying so.
    public func keeping(tags kept: [String]) -> MetadataCollection {
        let keep = Set(kept)
        var out = self
        out.items = []
        for item in items {
            let tags = item.tags.filter(keep.contains)
            if tags.isEmpty {
                out.skipped.append(SkippedFile(relativePath: item.relativePath, reason: "\(name):\(item.line): none of its tags is kept"))
            } else {
                out.items.append(Item(relativePath: item.relativePath, tags: tags, split: item.split, line: item.line))
            }
        }
        return out
    }

    private var name: String { (labelsFile as NSString).lastPathComponent }

    /// Every tag, sorted by name: the output order of a tagging model.
    public var tags: [String] { Array(Set(items.flatMap(\.tags))).sorted() }

    /// The clips as an AudioCollection (each file hashed; `classIndex` is the clip's first tag in
    /// `tags` order), for what reads any collection the same way: decoding checks, the feature cache.
    /// `tagging`: each clip also carries all its tags (`ClipRef.tags`), for a tagging run.
    public func audioCollection(on context: ExecutionContext, classes: [String]? = nil, tagging: Bool = false) throws -> AudioCollection {
        let names = classes ?? tags, index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        var hashes = [Result<String, Error>?](repeating: nil, count: items.count)
        hashes.withUnsafeMutableBufferPointer { slots in
            let slots = slots
            context.forEach(items.count) { i in
                slots[i] = Result { try AudioCollection.sha256(ofFile: (root as NSString).appendingPathComponent(items[i].relativePath)) }
            }
        }
        var clips: [ClipRef] = [], unreadable = skipped
        for (item, hash) in zip(items, hashes) {
            guard let label = index[item.tags[0]] else {
                unreadable.append(SkippedFile(relativePath: item.relativePath,
                                              reason: "its label \(item.tags[0]) is not among the classes"))
                continue
            }
            switch hash! {
            case .success(let h):
                clips.append(ClipRef(relativePath: item.relativePath, classIndex: label, sha256: h,
                                     tags: tagging ? item.tags.compactMap { index[$0] } : nil))
            case .failure(let e): unreadable.append(SkippedFile(relativePath: item.relativePath, reason: "\(e)"))
            }
        }
        return AudioCollection(root: root, classes: names, clips: clips, skipped: unreadable,
                               fingerprint: AudioCollection.fingerprint(of: clips))
    }

    /// Reads `labels` and checks each row's audio under `root`. `subset` chooses FMA's `small`,
    /// `medium` or `large` (they nest: small is in medium, medium in large); other layouts have none.
    public static func load(labels: String, root: String, subset: String? = nil,
                            fileExists: @escaping (String) -> Bool = { FileManager.default.fileExists(atPath: $0) })
        throws -> MetadataCollection {
        let text = try Self.text(of: labels)
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r\n" }
        let delimiter: Character = firstLine.contains("\t") ? "\t" : ","
        let rows = DelimitedText.rows(text, delimiter: delimiter)
        guard let header = rows.first?.fields.map({ $0.trimmingCharacters(in: .whitespaces) }) else {
            throw MetadataError(labels, "no header row")
        }
        var reader = Reader(labels: labels, root: root, fileExists: fileExists)
        let layout: Layout
        if header.first == "clip_id" && header.last == "mp3_path" && header.count >= 3 {
            layout = .magnaTagATune
            try reader.magnaTagATune(header: header, rows: rows.dropFirst())
        } else if header.count >= 6 && Array(header.prefix(6)) == ["TRACK_ID", "ARTIST_ID", "ALBUM_ID", "PATH", "DURATION", "TAGS"] {
            layout = .jamendo
            // Its official split is three files, NAME-train.tsv, NAME-validation.tsv, NAME-test.tsv:
            // naming any of them reads all three, each clip with its split.
            let splits = Self.jamendoSplitFiles(labels)
            for (file, split) in splits {
                reader.labels = file
                let fileRows = file == labels ? rows : DelimitedText.rows(try Self.text(of: file), delimiter: "\t")
                guard fileRows.first?.fields.prefix(6).elementsEqual(header.prefix(6)) == true else {
                    throw MetadataError(file, "not an MTG-Jamendo TSV like \((labels as NSString).lastPathComponent) (its header differs)")
                }
                reader.jamendo(rows: fileRows.dropFirst(), split: split)
            }
            reader.labels = labels
        } else if rows.count >= 2, header.dropFirst().contains("track"), header.dropFirst().contains("set") {
            layout = .fma
            try reader.fma(top: header, sub: rows[1].fields, rows: rows.dropFirst(2), subset: subset)
        } else if header.contains("path") && header.contains("labels") {
            layout = .generic
            try reader.generic(header: header, rows: rows.dropFirst())
        } else {
            throw MetadataError(labels, "header `\(header.prefix(6).joined(separator: String(delimiter)))` is none of the layouts lab "
                    + "reads: MagnaTagATune's annotations_final.csv, an MTG-Jamendo TSV, FMA's tracks.csv, or a `path,labels` CSV")
        }
        if subset != nil && layout != .fma { throw MetadataError(labels, "`subset` is FMA's; this is a \(layout.rawValue) file") }
        if reader.items.isEmpty, reader.missing > 0, reader.missing == reader.skipped.count {
            throw MetadataError(labels, "none of the \(reader.missing) audio files it names is under \(root): its paths are relative to "
                    + "the audio root, which this is not")
        }
        return MetadataCollection(layout: layout, root: root, labelsFile: labels, items: reader.items, skipped: reader.skipped)
    }

    /// A labels file's text: one clear line when it is missing, empty or not UTF-8.
    static func text(of file: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: file) else { throw MetadataError(file, "no such file") }
        guard !data.isEmpty else { throw MetadataError(file, "empty file") }
        guard let text = String(data: data, encoding: .utf8) else { throw MetadataError(file, "not UTF-8 text") }
        return text
    }

    /// MTG-Jamendo's split files beside `file` when it is one of NAME-{train,validation,test}.tsv and
    /// all three are there; else `file` alone, without a split.
    public static func jamendoSplitFiles(_ file: String) -> [(file: String, split: String?)] {
        let name = (file as NSString).lastPathComponent, dir = (file as NSString).deletingLastPathComponent
        for s in ["train", "validation", "test"] where name.hasSuffix("-\(s).tsv") {
            let stem = String(name.dropLast("-\(s).tsv".count))
            let files = ["train", "validation", "test"].map { ((dir as NSString).appendingPathComponent("\(stem)-\($0).tsv"), $0) }
            if files.allSatisfy({ FileManager.default.fileExists(atPath: $0.0) }) { return files.map { ($0.0, Optional($0.1)) } }
        }
        return [(file, nil)]
    }

    /// The row-by-row reading shared by the layouts: each row's path checked, its tags cleaned.
    private struct Reader {
        var labels: String
        let root: String, fileExists: (String) -> Bool
        var items: [Item] = [], skipped: [SkippedFile] = []
        /// Rows skipped only because their audio file is not under the root.
        var missing = 0
        private var seen: Set<String> = []

        init(labels: String, root: String, fileExists: @escaping (String) -> Bool) {
            (self.labels, self.root, self.fileExists) = (labels, root, fileExists)
        }

        private var name: String { (labels as NSString).lastPathComponent }

        /// Adds the row's clip, or lists why it cannot be one.
        mutating func add(path raw: String, tags: [String], split: String?, line: Int) {
            let path = raw.trimmingCharacters(in: .whitespaces)
            func skip(_ reason: String) { skipped.append(SkippedFile(relativePath: path.isEmpty ? "\(name):\(line)" : path,
                                                                     reason: "\(name):\(line): \(reason)")) }
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard !path.isEmpty else { return skip("no audio path") }
            guard !path.hasPrefix("/") && !path.hasPrefix("~") && !parts.contains("..") else {
                return skip("the path leaves the audio root \(root)")
            }
            let clean = Array(Set(tags.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })).sorted()
            guard !clean.isEmpty else { return skip("no label") }
            guard !seen.contains(path) else { return skip("the clip is listed again (its first row counts)") }
            guard fileExists((root as NSString).appendingPathComponent(path)) else {
                missing += 1
                return skip("no such audio file under \(root)")
            }
            seen.insert(path)
            items.append(Item(relativePath: path, tags: clean, split: split, line: line))
        }

        mutating func magnaTagATune(header: [String], rows: ArraySlice<DelimitedText.Row>) throws {
            let tags = Array(header.dropFirst().dropLast())
            for row in rows {
                guard row.fields.count == header.count else {
                    skipped.append(SkippedFile(relativePath: "\(name):\(row.line)",
                                               reason: "\(name):\(row.line): \(row.fields.count) fields, the header has \(header.count)"))
                    continue
                }
                let on = zip(tags, row.fields.dropFirst().dropLast()).filter { $0.1.trimmingCharacters(in: .whitespaces) == "1" }.map(\.0)
                add(path: row.fields.last!, tags: on, split: nil, line: row.line)
            }
        }

        mutating func jamendo(rows: ArraySlice<DelimitedText.Row>, split: String?) {
            for row in rows {
                guard row.fields.count >= 5 else {
                    skipped.append(SkippedFile(relativePath: "\(name):\(row.line)",
                                               reason: "\(name):\(row.line): \(row.fields.count) fields, at least 5 expected"))
                    continue
                }
                add(path: row.fields[3], tags: Array(row.fields.dropFirst(5)), split: split, line: row.line)
            }
        }

        /// FMA: `track_id` first, then columns named by two header rows; genre_top is the label
        /// (`genres_all`, a list of genre ids, needs genres.csv and is not read here).
        mutating func fma(top: [String], sub: [String], rows: ArraySlice<DelimitedText.Row>, subset: String?) throws {
            func column(_ a: String, _ b: String) throws -> Int {
                guard let i = top.indices.first(where: { top[$0] == a && $0 < sub.count && sub[$0] == b }) else {
                    throw MetadataError(labels, "FMA's tracks.csv without a (\(a), \(b)) column")
                }
                return i
            }
            let genre = try column("track", "genre_top"), split = try column("set", "split"), sets = try column("set", "subset")
            let order = ["small", "medium", "large"]
            let wanted = try subset.map { s -> Int in
                guard let i = order.firstIndex(of: s) else { throw MetadataError(labels, "subset \(s): FMA's are small, medium and large") }
                return i
            }
            let splits = ["training": "train", "validation": "validation", "test": "test"]
            // The third header row (`track_id,,,...`) names the index; every row after it is a track.
            for row in rows where row.fields.first != "track_id" {
                guard let id = Int(row.fields[0]), row.fields.count == top.count else {
                    skipped.append(SkippedFile(relativePath: "\(name):\(row.line)", reason: "\(name):\(row.line): not a track row "
                            + "(a track id and \(top.count) fields expected, \(row.fields.count) found)"))
                    continue
                }
                if let wanted { // the subsets nest: a small track is in medium and large too
                    guard let level = order.firstIndex(of: row.fields[sets]), level <= wanted else { continue }
                }
                let path = String(format: "%03d/%06d.mp3", id / 1000, id)
                add(path: path, tags: [row.fields[genre]], split: splits[row.fields[split]], line: row.line)
            }
        }

        mutating func generic(header: [String], rows: ArraySlice<DelimitedText.Row>) throws {
            let path = header.firstIndex(of: "path")!, labelsColumn = header.firstIndex(of: "labels")!
            let split = header.firstIndex(of: "split")
            let names = ["train": "train", "training": "train", "validation": "validation", "valid": "validation", "val": "validation",
                         "test": "test"]
            for row in rows {
                guard row.fields.count == header.count else {
                    skipped.append(SkippedFile(relativePath: "\(name):\(row.line)",
                                               reason: "\(name):\(row.line): \(row.fields.count) fields, the header has \(header.count)"))
                    continue
                }
                var s: String? = nil
                if let split {
                    let v = row.fields[split].trimmingCharacters(in: .whitespaces).lowercased()
                    guard v.isEmpty || names[v] != nil else {
                        throw MetadataError(labels, "line \(row.line): split `\(v)` is not train, validation or test")
                    }
                    s = names[v]
                }
                add(path: row.fields[path], tags: row.fields[labelsColumn].split(separator: ";").map(String.init), split: s, line: row.line)
            }
        }
    }
}

/// A labels file lab cannot read: the file and the reason, one line.
public struct MetadataError: Error, CustomStringConvertible, Equatable {
    public let file: String, reason: String
    init(_ file: String, _ reason: String) { (self.file, self.reason) = (file, reason) }
    public var description: String { "\(file): \(reason)" }
}
