/// The model's tensors as PyTorch names and shapes them, so a Python user loads `model.safetensors`
/// into an equal `nn.Sequential` with `load_state_dict` and nothing else.
///
/// The Sequential has one module per layer, and a `ConvBlock` expands to Conv2d, MaxPool2d, ReLU, so
/// the indices are the ones `nn.Sequential(...)` would give. Convolution kernels are stored
/// (out, in, kh, kw) (our memory order already); Linear weights (out, in), transposed from ours.
/// Flatten is channel-major per sample, as `nn.Flatten` on NCHW. The modern head and the ResNet have
/// no torch.nn module of their own: `TimePool(mode)` is `torch.cat([x.mean(-1), x.amax(-1)], 1).flatten(1)`
/// (or one of the two), and a `ResidualBlock` module holds `conv1`, `bn1`, `conv2`, `bn2` and, with a
/// projection, `shortcut` = Sequential(Conv2d 1x1, BatchNorm2d) (see ResidualBlock.swift).
public struct ExportedTensor {
    public var name: String
    public var shape: [Int]
    let parameter: Parameter
    /// Ours is (in, out); PyTorch's (out, in).
    let transposed: Bool

    public var values: [Float] {
        guard transposed else { return parameter.value }
        let (rows, cols) = (shape[1], shape[0]) // ours: rows = in, cols = out
        var out = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = parameter.value[r * cols + c] } }
        return out
    }

    func assign(_ v: [Float]) {
        guard transposed else { parameter.value = v; return }
        let (rows, cols) = (shape[1], shape[0])
        var ours = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows { for c in 0..<cols { ours[r * cols + c] = v[c * rows + r] } }
        parameter.value = ours
    }
}

extension Model {
    /// Every weight and buffer, PyTorch-named, in module order.
    public var pytorchTensors: [ExportedTensor] {
        var out: [ExportedTensor] = [], index = 0
        func conv(_ c: Conv2D, _ prefix: String) {
            out.append(ExportedTensor(name: "\(prefix).weight", shape: [c.outChannels, c.inChannels, c.kernel, c.kernel],
                                      parameter: c.weight, transposed: false))
            out.append(ExportedTensor(name: "\(prefix).bias", shape: [c.outChannels], parameter: c.bias, transposed: false))
        }
        func norm(_ n: BatchNorm, _ prefix: String) {
            for (suffix, p) in [("weight", n.gamma), ("bias", n.beta), ("running_mean", n.runningMean), ("running_var",
                    n.runningVariance)] {
                out.append(ExportedTensor(name: "\(prefix).\(suffix)", shape: [n.channels], parameter: p, transposed: false))
            }
        }
        for layer in layers {
            switch layer {
            case let b as ConvBlock: conv(b.conv, "\(index)"); index += 3
            case let c as Conv2D: conv(c, "\(index)"); index += 1
            case let r as ResidualBlock:
                conv(r.conv1, "\(index).conv1"); norm(r.bn1, "\(index).bn1")
                conv(r.conv2, "\(index).conv2"); norm(r.bn2, "\(index).bn2")
                if let s = r.shortcut { conv(s.conv, "\(index).shortcut.0"); norm(s.bn, "\(index).shortcut.1") }
                index += 1
            case let d as Dense:
                out.append(ExportedTensor(name: "\(index).weight", shape: [d.outFeatures, d.inFeatures], parameter: d.weight,
                                          transposed: true))
                out.append(ExportedTensor(name: "\(index).bias", shape: [d.outFeatures], parameter: d.bias, transposed: false))
                index += 1
            case let n as BatchNorm: norm(n, "\(index)"); index += 1
            default: index += 1
            }
        }
        return out
    }

    /// The equal PyTorch model, as code: `torch.nn.Sequential(...)` with the same module indices.
    public var pytorchSequential: String {
        var modules: [String] = []
        for layer in layers {
            switch layer {
            case let b as ConvBlock:
                modules += ["Conv2d(\(b.conv.inChannels), \(b.conv.outChannels), 3, padding=1)", "MaxPool2d(2)", "ReLU()"]
            case let c as Conv2D: modules.append("Conv2d(\(c.inChannels), \(c.outChannels), 3, padding=1)")
            case is MaxPool2D: modules.append("MaxPool2d(2)")
            case is ReLU: modules.append("ReLU()")
            case let n as BatchNorm: modules.append("BatchNorm2d(\(n.channels), \(n.pytorchArguments))")
            case is Flatten: modules.append("Flatten()")
            case let p as TimePool: modules.append("TimePool('\(p.pooling.rawValue)')")
            case let r as ResidualBlock:
                let bn = r.bn1.pytorchArguments
                modules.append("ResidualBlock(\(r.conv1.inChannels), \(r.conv1.outChannels), "
                        + "projection=\(r.shortcut != nil ? "True" : "False"), \(bn))")
            case let d as Dropout: modules.append("Dropout(\(d.rate))")
            case let d as Dense: modules.append("Linear(\(d.inFeatures), \(d.outFeatures))")
            default: modules.append("Identity()  # \(layer.name)")
            }
        }
        return "Sequential(" + modules.joined(separator: ", ") + ")"
    }
}
