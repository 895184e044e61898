import CPNG
import Foundation

/// 8-bit RGB PNG through libpng with zlib compression. No time chunk and fixed settings, so the same
/// pixels always give the same bytes and committed figures change only when their content does.
public enum PNGWriter {
    public static func write(_ canvas: Canvas, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        guard let fp = fopen(tmp, "wb") else { throw PlotError.png("\(path): cannot open for writing") }
        guard let png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nil, nil, nil) else {
            fclose(fp); throw PlotError.png("png_create_write_struct failed")
        }
        var info = png_create_info_struct(png)
        var pngOpt: png_structp? = png
        png_init_io(png, fp)
        png_set_compression_level(png, 6) // zlib's default; level 9 took three times as long
        png_set_IHDR(png, info, png_uint_32(canvas.width), png_uint_32(canvas.height), 8, PNG_COLOR_TYPE_RGB,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT)
        png_write_info(png, info)
        canvas.pixels.withUnsafeBufferPointer { buf in
            for y in 0..<canvas.height {
                png_write_row(png, buf.baseAddress! + y * canvas.width * 3)
            }
        }
        png_write_end(png, nil)
        png_destroy_write_struct(&pngOpt, &info)
        fclose(fp)
        guard rename(tmp, path) == 0 else { throw PlotError.png("\(path): cannot move into place") }
    }
}
