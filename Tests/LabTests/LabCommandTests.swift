import XCTest
import ArgumentParser
@testable import Lab

final class LabCommandTests: XCTestCase {
    /// Every command and subcommand, found by walking the configuration tree from the root.
    private func allCommands(_ root: ParsableCommand.Type = LabCommand.self, path: [String] = []) -> [(path: [String],
            type: ParsableCommand.Type)] {
        let name = root.configuration.commandName ?? "lab"
        let here = path + [name]
        return [(here, root)] + root.configuration.subcommands.flatMap { allCommands($0, path: here) }
    }

    func testEveryCommandHasHelpWithExamples() throws {
        let commands = allCommands()
        XCTAssertGreaterThan(commands.count, 15, "the walk reached the subcommands")
        for (path, type) in commands {
            let help = LabCommand.helpMessage(for: type)
            XCTAssertTrue(help.contains("Examples:"), "\(path.joined(separator: " ")) --help has no examples")
            XCTAssertTrue(help.contains("USAGE:"), path.joined(separator: " "))
            // Every example line names the command it belongs to.
            let examples = help.components(separatedBy: "Examples:").last ?? ""
            let lines = examples.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("lab") }
            XCTAssertFalse(lines.isEmpty, "\(path.joined(separator: " ")): no `lab ...` example line")
            if path.count > 1 {
                XCTAssertTrue(lines.contains { $0.hasPrefix(path.joined(separator: " ")) },
                              "\(path.joined(separator: " ")): examples do not run this command:\n\(examples)")
            }
        }
    }
}
