import XCTest
@testable import Core

final class BuiltinCollectionTests: XCTestCase {
    func testSameArgumentsGiveSameBytesWhateverTheThreads() throws {
        let a = try makeTempDir(self), b = try makeTempDir(self)
        try BuiltinCollection.write(to: a.path, clipsPerGenre: 2, seconds: 1.5, seed: 3, genres: ["jazz", "metal", "reggae"], threads: 1)
        try BuiltinCollection.write(to: b.path, clipsPerGenre: 2, seconds: 1.5, seed: 3, genres: ["jazz", "metal", "reggae"], threads: 2)
        for g in ["jazz", "metal", "reggae"] {
            for i in 0..<2 {
                let rel = "\(g)/\(BuiltinCollection.fileName(genre: g, index: i))"
                let x = try Data(contentsOf: a.appendingPathComponent(rel)), y = try Data(contentsOf: b.appendingPathComponent(rel))
                XCTAssertEqual(x, y, rel)
                XCTAssertGreaterThan(x.count, 60_000)
            }
        }
        let other = BuiltinCollection.clip(genre: "jazz", index: 0, seconds: 1.5, seed: 4)
        XCTAssertNotEqual(other, BuiltinCollection.clip(genre: "jazz", index: 0, seconds: 1.5, seed: 3))
    }

    func testGTZANFormatAndLayout() throws {
        let dir = try makeTempDir(self)
        try BuiltinCollection.write(to: dir.path, clipsPerGenre: 1, seconds: 2, seed: 1, genres: ["blues", "pop"], threads: 2)
        let info = try AudioIO.info(path: dir.appendingPathComponent("blues/blues.00000.au").path)
        XCTAssertEqual(info.sampleRate, 22050)
        XCTAssertEqual(info.channels, 1)
        XCTAssertEqual(info.frames, 44100)
        XCTAssert(info.formatName.contains("AU"), info.formatName)
        let clip = try AudioIO.decode(path: dir.appendingPathComponent("pop/pop.00000.au").path)
        let peak = clip.samples.map(abs).max()!
        XCTAssert(peak > 0.2 && peak <= 1, "peak \(peak)")
        XCTAssertThrowsError(try BuiltinCollection.write(to: dir.path, clipsPerGenre: 1, seconds: 1, genres: ["polka"], threads: 2))
    }

    func testClipsOfAGenreVaryInLoudnessAndContent() {
        // Each clip draws its own tempo, key, mix and level, so loudness alone cannot name a genre.
        let clips = (0..<5).map { BuiltinCollection.clip(genre: "rock", index: $0, seconds: 2, seed: 1) }
        let peaks = clips.map { $0.map(abs).max()! }
        XCTAssertGreaterThan(peaks.max()! / peaks.min()!, 1.2, "\(peaks)")
        XCTAssertNotEqual(clips[0], clips[1])
        XCTAssert(clips.allSatisfy { $0.allSatisfy(\.isFinite) })
    }
}

final class CollectionScanTests: XCTestCase {
    private func tree(_ test: XCTestCase) throws -> URL {
        let root = try makeTempDir(test)
        try BuiltinCollection.write(to: root.path, clipsPerGenre: 3, seconds: 1, seed: 1, genres: ["blues", "rock"], threads: 2)
        // A text file named .wav, a hidden file, and a file with another extension.
        try "not audio".write(to: root.appendingPathComponent("rock/rock.00099.wav"), atomically: true, encoding: .utf8)
        try Data([1, 2, 3]).write(to: root.appendingPathComponent("blues/.DS_Store"))
        try "notes".write(to: root.appendingPathComponent("blues/readme.txt"), atomically: true, encoding: .utf8)
        return root
    }

