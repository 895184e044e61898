import Foundation

/// NumPy `.npy` version 1.0: little-endian float32, C order, so `numpy.load` opens it.
public enum NumpyWriter {
    public static func data(shape: [Int], values: [Float]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "npy: shape does not match value count")
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Magic (6) + version (2) + length (2) + header + "\n" is a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let len = UInt16(header.utf8.count)
        d.append(contentsOf: [UInt8(len & 0xff), UInt8(len >> 8)])
        d.append(contentsOf: Array(header.utf8))
        LittleEndian.append(values, to: &d)
        return d
    }

    public static func write(shape: [Int], values: [Float], to path: String) throws {
        try data(shape: shape, values: values).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
