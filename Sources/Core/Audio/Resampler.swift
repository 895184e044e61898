import CSoxr

enum ResamplerError: Error { case failed(String) }

/// Sample-rate conversion with soxr at its "high quality" setting (the recipe librosa's
/// `soxr_hq` default uses). soxr is deterministic: the same input gives the same output.
public enum Resampler {
    public static func resample(_ input: [Float], from inRate: Int, to outRate: Int) throws -> [Float] {
        try resample(input, from: Double(inRate), to: Double(outRate))
    }

    /// Any ratio, e.g. a pitch shift's sr * 2^(n/12) -> sr.
    public static func resample(_ input: [Float], from inRate: Double, to outRate: Double) throws -> [Float] {
        if inRate == outRate || input.isEmpty { return input }
        let outCount = Int((Double(input.count) * outRate / inRate).rounded(.up))
        var output = [Float](repeating: 0, count: outCount)
        var done = 0
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        let error: soxr_error_t? = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                soxr_oneshot(inRate, outRate, 1,
                             inBuf.baseAddress, input.count, nil,
                             outBuf.baseAddress, outCount, &done,
                             &io, &quality, nil)
            }
        }
        if let error { throw ResamplerError.failed(String(cString: error)) }
        // Same length rule as librosa/soxr: ceil(n * out / in) samples.
        let expected = Int((Double(input.count) * outRate / inRate).rounded(.up))
        return Array(output.prefix(min(done, expected)))
    }
}
