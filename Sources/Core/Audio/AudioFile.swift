import CSndfile
import Foundation

/// Mono audio at a known sample rate: what every later stage consumes.
public struct AudioClip: Equatable, Sendable {
    public var samples: [Float]
    public var sampleRate: Int
    public init(samples: [Float], sampleRate: Int) {
        self.samples = samples
        self.sampleRate = sampleRate
    }
    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// What a file's header says, without decoding it (used by `lab data check`).
public struct AudioFileInfo: Equatable, Sendable {
    public var sampleRate: Int
    public var channels: Int
    public var frames: Int
    /// libsndfile's major format name, e.g. "WAV (Microsoft)" or "AU (Sun/NeXT)".
    public var formatName: String
    public var duration: Double { sampleRate > 0 ? Double(frames) / Double(sampleRate) : 0 }
}

/// Container and sample encoding for files we write.
public enum AudioFileFormat: String, CaseIterable, Sendable {
    case wav16, wav24, wav32, wavFloat, au16, aiff16, flac16, oggVorbis, mp3

    var sndfileFormat: Int32 {
        let major: Int32, minor: Int32
        switch self {
        case .wav16: (major, minor) = (Int32(SF_FORMAT_WAV), Int32(SF_FORMAT_PCM_16))
        case .wav24: (major, minor) = (Int32(SF_FORMAT_WAV), Int32(SF_FORMAT_PCM_24))
        case .wav32: (major, minor) = (Int32(SF_FORMAT_WAV), Int32(SF_FORMAT_PCM_32))
        case .wavFloat: (major, minor) = (Int32(SF_FORMAT_WAV), Int32(SF_FORMAT_FLOAT))
        case .au16: (major, minor) = (Int32(SF_FORMAT_AU), Int32(SF_FORMAT_PCM_16))
        case .aiff16: (major, minor) = (Int32(SF_FORMAT_AIFF), Int32(SF_FORMAT_PCM_16))
        case .flac16: (major, minor) = (Int32(SF_FORMAT_FLAC), Int32(SF_FORMAT_PCM_16))
        case .oggVorbis: (major, minor) = (Int32(SF_FORMAT_OGG), Int32(SF_FORMAT_VORBIS))
        case .mp3: (major, minor) = (Int32(SF_FORMAT_MPEG), Int32(SF_FORMAT_MPEG_LAYER_III))
        }
        return major | minor
    }

