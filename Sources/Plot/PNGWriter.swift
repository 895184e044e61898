import CPNG
import Foundation

/// 8-bit RGB PNG through libpng with zlib compression. No time chunk and fixed settings, so the same
/// pixels always give the same bytes and committed figures change only when their content does.
/// Written to a temporary name and renamed; any libpng or disk error is a thrown PlotError, never
/// an abort (libpng's error protocol is handled in C, `lab_png_write_rgb`).
public enum PNGWriter {
    public static func write(_ canvas: Canvas, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        guard let fp = fopen(tmp, "wb") else {
            throw PlotError.png("\(path): cannot open for writing (\(String(cString: strerror(errno))))")
        }
        do {
            try write(canvas, to: fp, name: path)
        } catch {
            fclose(fp)
            unlink(tmp)
            throw error
        }
        guard fclose(fp) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(tmp)
            throw PlotError.png("\(path): cannot finish writing (\(reason))")
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw PlotError.png("\(path): cannot move into place (\(String(cString: strerror(errno))))")
        }
    }

    /// The PNG bytes into an open file; `name` is only for the error message.
    static func write(_ canvas: Canvas, to fp: UnsafeMutablePointer<FILE>, name: String) throws {
        var message = [CChar](repeating: 0, count: 256)
        let failed = canvas.pixels.withUnsafeBufferPointer { buf in
            lab_png_write_rgb(fp, buf.baseAddress!, UInt32(canvas.width), UInt32(canvas.height), 6, &message, message.count)
        }
        if failed != 0 { throw PlotError.png("\(name): \(String(cString: message))") }
        guard fflush(fp) == 0 else { throw PlotError.png("\(name): \(String(cString: strerror(errno)))") }
    }
}
