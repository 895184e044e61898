import Core

/// Where a cell's audio comes from.
public enum DataSource: Codable, Equatable, Sendable {
    /// The built-in synthetic collection, generated once under target/data/.
    case builtin(clipsPerGenre: Int, seconds: Double, seed: UInt64)
    /// A class-per-folder collection on disk.
    case path(String)
}

/// One experiment cell, with every default filled in.
public struct Experiment: Codable, Equatable, Sendable {
    public var name: String
    public var title: String
    public var data: DataSource = .builtin(clipsPerGenre: 30, seconds: 10, seed: 1)
    /// nil: every class of the collection.
    public var classes: [String]? = nil
    public var features = FeatureParams()
    public var segmentSeconds = 2.0
    public var segmentHopSeconds = 1.0
    public var segmentTail = SegmentTail.drop
    public var split = SplitFractions()
    public var splitSeed: UInt64 = 42
    public var model = ModelConfig()
    public var training = TrainConfig()

    public init(name: String, title: String? = nil) {
        self.name = name
        self.title = title ?? name
    }

    public var segmentSpec: SegmentSpec {
        SegmentSpec.seconds(segmentSeconds, hop: segmentHopSeconds, params: features, tail: segmentTail)
    }
}

/// A notebook: Markdown prose with fenced ```lab cells.
public struct Notebook {
    public enum Block {
        case prose(String)
        case cell(Experiment, line: Int)
    }
    public var path: String
    public var blocks: [Block]
    public var experiments: [Experiment] {
        blocks.compactMap { if case .cell(let e, _) = $0 { return e }; return nil }
    }
}