    /// The format a path's extension implies (.wav -> 16-bit WAV, .au/.snd -> 16-bit AU, ...).
    public static func forExtension(_ ext: String) -> AudioFileFormat? {
        switch ext.lowercased() {
        case "wav": return .wav16
        case "au", "snd": return .au16
        case "aif", "aiff": return .aiff16
        case "flac": return .flac16
        case "ogg": return .oggVorbis
        case "mp3": return .mp3
        default: return nil
        }
    }
}

/// Reads and writes audio through libsndfile; resamples through soxr.
public enum AudioIO {
    /// Header information only.
    public static func info(path: String) throws -> AudioFileInfo {
        let (handle, sfinfo) = try open(path)
        defer { sf_close(handle) }
        var fmt = SF_FORMAT_INFO()
        fmt.format = sfinfo.format & Int32(SF_FORMAT_TYPEMASK)
        var name = "unknown"
        if sf_command(nil, Int32(SFC_GET_FORMAT_INFO), &fmt, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0,
           let cname = fmt.name {
            name = String(cString: cname)
        }
        return AudioFileInfo(sampleRate: Int(sfinfo.samplerate), channels: Int(sfinfo.channels),
                             frames: Int(sfinfo.frames), formatName: name)
    }

    /// Decodes any format libsndfile reads into mono Float32 (channels averaged), resampled with
    /// soxr (high quality) to `sampleRate` when given and different from the file's rate.
    public static func decode(path: String, sampleRate: Int? = nil) throws -> AudioClip {
        let (handle, sfinfo) = try open(path)
        defer { sf_close(handle) }
        let channels = Int(sfinfo.channels)
        let declared = Int(sfinfo.frames)
        guard declared > 0, channels > 0 else { throw AudioError.noFrames(path: path) }
        // The header's length is the file's word, not a promise: a cut-off Ogg stream declares
        // SF_COUNT_MAX frames. Read in chunks until the data ends, so no header can size an allocation.
        let unknownLength = sfinfo.frames == sf_count_t.max
        let chunk = 65_536
        var interleaved: [Float] = []
        interleaved.reserveCapacity(unknownLength ? chunk * channels : min(declared, 1 << 26) * channels)
        var buffer = [Float](repeating: 0, count: chunk * channels)
        while true {
            let got = buffer.withUnsafeMutableBufferPointer { Int(sf_readf_float(handle, $0.baseAddress, sf_count_t(chunk))) }
            guard got > 0 else { break }
            interleaved.append(contentsOf: buffer[0..<(got * channels)])
        }
        // A stream that ends mid-page (a cut-off download) stops the reads early and leaves an error.
        if sf_error(handle) != 0 {
            throw AudioError.truncated(path: path, detail: "decoding stopped after \(interleaved.count / channels) frames: "
                                       + String(cString: sf_strerror(handle)))
        }
        let frames = interleaved.count / channels
        guard frames > 0 else { throw AudioError.noFrames(path: path) }
        if !unknownLength, frames < declared {
            throw AudioError.truncated(path: path, detail: "\(declared) frames declared, \(frames) read")
        }

        var mono = [Float](repeating: 0, count: frames)
        if channels == 1 {
            mono = interleaved
        } else {
            let scale = 1 / Float(channels)
            for f in 0..<frames {
                var s: Float = 0
                for c in 0..<channels { s += interleaved[f * channels + c] }
                mono[f] = s * scale
            }
        }
        if let bad = mono.firstIndex(where: { !$0.isFinite }) {
            throw AudioError.nonFinite(path: path, frame: bad)
        }
        let clip = AudioClip(samples: mono, sampleRate: Int(sfinfo.samplerate))
        guard let target = sampleRate else { return clip }
        return try resampled(clip, to: target, path: path)
    }

    /// A decoded clip at `target` Hz (soxr, high quality; the clip itself when it is at that rate
    /// already): the last step of `decode(path:sampleRate:)`, for a caller that keeps the file's own rate too.
    public static func resampled(_ clip: AudioClip, to target: Int, path: String) throws -> AudioClip {
        guard target != clip.sampleRate else { return clip }
        do {
            return AudioClip(samples: try Resampler.resample(clip.samples, from: clip.sampleRate, to: target), sampleRate: target)
        } catch let ResamplerError.failed(reason) {
            throw AudioError.resampleFailed(path: path, reason: reason)
        }
    }

    /// Whether this machine's libsndfile can write `format` (OGG/Vorbis and MP3 depend on how it was built).
    public static func canWrite(_ format: AudioFileFormat, sampleRate: Int = 22050) -> Bool {
        var sfinfo = SF_INFO()
        sfinfo.samplerate = Int32(sampleRate)
        sfinfo.channels = 1
        sfinfo.format = format.sndfileFormat
        return sf_format_check(&sfinfo) != 0
    }

    /// Writes mono samples. 16-bit formats are quantised here (round to nearest, clipped), so the
    /// bytes on disk depend only on the samples: the built-in collection is byte-identical everywhere.
    public static func write(_ clip: AudioClip, to path: String, format: AudioFileFormat) throws {
        var sfinfo = SF_INFO()
        sfinfo.samplerate = Int32(clip.sampleRate)
        sfinfo.channels = 1
        sfinfo.format = format.sndfileFormat
        guard sf_format_check(&sfinfo) != 0 else {
            throw AudioError.writeFailed(path: path, reason: "libsndfile cannot write \(format.rawValue)")
        }
        guard let handle = sf_open(path, Int32(SFM_WRITE), &sfinfo) else {
            throw AudioError.writeFailed(path: path, reason: String(cString: sf_strerror(nil)))
        }
        var written = 0
        switch format {
        case .wav16, .au16, .aiff16, .flac16:
            var pcm = [Int16](repeating: 0, count: clip.samples.count)
            for i in 0..<pcm.count {
                let v = (clip.samples[i] * 32767).rounded()
                pcm[i] = Int16(max(-32768, min(32767, v.isFinite ? v : 0)))
            }
            written = pcm.withUnsafeBufferPointer { Int(sf_writef_short(handle, $0.baseAddress, sf_count_t(pcm.count))) }
        default:
            sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE))
            written = clip.samples.withUnsafeBufferPointer { Int(sf_writef_float(handle, $0.baseAddress, sf_count_t(clip.samples.count))) }
        }
        let closeStatus = sf_close(handle)
        if written != clip.samples.count || closeStatus != 0 {
            throw AudioError.writeFailed(path: path, reason: "wrote \(written) of \(clip.samples.count) frames")
        }
    }

