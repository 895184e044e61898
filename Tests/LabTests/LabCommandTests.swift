import XCTest
import ArgumentParser
@testable import Lab

final class LabCommandTests: XCTestCase {
    func testEveryCommandHasHelpWithExamples() throws {
        let help = LabCommand.helpMessage()
        XCTAssertTrue(help.contains("Examples:"), help)
        XCTAssertTrue(help.contains("reproduce"))
    }
}