    func testScanSkipsBrokenFilesAndIgnoresHiddenOnes() throws {
        let root = try tree(self)
        let c = try AudioCollection.scan(root: root.path)
        XCTAssertEqual(c.classes, ["blues", "rock"])
        XCTAssertEqual(c.clips.count, 6)
        XCTAssertEqual(c.clips.map(\.relativePath).first, "blues/blues.00000.au")
        XCTAssertEqual(c.skipped.map(\.relativePath), ["rock/rock.00099.wav"])
        XCTAssert(c.skipped[0].reason.contains("not readable"), c.skipped[0].reason)
        XCTAssertEqual(c.fingerprint.count, 64)
        // The fingerprint follows the content.
        try AudioIO.write(AudioClip(samples: [0.1, 0.2], sampleRate: 22050), to: root.appendingPathComponent("rock/rock.00000.au").path,
                          format: .au16)
        XCTAssertNotEqual(try AudioCollection.scan(root: root.path).fingerprint, c.fingerprint)
    }

    func testErrorsNameThePath() throws {
        let root = try tree(self)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("jazz"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try AudioCollection.scan(root: root.path)) { e in
            XCTAssertEqual(e as? CollectionError, .emptyClass(path: root.appendingPathComponent("jazz").path))
        }
        XCTAssertThrowsError(try AudioCollection.scan(root: root.path + "/nope")) { e in
            XCTAssertEqual(e as? CollectionError, .missing(path: root.path + "/nope"))
        }
        XCTAssertThrowsError(try AudioCollection.scan(root: root.path, classes: ["blues"])) { e in
            guard case .tooFewClasses = e as? CollectionError else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try AudioCollection.scan(root: root.path, classes: ["blues", "polka"]))
        // Only the named classes, in the named order.
        let two = try AudioCollection.scan(root: root.path, classes: ["rock", "blues"])
        XCTAssertEqual(two.classes, ["rock", "blues"])
        XCTAssertEqual(two.clips.first?.classIndex, 0)
    }

    func testKaggleStyleWavTree() throws {
        let root = try makeTempDir(self).appendingPathComponent("genres_original")
        for g in ["jazz", "pop"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(g), withIntermediateDirectories: true)
            for i in 0..<2 {
                try AudioIO.write(AudioClip(samples: sine(220, seconds: 0.5, rate: 22050), sampleRate: 22050),
                                  to: root.appendingPathComponent("\(g)/\(g).0000\(i).wav").path, format: .wav16)
            }
        }
        // Kaggle's GTZAN ships one broken file, jazz.00054.wav.
        try Data(count: 100).write(to: root.appendingPathComponent("jazz/jazz.00054.wav"))
        let c = try AudioCollection.scan(root: root.path)
        XCTAssertEqual(c.clips.count, 4)
        XCTAssertEqual(c.skipped.map(\.relativePath), ["jazz/jazz.00054.wav"])
    }
}

final class SplitTests: XCTestCase {
    func testStratifiedByClipWithoutLeaks() {
        let clips = (0..<3).flatMap { c in (0..<20).map { ClipRef(relativePath: "c\(c)/\($0).au", classIndex: c, sha256: "\(c)-\($0)") } }
        let s = DataSplit.stratified(clips, fractions: SplitFractions(), seed: 1)
        XCTAssertEqual(s.train.count + s.validation.count + s.test.count, 60)
        for c in 0..<3 {
            XCTAssertEqual(s.train.filter { $0.classIndex == c }.count, 14)
            XCTAssertEqual(s.validation.filter { $0.classIndex == c }.count, 3)
            XCTAssertEqual(s.test.filter { $0.classIndex == c }.count, 3)
        }
        let sets = [Set(s.train), Set(s.validation), Set(s.test)]
        XCTAssert(sets[0].isDisjoint(with: sets[1]) && sets[0].isDisjoint(with: sets[2]) && sets[1].isDisjoint(with: sets[2]))
        XCTAssertEqual(DataSplit.stratified(clips.reversed(), fractions: SplitFractions(), seed: 1), s) // order-independent
        XCTAssertNotEqual(DataSplit.stratified(clips, fractions: SplitFractions(), seed: 2), s)
        // Tiny classes still give every split a clip.
        let tiny = DataSplit.stratified(Array(clips.prefix(3)), fractions: SplitFractions(), seed: 1)
        XCTAssertEqual([tiny.train.count, tiny.validation.count, tiny.test.count], [1, 1, 1])
    }
}

