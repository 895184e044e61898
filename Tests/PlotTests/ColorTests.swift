import XCTest
@testable import Plot

final class ColorTests: XCTestCase {
    func testHex() {
        XCTAssertEqual(Color(hex: 0x1f77b4), Color(0x1f, 0x77, 0xb4, 255))
    }
}
