import CFFTW3
import CSndfile
import CSoxr
import Crypto
import Foundation
import Numerics

/// The C libraries whose arithmetic feeds a reported number (FFTW, soxr; libsndfile's decoders for
/// compressed audio), and the code paths they chose on this machine. A run records this in its
/// manifest, so two machines' results can be told apart by cause.
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
    /// One SHA-256 per library whose arithmetic feeds a reported number, each over a fixed battery:
    /// "fftw" (2048-point real FFTs of a fixed signal, with lab's plan flags), "soxr" (one resample
    /// of it) and "elementary" (our own functions over a grid: the same on every machine unless a
    /// compiler broke them). Two machines with equal probes compute those results bit for bit alike;
    /// an unequal one names the library that moved before anyone suspects the engine. The C library's
    /// math functions are not probed: no reported number goes through them (docs/determinism.md).
    public static func probes() -> [String: String] {
        let signal = (0..<22050).map { (i: Int) -> Float in
            let t = Double(i)
            return Float(Elementary.sin(t * 0.0731) + 0.3 * Elementary.sin(t * t * 1e-6))
        }
        var fft: [UInt8] = []
        for v in LogMelExtractor(params: FeatureParams()).spectraForProbe(signal) { append(v, to: &fft) }
        var soxr: [UInt8] = []
        for v in (try? Resampler.resample(signal, from: 44100, to: 22050)) ?? [] { append(v, to: &soxr) }
        var elementary: [UInt8] = []
        for i in 1...2048 {
            let x = Double(i) / 37.0 - 27.3, p = Double(i) / 17.0
            for v in [Elementary.exp(x), Elementary.log(p), Elementary.log10(p), Elementary.pow(p, x / 9), Elementary.sin(x * 1e5),
                      Elementary.cos(x * 7), Elementary.tanh(x / 8), Elementary.atan2(x, p - 60), Elementary.hypot(x, p)] {
                append(v, to: &elementary)
            }
            append(Elementary.log10(Float(p)), to: &elementary)
            append(Elementary.exp(Float(x / 4)), to: &elementary)
        }
        return ["fftw": hash(fft), "soxr": hash(soxr), "elementary": hash(elementary)]
    }

    private static func append(_ x: Float, to bytes: inout [UInt8]) { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes += $0 } }
    private static func append(_ x: Double, to bytes: inout [UInt8]) { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes += $0 } }
    private static func hash(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }
}