final class FeatureCacheTests: XCTestCase {
    /// Every parameter is part of the cache key; sr/2 written out or left as nil is the same entry.
    func testCacheKeyCoversEveryFeatureParameter() {
        let cache = FeatureCache(directory: "/unused")
        let clip = ClipRef(relativePath: "a/x.wav", classIndex: 0, sha256: "00")
        let base = FeatureParams()
        var variants: [FeatureParams] = []
        func vary(_ change: (inout FeatureParams) -> Void) { var p = base; change(&p); variants.append(p) }
        vary { $0.sampleRate = 16000 }; vary { $0.nFFT = 1024 }; vary { $0.hopLength = 256 }; vary { $0.nMels = 64 }
        vary { $0.fmin = 20 }; vary { $0.fmax = 8000 }; vary { $0.topDB = nil }; vary { $0.topDB = 60 }; vary { $0.melScale = .htk }
        let keys = Set(([base] + variants).map { cache.key(for: clip, params: $0) })
        XCTAssertEqual(keys.count, variants.count + 1, "each parameter changes the key")
        var explicit = base
        explicit.fmax = 11025
        XCTAssertEqual(cache.key(for: clip, params: explicit), cache.key(for: clip, params: base))
        XCTAssertNotEqual(cache.key(for: ClipRef(relativePath: "a/x.wav", classIndex: 0, sha256: "01"), params: base),
                          cache.key(for: clip, params: base), "the audio's hash is in the key")
    }

    func testHitMissInvalidationAndCorruption() throws {
        let root = try makeTempDir(self), cacheDir = try makeTempDir(self)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("a"), withIntermediateDirectories: true)
        let path = root.appendingPathComponent("a/x.wav").path
        try AudioIO.write(AudioClip(samples: sine(440, seconds: 1, rate: 22050), sampleRate: 22050), to: path, format: .wav16)
        let clip = ClipRef(relativePath: "a/x.wav", classIndex: 0, sha256: try AudioCollection.sha256(ofFile: path))
        let cache = FeatureCache(directory: cacheDir.path)
        let params = FeatureParams(nMels: 40)
        let first = try cache.logMel(for: clip, root: root.path, params: params)
        XCTAssertEqual([cache.hits, cache.misses], [0, 1])
        let second = try cache.logMel(for: clip, root: root.path, params: params)
        XCTAssertEqual([cache.hits, cache.misses], [1, 1])
        XCTAssertEqual(first, second)
        XCTAssertEqual(first, LogMelExtractor(params: params).logMel(try AudioIO.decode(path: path).samples))

        // Any parameter change is a different key.
        var other = params
        other.topDB = 60
        XCTAssertNotEqual(cache.key(for: clip, params: other), cache.key(for: clip, params: params))
        _ = try cache.logMel(for: clip, root: root.path, params: other)
        XCTAssertEqual(cache.misses, 2)

        // A flipped byte and a truncated entry are both detected and rebuilt.
        let entry = cache.entryPath(for: cache.key(for: clip, params: params))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: entry))
        bytes[bytes.count - 3] ^= 0xff
        try bytes.write(to: URL(fileURLWithPath: entry))
        XCTAssertEqual(try cache.logMel(for: clip, root: root.path, params: params), first)
        XCTAssertEqual(cache.rebuilt, 1)
        try bytes.prefix(100).write(to: URL(fileURLWithPath: entry))
        XCTAssertEqual(try cache.logMel(for: clip, root: root.path, params: params), first)
        XCTAssertEqual(cache.rebuilt, 2)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: entry)), FeatureCache.encode(first))
    }

    func testUnreadableAudioIsATypedError() throws {
        let root = try makeTempDir(self), cacheDir = try makeTempDir(self)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("a"), withIntermediateDirectories: true)
        let path = root.appendingPathComponent("a/nan.wav").path
        try AudioIO.write(AudioClip(samples: [0, .nan, 0], sampleRate: 22050), to: path, format: .wavFloat)
        let clip = ClipRef(relativePath: "a/nan.wav", classIndex: 0, sha256: "x")
        XCTAssertThrowsError(try FeatureCache(directory: cacheDir.path).logMel(for: clip, root: root.path, params: FeatureParams())) { e in
            guard case .nonFinite = e as? AudioError else { return XCTFail("\(e)") }
        }
    }
}
