import XCTest
@testable import Core

/// Each conv block, layer by layer, gives the same bits on the AVX2 and the AVX-512 kernels: the
/// pooled output transform, the image loads and stores (16 x 16 transposes) and the first layer's
/// backward (two filters a 16-lane register) move or sum the same floats in the same order. Channel counts that are not whole 16- or
/// 8-lane groups and odd sizes (ragged tiles, pooled edges) included.
final class KernelPathLayerTests: XCTestCase {
    /// (input channels, filters, height, width, batch)
    static let shapes = [(1, 20, 13, 17, 3), (1, 8, 6, 33, 2), (1, 7, 9, 21, 2), (8, 16, 13, 11, 3), (20, 24, 9, 14, 5),
                         (17, 33, 6, 7, 2), (32, 64, 16, 21, 9)]

    private struct Outcome: Equatable {
        var pooled: [UInt32], gradients: [[UInt32]], inputGradient: [UInt32]
        var plain: [UInt32], plainGradients: [[UInt32]], plainInputGradient: [UInt32]
    }

    /// A conv block of `shape` with random weights and biases, its input, and the generator after them.
    private static func block(_ shape: (Int, Int, Int, Int, Int)) -> (Conv2D, ConvBlock, Tensor, SeededRNG) {
        let (c, k, h, w, n) = shape
        var rng = SeededRNG(seed: UInt64(c * 1000 + k * 10 + h))
        let conv = Conv2D(name: "conv", inChannels: c, outChannels: k, kernel: 3, rng: &rng)
        conv.bias.value = (0..<k).map { _ in Float(rng.normal()) * 0.1 }
        conv.computesInputGradient = c > 1
        let x = Tensor(shape: [c, n, h, w], data: (0..<(c * n * h * w)).map { _ in Float(rng.normal()) })
        return (conv, ConvBlock(name: "block", conv: conv), x, rng)
    }

    private func run(_ shape: (Int, Int, Int, Int, Int), on path: KernelPath) -> Outcome {
        let (c, k, h, w, n) = shape
        let (conv, block, x, generator) = Self.block(shape)
        var rng = generator
        let dyPooled = Tensor(shape: [k, n, h / 2, w / 2], data: (0..<(k * n * (h / 2) * (w / 2))).map { _ in Float(rng.normal()) })
        let dy = Tensor(shape: [k, n, h, w], data: (0..<(k * n * h * w)).map { _ in Float(rng.normal()) })
        let context = engine.with(kernels: path)
        do {
            let pooled = block.forward(x, training: true, on: context).data.map(\.bitPattern)
            let dx = block.backward(dyPooled, on: context).data.map(\.bitPattern)
            let grads = conv.parameters.map { $0.grad.map(\.bitPattern) }
            let plain = conv.forward(x, training: true, on: context).data.map(\.bitPattern)
            let plainDx = conv.backward(dy, on: context).data.map(\.bitPattern)
            return Outcome(pooled: pooled, gradients: grads, inputGradient: c > 1 ? dx : [],
                           plain: plain, plainGradients: conv.parameters.map { $0.grad.map(\.bitPattern) },
                           plainInputGradient: c > 1 ? plainDx : [])
        }
    }

    /// On the path this CPU runs, each fused block (pooled output staged channels last, backward from
    /// the pooled gradient) equals conv, pool and ReLU run one by one, for every shape above: forward,
    /// weight, bias and input gradients, bit for bit.
    func testFusedBlocksEqualTheLayersOnThisPath() {
        for (c, k, h, w, n) in Self.shapes {
            let (conv, block, x, generator) = Self.block((c, k, h, w, n))
            var rng = generator
            var d = (0..<(k * n * (h / 2) * (w / 2))).map { _ in Float(rng.normal()) }
            for i in stride(from: 0, to: d.count, by: 5) { d[i] = -0.0 }
            let dy = Tensor(shape: [k, n, h / 2, w / 2], data: d)
            func pass(fused: Bool) -> [[UInt32]] {
                block.fused = fused
                let y = block.forward(x, training: true, on: engine).data.map(\.bitPattern)
                let dx = block.backward(dy, on: engine).data.map(\.bitPattern)
                return [y, c > 1 ? dx : []] + conv.parameters.map { $0.grad.map(\.bitPattern) }
            }
            let fused = pass(fused: true), layered = pass(fused: false)
            for (i, what) in ["forward", "input gradient", "weight gradient", "bias gradient"].enumerated() {
                XCTAssertTrue(fused[i] == layered[i], "\(what), \((c, k, h, w, n)) on \(engine.kernels)")
            }
            XCTAssert(fused[2].contains { $0 != 0 } && fused[3].contains { $0 != 0 }, "\((c, k, h, w, n))")
        }
    }

