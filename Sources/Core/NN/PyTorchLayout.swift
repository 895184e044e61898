/// The model's tensors as PyTorch names and shapes them, so a Python user loads `model.safetensors`
/// into an equal `nn.Sequential` with `load_state_dict` and nothing else.
///
/// The Sequential has one module per layer, and a `ConvBlock` expands to Conv2d, MaxPool2d, ReLU, so
/// the indices are the ones `nn.Sequential(...)` would give. Convolution kernels are stored
/// (out, in, kh, kw) (our memory order already); Linear weights (out, in), transposed from ours.
/// Flatten is channel-major per sample, as `nn.Flatten` on NCHW.
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
        func conv(_ c: Conv2D) {
            out.append(ExportedTensor(name: "\(index).weight", shape: [c.outChannels, c.inChannels, c.kernel, c.kernel], parameter: c.weight, transposed: false))
            out.append(ExportedTensor(name: "\(index).bias", shape: [c.outChannels], parameter: c.bias, transposed: false))
        }
        for layer in layers {
            switch layer {
            case let b as ConvBlock: conv(b.conv); index += 3
            case let c as Conv2D: conv(c); index += 1
            case let d as Dense:
                out.append(ExportedTensor(name: "\(index).weight", shape: [d.outFeatures, d.inFeatures], parameter: d.weight, transposed: true))
                out.append(ExportedTensor(name: "\(index).bias", shape: [d.outFeatures], parameter: d.bias, transposed: false))
                index += 1
            case let n as BatchNorm:
                for (suffix, p) in [("weight", n.gamma), ("bias", n.beta), ("running_mean", n.runningMean), ("running_var", n.runningVariance)] {
                    out.append(ExportedTensor(name: "\(index).\(suffix)", shape: [n.channels], parameter: p, transposed: false))
                }
                index += 1
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
            case let n as BatchNorm: modules.append("BatchNorm2d(\(n.channels), eps=\(n.epsilon), momentum=\(1 - Double(n.momentum)))")
            case is Flatten: modules.append("Flatten()")
            case let d as Dropout: modules.append("Dropout(\(d.rate))")
            case let d as Dense: modules.append("Linear(\(d.inFeatures), \(d.outFeatures))")
            default: modules.append("Identity()  # \(layer.name)")
            }
        }
        return "Sequential(" + modules.joined(separator: ", ") + ")"
    }
}
