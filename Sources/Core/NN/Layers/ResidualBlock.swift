/// The short-chunk ResNet's block (Won et al. 2020, "Evaluation of CNN-based automatic music tagging
/// models"), with stride-1 "same" convolutions and a 2x2 max-pool in place of their stride 2:
///
///     x -> conv 3x3 -> BN -> ReLU -> conv 3x3 -> BN --+--> ReLU -> max-pool 2x2
///     x -> [conv 1x1 -> BN, where the channel count changes] --+
///
/// Backward runs the same sublayers in reverse; the two paths' input gradients are added element by
/// element, so every sum keeps a fixed order.
///
/// Memory: each convolution's output map is the one map its path writes. BN, ReLU and the residual
/// sum overwrite it in turn (none of them needs its input again: BN keeps its normalised values,
/// ReLU its output), and on the way back BN and ReLU overwrite the gradient they are given, and the
/// projection's map, dead after the sum, holds its BN's input gradient. The same arithmetic in the
/// same order, so the same bits, with about half the maps of one layer after another.
public final class ResidualBlock: Layer {
    public let name: String
    public let conv1: Conv2D, bn1: BatchNorm, relu1: ReLU
    public let conv2: Conv2D, bn2: BatchNorm
    /// The 1x1 projection and its batch norm; nil: the input is added as it is.
    public let shortcut: (conv: Conv2D, bn: BatchNorm)?
    private let relu2: ReLU, pool: MaxPool2D
    /// The projection's map: read once, by the sum, then free to hold its BN's input gradient.
    private var shortcutMap: Tensor?

    /// `first` is the block's first 3x3 convolution (the model builds it, so its init draws come first).
    public init(name: String, first: Conv2D, projects: Bool, rng: inout SeededRNG) {
        self.name = name
        let f = first.outChannels
        conv1 = first
        bn1 = BatchNorm(name: "\(name).bn1", channels: f)
        relu1 = ReLU(name: "\(name).relu1")
        conv2 = Conv2D(name: "\(name).conv2", inChannels: f, outChannels: f, kernel: 3, rng: &rng)
        if conv2.algorithm == .direct { conv2.algorithm = .winograd } // the direct kernel has no input gradient
        bn2 = BatchNorm(name: "\(name).bn2", channels: f)
        if projects {
            let conv = Conv2D(name: "\(name).shortcut", inChannels: first.inChannels, outChannels: f, kernel: 1, rng: &rng)
            conv.computesInputGradient = first.computesInputGradient
            shortcut = (conv, BatchNorm(name: "\(name).shortcut_bn", channels: f))
        } else {
            precondition(first.inChannels == f, "\(name): an identity shortcut needs as many input channels as filters")
            shortcut = nil
        }
        relu2 = ReLU(name: "\(name).relu2")
        pool = MaxPool2D(name: "\(name).pool")
        sharesMaps = true
    }

    /// Whether BN and ReLU write over the map (and gradient) they are given, as they do by default,
    /// or each into a map of its own: the same bits either way; tests switch it off to compare.
    public var sharesMaps: Bool {
        get { relu1.inPlace }
        set {
            for bn in [bn1, bn2] + (shortcut.map { [$0.bn] } ?? []) { bn.forwardInPlace = newValue }
            // Backward: the shortcut's BN reads the gradient at the sum before the main path's BN
            // overwrites it; with an identity shortcut that gradient is added at the end, so kept.
            bn1.backwardInPlace = newValue
            bn2.backwardInPlace = newValue && shortcut != nil
            relu1.inPlace = newValue
            relu2.inPlace = newValue
        }
    }

    public var parameters: [Parameter] {
        conv1.parameters + bn1.parameters + conv2.parameters + bn2.parameters
            + (shortcut.map { $0.conv.parameters + $0.bn.parameters } ?? [])
    }
    public var buffers: [Parameter] { bn1.buffers + bn2.buffers + (shortcut?.bn.buffers ?? []) }

    public func forward(_ x: Tensor, training: Bool, on context: ExecutionContext) -> Tensor {
        let a = ([conv1, bn1, relu1, conv2, bn2] as [any Layer]).reduce(x) { $1.forward($0, training: training, on: context) }
        let s = shortcut.map { short in
            short.bn.forward(short.conv.forward(x, training: training, on: context), training: training, on: context)
        } ?? x
        shortcutMap = sharesMaps && shortcut != nil ? s : nil
        Self.add(s, into: a, on: context) // the sum is written over the main path's map
        return pool.forward(relu2.forward(a, training: training, on: context), training: training, on: context)
    }

    public func backward(_ dy: Tensor, on context: ExecutionContext) -> Tensor {
        let g = relu2.backward(pool.backward(dy, on: context), on: context)
        // The projection's weight gradient is needed even where no input gradient is. It reads g
        // first: the main path's BN then overwrites g. The two paths share nothing else.
        let dShortcut = shortcut.map { $0.conv.backward($0.bn.backward(g, into: shortcutMap, on: context), on: context) } ?? g
        let dMain = ([bn2, conv2, relu1, bn1, conv1] as [any Layer]).reduce(g) { $1.backward($0, on: context) }
        guard conv1.computesInputGradient else { return dMain } // the first block: nothing reads it
        Self.add(dShortcut, into: dMain, on: context) // dMain + dShortcut, over conv1's input gradient
        return dMain
    }

    /// a = a + b, element by element (any split gives the same bits).
    private static func add(_ b: Tensor, into a: Tensor, on context: ExecutionContext) {
        precondition(a.shape == b.shape, "residual paths disagree: \(a.shape) and \(b.shape)")
        precondition(a !== b, "residual paths share a map")
        b.data.withUnsafeBufferPointer { bp in
            a.data.withUnsafeMutableBufferPointer { ap in
                let (ab, bb) = (ap.baseAddress!, bp.baseAddress!)
                context.parallelFor(a.count, minChunk: 4096) { r in for i in r { ab[i] = ab[i] + bb[i] } }
            }
        }
    }
}
