/// A Float32 buffer with a shape. Convolutional activations are channel-major, [C, N, H, W]:
/// with that layout one im2col over the whole batch and one SGEMM give the output already in place.
/// Dense activations are [N, F], one row per sample.
public final class Tensor {
    public private(set) var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]? = nil) {
        self.shape = shape
        let n = shape.reduce(1, *)
        self.data = data ?? [Float](repeating: 0, count: n)
        precondition(self.data.count == n, "tensor data does not match shape \(shape)")
    }

    public var count: Int { data.count }

    /// Reuses the storage when the shape is unchanged: buffers are planned once per batch size. A new
    /// element count gives all zeros, as a new tensor would, in the storage already held when it is
    /// large enough: a last, shorter batch and the full ones after it then share one buffer, instead
    /// of the allocator holding one of each size (tens of megabytes a map).
    public func reshape(to newShape: [Int]) {
        guard newShape != shape else { return }
        shape = newShape
        let n = newShape.reduce(1, *)
        guard data.count != n else { return }
        if n <= data.capacity {
            data.removeAll(keepingCapacity: true)
            data.append(contentsOf: repeatElement(0, count: n))
        } else {
            data = [Float](repeating: 0, count: n)
        }
    }

    /// A tensor for `shape`, reusing `existing` when it can.
    static func reuse(_ existing: Tensor?, shape: [Int]) -> Tensor {
        if let existing { existing.reshape(to: shape); return existing }
        return Tensor(shape: shape)
    }
}

/// A trainable (or tracked) array with its gradient.
public final class Parameter {
    public let name: String
    public let shape: [Int]
    public var value: [Float]
    public var grad: [Float]

    public init(name: String, shape: [Int], value: [Float]) {
        precondition(value.count == shape.reduce(1, *))
        self.name = name
        self.shape = shape
        self.value = value
        grad = [Float](repeating: 0, count: value.count)
    }
}