    func testConvBlocksGiveTheSameBitsOnEveryKernelPath() throws {
        try XCTSkipUnless(KernelPath.cpuHasAVX512, "no AVX-512 on this CPU: only the avx2 leg exists")
        func same(_ a: [UInt32], _ b: [UInt32], _ what: String) {
            XCTAssertTrue(a == b, "\(what): \(a.count == b.count ? zip(a, b).filter { $0 != $1 }.count : -1) of \(a.count) differ")
        }
        for shape in Self.shapes {
            let avx2 = run(shape, on: .avx2), avx512 = run(shape, on: .avx512)
            same(avx2.pooled, avx512.pooled, "pooled forward \(shape)")
            same(avx2.gradients.flatMap { $0 }, avx512.gradients.flatMap { $0 }, "block gradients \(shape)")
            same(avx2.inputGradient, avx512.inputGradient, "block input gradient \(shape)")
            same(avx2.plain, avx512.plain, "plain forward \(shape)")
            same(avx2.plainGradients.flatMap { $0 }, avx512.plainGradients.flatMap { $0 }, "plain gradients \(shape)")
            same(avx2.plainInputGradient, avx512.plainInputGradient, "plain input gradient \(shape)")
            // Something was computed: the gradients are not all zero.
            XCTAssert(avx512.gradients.allSatisfy { $0.contains { $0 != 0 } }, "\(shape)")
        }
    }
}

/// The filter transform U = G g Gᵀ, eight input channels a SIMD8, equals the scalar formula written
/// out here for every channel, in both layouts, for channel counts that are not whole lane groups.
final class WinogradFilterTransformTests: XCTestCase {
    func testFilterTransformEqualsTheScalarFormula() {
        for (c, k) in [(11, 5), (8, 3), (3, 2)] {
            var rng = SeededRNG(seed: UInt64(c * 10 + k))
            let weight = (0..<(k * c * 9)).map { _ in Float(rng.normal()) }
            let conv = WinogradConv3x3(inChannels: c, outChannels: k)
            var u = [Float](repeating: .nan, count: 36 * k * c), ut = u
            weight.withUnsafeBufferPointer { w in
                u.withUnsafeMutableBufferPointer { up in
                    ut.withUnsafeMutableBufferPointer { conv.transformFilters(w.baseAddress!, into: up.baseAddress!,
                                                                              transposed: $0.baseAddress!, on: engine) }
                }
            }
            func g(_ a: Float, _ b: Float, _ c: Float) -> [Float] {
                [a / 4, -(a + b + c) / 6, -(a - b + c) / 6, a / 24 + b / 12 + c / 6, a / 24 - b / 12 + c / 6, c]
            }
            for f in 0..<k {
                for ci in 0..<c {
                    let taps = Array(weight[((f * c + ci) * 9)..<((f * c + ci) * 9 + 9)])
                    let columns = (0..<3).map { j in g(taps[j], taps[3 + j], taps[6 + j]) } // G g: columns j, rows i
                    for i in 0..<6 {
                        let row = g(columns[0][i], columns[1][i], columns[2][i])
                        for j in 0..<6 {
                            let point = 6 * i + j
                            XCTAssertEqual(u[(point * k + f) * c + ci].bitPattern, row[j].bitPattern, "u \(c)x\(k) f\(f) c\(ci) ξ\(point)")
                            XCTAssertEqual(ut[(point * c + ci) * k + f].bitPattern, row[j].bitPattern,
                                           "ut \(c)x\(k) f\(f) c\(ci) ξ\(point)")
                        }
                    }
                }
            }
        }
    }
}
