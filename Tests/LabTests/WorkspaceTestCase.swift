import Core
import Foundation
import XCTest
@testable import Lab

/// A test with a workspace of its own in a temporary folder (reports/ made), removed afterwards,
/// and the git helper the workspace tests share.
class WorkspaceTestCase: XCTestCase {
    var root: String!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-\(type(of: self))-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/reports", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: root) }

    /// git in the workspace, as a fixed user, asserting it succeeds.
    func git(_ args: String...) throws {
        let r = Git.run(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"] + args, in: root)
        XCTAssertEqual(r.status, 0, r.output)
    }
}

/// The engine context the Lab tests hand to runners directly: two threads, the kernels LAB_KERNELS
/// names (the best this CPU has when unset), as `lab` itself builds it.
let engine = try! ExecutionContext.fromEnvironment(threads: 2)
