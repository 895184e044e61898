import CFreeType
import CPNG
import CZlib

/// The C libraries a figure's bytes depend on, with their versions (recorded in each run's manifest).
public enum PlotLibraries {
    public static func versions() -> [String: String] {
        [
            "libpng": String(cString: png_get_libpng_ver(nil)),
            "zlib": String(cString: zlibVersion()),
            "freetype": "\(FREETYPE_MAJOR).\(FREETYPE_MINOR).\(FREETYPE_PATCH)",
        ]
    }
}
