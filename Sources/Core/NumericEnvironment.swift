import CFFTW3
import CSndfile
import CSoxr
import Crypto
import Foundation

/// The C libraries whose arithmetic feeds a reported number, and the code paths they chose on this
/// machine. A run records this in its manifest, so two machines' results can be told apart by cause.
/// See docs/determinism.md for why each of them gives the same bits on any x86-64-v3 CPU.
public enum NumericEnvironment {
    /// Library name -> version, as the loaded libraries report themselves.
    public static func libraryVersions() -> [String: String] {
        var soxrVersion = "unknown"
        if let v = soxr_version() { soxrVersion = String(cString: v) }
        return [
            "fftw": String(cString: lab_fftwf_version()),
            "sndfile": String(cString: sf_version_string()),
            "soxr": soxrVersion,
            "glibc": glibcVersion(),
        ]
    }

    /// glibc's version, through confstr (gnu_get_libc_version's header is not in Swift's Glibc module).
    static func glibcVersion() -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        guard confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count) > 0 else { return "unknown" }
        return String(cString: buffer).replacingOccurrences(of: "glibc ", with: "")
    }

    /// FFTW's plan for the default STFT (n_fft 2048, FFTW_ESTIMATE) as `fftwf_sprint_plan` prints
    /// it: the codelets chosen on this CPU.
    public static func fftwPlan(nFFT: Int = 2048) -> String {
        LogMelExtractor.describePlan(nFFT: nFFT)
    }

    /// The engine soxr resamples with at our quality (HQ, float32), e.g. "cr32s".
    public static func soxrEngine() -> String {
        var error: soxr_error_t?
        var io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
        var quality = soxr_quality_spec(UInt(SOXR_HQ), 0)
        guard let s = soxr_create(44100, 22050, 1, &error, &io, &quality, nil) else { return "unknown" }
        defer { soxr_delete(s) }
        return soxr_engine(s).map { String(cString: $0) } ?? "unknown"
    }
}

extension NumericEnvironment {
    /// SHA-256 over a fixed battery: the libm functions the pipeline calls over a grid, one log-mel
    /// spectrogram (FFTW) and one soxr resample of a fixed signal. Two machines with the same probe
    /// compute these library results bit for bit alike; a different probe names the libraries as the
    /// cause of a mismatch before anyone suspects the engine.
    public static func probeHash() -> String {
        var bytes: [UInt8] = []
        func add(_ x: Float) { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes += $0 } }
        func add(_ x: Double) { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes += $0 } }
        for i in 1...512 {
            let x = Double(i) / 37.0 - 3.3, f = Float(x), p = Double(i) / 17.0
            add(expf(f)); add(logf(p > 0 ? Float(p) : 1)); add(log10f(Float(p))); add(exp(x)); add(log(p)); add(log10(p))
            add(pow(p, 1.37)); add(sin(x * 7)); add(cos(x * 7)); add(tanh(x)); add(log2(p)); add(exp2(x))
        }
        let signal = (0..<22050).map { (i: Int) -> Float in
            let t = Double(i)
            return Float(sin(t * 0.0731) + 0.3 * sin(t * t * 1e-6))
        }
        for v in LogMelExtractor(params: FeatureParams()).logMel(signal).values { add(v) }
        for v in (try? Resampler.resample(signal, from: 44100, to: 22050)) ?? [] { add(v) }
        return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
