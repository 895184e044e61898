import Foundation

/// Everything needed to continue training exactly where it stopped.
public struct TrainingState: Equatable, Sendable {
    /// Completed epochs.
    public var epoch: Int
    public var step: Int
    public var learningRate: Double
    public var shuffleRNG: [UInt64]
    public var dropoutRNG: [UInt64]
    public var history: [EpochRecord]
    public var bestEpoch: Int
    public var bestValidationLoss: Double
    public var epochsWithoutImprovement: Int
    /// Model state (parameters then buffers), in `Model.state` order.
    public var weights: [[Float]]
    public var moments1: [[Float]]
    public var moments2: [[Float]]
    public var bestWeights: [[Float]]
    /// Early stopping has fired.
    public var finished: Bool
}

public enum CheckpointError: Error, CustomStringConvertible {
    case unreadable(String, String)
    case mismatch(String)
    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): not a usable checkpoint: \(reason)"
        case .mismatch(let reason): return reason
        }
    }
}

/// Checkpoints in the safetensors format: an 8-byte little-endian header length, a JSON header,
/// then raw little-endian tensors. Python users open them with `safetensors.numpy.load_file`.
/// Scalars and the history ride in `__metadata__` (strings, as the format requires); doubles are
/// stored by their bit patterns so a resumed run continues bit for bit.
public enum Checkpoint {
    /// Writes a run's model file: weights and buffers in PyTorch's layout and names (`0.weight`,
    /// (out, in, kh, kw); see `ExportedTensor`), with `metadata` in the header's `__metadata__`.
    public static func saveWeights(_ model: Model, to path: String, metadata: [String: String] = [:]) throws {
        let tensors = model.pytorchTensors.map { ($0.name, "F32", $0.shape, floatData($0.values)) }
        var meta = metadata
        meta["format"] = "genrelab-weights-2"
        meta["pytorch"] = model.pytorchSequential
        try write(tensors, metadata: meta, to: path)
    }

    /// The header's `__metadata__` strings (a run's model card: classes, features, segments, standardisation).
    public static func readMetadata(path: String) throws -> [String: String] { try read(path).metadata }

    public static func loadWeights(into model: Model, path: String) throws {
        try assign(read(path).floats, to: model, path: path)
    }

    /// The metadata and the F32 tensors of one file, read once.
    public static func readWeights(path: String) throws -> (metadata: [String: String], tensors: [String: [Float]]) {
        let contents = try read(path)
        return (contents.metadata, contents.floats)
    }

    /// Every tensor the model has, from `tensors` by its PyTorch name.
    public static func assign(_ tensors: [String: [Float]], to model: Model, path: String) throws {
        for t in model.pytorchTensors {
            guard let v = tensors[t.name], v.count == t.shape.reduce(1, *) else {
                throw CheckpointError.mismatch("\(path): tensor \(t.name) missing or of the wrong size for this model")
            }
            t.assign(v)
        }
    }

    public static func save(_ s: TrainingState, model: Model, to path: String) throws {
        var tensors: [(String, String, [Int], Data)] = []
        let params = model.state
        for (i, p) in params.enumerated() {
            tensors.append((p.name, "F32", p.shape, floatData(s.weights[i])))
            if i < s.moments1.count { tensors.append(("optimizer.m.\(p.name)", "F32", p.shape, floatData(s.moments1[i]))) }
            if i < s.moments2.count { tensors.append(("optimizer.v.\(p.name)", "F32", p.shape, floatData(s.moments2[i]))) }
            if i < s.bestWeights.count { tensors.append(("best.\(p.name)", "F32", p.shape, floatData(s.bestWeights[i]))) }
        }
        tensors.append(("rng.shuffle", "U64", [4], u64Data(s.shuffleRNG)))
        tensors.append(("rng.dropout", "U64", [4], u64Data(s.dropoutRNG)))
        let history = String(decoding: try JSONEncoder().encode(s.history), as: UTF8.self)
        let meta: [String: String] = [
            "format": "genrelab-checkpoint-1", "epoch": "\(s.epoch)", "step": "\(s.step)",
            "learning_rate_bits": "\(s.learningRate.bitPattern)", "best_epoch": "\(s.bestEpoch)",
            "best_validation_loss_bits": "\(s.bestValidationLoss.bitPattern)",
            "epochs_without_improvement": "\(s.epochsWithoutImprovement)", "finished": "\(s.finished)",
            "history": history,
        ]
        try write(tensors, metadata: meta, to: path)
    }

