/// An 8-bit RGBA colour, straight (non-premultiplied) alpha.
public struct Color: Equatable, Hashable, Sendable {
    public var r, g, b, a: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8, _ a: UInt8 = 255) {
        (self.r, self.g, self.b, self.a) = (r, g, b, a)
    }
    /// From a hex literal such as 0x1f77b4 (matplotlib's first colour).
    public init(hex: UInt32, alpha: UInt8 = 255) {
        self.init(UInt8((hex >> 16) & 0xff), UInt8((hex >> 8) & 0xff), UInt8(hex & 0xff), alpha)
    }
    /// The same colour with another opacity.
    public func withAlpha(_ alpha: UInt8) -> Color { Color(r, g, b, alpha) }
    public static let white = Color(255, 255, 255)
    public static let black = Color(0, 0, 0)
}