    /// What a file's extension promises, with its article, for error messages.
    static let formatName = ["wav": "a WAV", "au": "an AU", "snd": "an AU", "flac": "a FLAC", "ogg": "an Ogg", "oga": "an Ogg",
                             "opus": "an Opus", "mp3": "an MP3", "aif": "an AIFF", "aiff": "an AIFF"]

    private static func open(_ path: String) throws -> (OpaquePointer, SF_INFO) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
            throw AudioError.missing(path: path)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        if size == 0 { throw AudioError.empty(path: path) }
        var sfinfo = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &sfinfo) else {
            // libsndfile keeps a failed open's error in one global; another thread's open may have
            // reset it by now ("No Error."), so that case gets a reason of its own.
            let message = String(cString: sf_strerror(nil)).trimmingCharacters(in: CharacterSet(charactersIn: ". \n"))
            guard !message.isEmpty, !message.hasPrefix("No Error") else {
                throw AudioError.unreadable(path: path, reason: "not a recognised audio format (libsndfile cannot open it)")
            }
            // libsndfile's own words ("Supported file format but file is malformed") name neither the
            // format nor a way out: say which format the name promises, and what to do.
            let kind = formatName[(path as NSString).pathExtension.lowercased()].map { "\($0) file by its name" } ?? "this file"
            throw AudioError.unreadable(path: path, reason: "libsndfile cannot decode \(kind) (\(message)); it may be damaged or cut off: "
                                        + "re-encode it from its source, or move it out of the collection")
        }
        // A file without any audio header (e.g. text named .au) is opened by libsndfile as headerless
        // raw samples guessed from the extension (8 kHz µ-law for .au): that is not audio we can trust.
        if sfinfo.format & Int32(SF_FORMAT_TYPEMASK) == Int32(SF_FORMAT_RAW) {
            sf_close(handle)
            throw AudioError.unreadable(path: path,
                                        reason: "no audio header (libsndfile could only guess headerless raw samples from the file name)")
        }
        if let detail = truncation(in: handle) {
            sf_close(handle)
            throw AudioError.truncated(path: path, detail: detail)
        }
        return (handle, sfinfo)
    }

    /// libsndfile opens a cut-off file and quietly shortens it; its parse log says so with a line
    /// such as "data : 44100 (should be 22028)". A data chunk smaller than declared is a truncation.
    private static func truncation(in handle: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 8192)
        sf_command(handle, Int32(SFC_GET_LOG_INFO), &buffer, Int32(buffer.count))
        let log = String(cString: buffer)
        for line in log.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.lowercased().hasPrefix("data"), let open = text.range(of: "(should be ") else { continue }
            let declared = text[..<open.lowerBound].split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            let actual = Int(text[open.upperBound...].prefix { $0.isNumber })
            if let declared, let actual, actual < declared { return text }
        }
        return nil
    }
}
