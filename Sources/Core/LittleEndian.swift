import Foundation

/// The one little-endian writer of binary records: the feature cache, `.npy` arrays and
/// safetensors checkpoints all store float32 (and sizes) through these.
enum LittleEndian {
    static func append(_ values: [Float], to data: inout Data) {
        data.reserveCapacity(data.count + values.count * 4)
        for x in values { withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
    }

    static func append<T: FixedWidthInteger>(_ value: T, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    static func bytes(_ values: [Float]) -> Data {
        var d = Data()
        append(values, to: &d)
        return d
    }
}