    public static func load(path: String, model: Model) throws -> TrainingState {
        let contents = try read(path)
        let tensors = contents.floats, meta = contents.metadata
        func int(_ k: String) throws -> Int {
            guard let v = meta[k].flatMap({ Int($0) }) else { throw CheckpointError.unreadable(path, "metadata \(k) missing") }
            return v
        }
        func bits(_ k: String) throws -> Double {
            guard let v = meta[k].flatMap({ UInt64($0) }) else { throw CheckpointError.unreadable(path, "metadata \(k) missing") }
            return Double(bitPattern: v)
        }
        let params = model.state
        func group(_ prefix: String) -> [[Float]] {
            let g = params.compactMap { p in tensors[prefix + p.name].flatMap { $0.count == p.value.count ? $0 : nil } }
            return g.count == params.count ? g : []
        }
        let weights = group("")
        guard !weights.isEmpty else { throw CheckpointError.mismatch("\(path): weights do not fit this model") }
        guard let shuffle = contents.words["rng.shuffle"], let dropout = contents.words["rng.dropout"],
              shuffle.count == 4, dropout.count == 4 else {
            throw CheckpointError.unreadable(path, "generator state missing")
        }
        guard let history = try? JSONDecoder().decode([EpochRecord].self, from: Data((meta["history"] ?? "[]").utf8)) else {
            throw CheckpointError.unreadable(path, "training history in the metadata is not valid")
        }
        return TrainingState(epoch: try int("epoch"), step: try int("step"), learningRate: try bits("learning_rate_bits"),
                             shuffleRNG: shuffle, dropoutRNG: dropout,
                             history: history, bestEpoch: try int("best_epoch"),
                             bestValidationLoss: try bits("best_validation_loss_bits"),
                             epochsWithoutImprovement: try int("epochs_without_improvement"),
                             weights: weights, moments1: group("optimizer.m."), moments2: group("optimizer.v."),
                             bestWeights: group("best."), finished: meta["finished"] == "true")
    }

    // MARK: - the format

    private static func floatData(_ v: [Float]) -> Data { LittleEndian.bytes(v) }

    private static func u64Data(_ v: [UInt64]) -> Data {
        var d = Data(capacity: v.count * 8)
        for x in v { LittleEndian.append(x, to: &d) }
        return d
    }

    /// Header keys are written sorted, so the same state gives the same bytes. The tensors are
    /// streamed to a temporary file beside `path`, which then replaces it in one rename: no copy of
    /// the whole file is ever held in memory (for a large search trial that was three copies).
    static func write(_ tensors: [(String, String, [Int], Data)], metadata: [String: String], to path: String) throws {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for (name, dtype, shape, data) in tensors {
            header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [offset, offset + data.count]]
            offset += data.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) } // align the data, as the reference writer does
        var prefix = Data()
        LittleEndian.append(UInt64(json.count), to: &prefix)
        prefix.append(json)
        let temporary = path + ".partial-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw CheckpointError.mismatch("\(path): cannot write (cannot create \(temporary))")
        }
        do {
            try handle.write(contentsOf: prefix)
            for (_, _, _, data) in tensors { try handle.write(contentsOf: data) }
            try handle.synchronize()
            try handle.close()
        } catch {
            try? handle.close()
            unlink(temporary)
            throw CheckpointError.mismatch("\(path): cannot write: \(error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CheckpointError.mismatch("\(path): cannot write: \(reason)")
        }
    }

    struct Contents {
        var floats: [String: [Float]] = [:]
        var words: [String: [UInt64]] = [:]
        var metadata: [String: String] = [:]
    }

    /// F32 and U64 tensors by name, and the metadata.
    static func read(_ path: String) throws -> Contents {
        guard let file = FileManager.default.contents(atPath: path) else { throw CheckpointError.unreadable(path, "cannot read file") }
        guard file.count >= 8 else { throw CheckpointError.unreadable(path, "shorter than a header") }
        // The header length is the user's bytes: compared as UInt64 before it becomes an Int, so a
        // corrupt file cannot overflow the conversion or the addition.
        let length = file.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length > 0, length <= UInt64(file.count - 8) else {
            throw CheckpointError.unreadable(path, "header length \(length) does not fit a file of \(file.count) bytes")
        }
        let n = Int(length)
        guard
              let header = try? JSONSerialization.jsonObject(with: file.subdata(in: 8..<(8 + n))) as? [String: Any] else {
            throw CheckpointError.unreadable(path, "bad header")
        }
        let body = file.subdata(in: (8 + n)..<file.count)
        var contents = Contents()
        contents.metadata = (header["__metadata__"] as? [String: String]) ?? [:]
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let offsets = info["data_offsets"] as? [Int], offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= body.count else {
                throw CheckpointError.unreadable(path, "bad entry \(name)")
            }
            let bytes = body.subdata(in: offsets[0]..<offsets[1])
            switch dtype {
            case "F32":
                contents.floats[name] = bytes.withUnsafeBytes { raw in
                    (0..<(bytes.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4,
                            as: UInt32.self))) }
                }
            case "U64":
                contents.words[name] = bytes.withUnsafeBytes { raw in
                    (0..<(bytes.count / 8)).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
                }
            default:
                throw CheckpointError.unreadable(path, "unsupported dtype \(dtype)")
            }
        }
        return contents
    }
}
