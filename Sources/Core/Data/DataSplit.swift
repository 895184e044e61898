/// Fractions of each class's clips that go to each split.
public struct SplitFractions: Codable, Hashable, Sendable {
    public var train = 0.70
    public var validation = 0.15
    public var test = 0.15
    public init(train: Double = 0.70, validation: Double = 0.15, test: Double = 0.15) {
        self.train = train
        self.validation = validation
        self.test = test
    }
}

/// Train / validation / test by CLIP, stratified per class: every segment of a clip lands where its
/// clip does, so no test clip is ever seen in training.
public struct DataSplit: Codable, Equatable, Sendable {
    public var train: [ClipRef]
    public var validation: [ClipRef]
    public var test: [ClipRef]

    public static func stratified(_ clips: [ClipRef], fractions: SplitFractions, seed: UInt64) -> DataSplit {
        let total = fractions.train + fractions.validation + fractions.test
        precondition(total > 0, "split fractions must add up to more than zero")
        var split = DataSplit(train: [], validation: [], test: [])
        let base = SeededRNG(seed: seed)
        for cls in Set(clips.map(\.classIndex)).sorted() {
            var members = clips.filter { $0.classIndex == cls }.sorted { $0.relativePath < $1.relativePath }
            var rng = base.derived("split/\(cls)")
            rng.shuffle(&members)
            let n = members.count
            var nTest = Int((Double(n) * fractions.test / total).rounded())
            var nVal = Int((Double(n) * fractions.validation / total).rounded())
            // With three or more clips, every requested split gets at least one.
            if n >= 3 {
                if fractions.test > 0 { nTest = max(nTest, 1) }
                if fractions.validation > 0 { nVal = max(nVal, 1) }
            }
            nTest = min(nTest, n)
            nVal = min(nVal, n - nTest)
            split.test += members[0..<nTest]
            split.validation += members[nTest..<(nTest + nVal)]
            split.train += members[(nTest + nVal)...]
        }
        return split
    }
}
