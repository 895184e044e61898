import Foundation

/// One `lab reproduce` (or resume) at a time per workspace: an exclusive `flock` on target/.lock,
/// which the kernel releases when the process ends, however it ends (even SIGKILL). A second
/// process refuses at once with the holder's pid instead of clobbering runs and reports.
final class WorkspaceLock {
    private let fd: Int32

    init(workspace: Workspace) throws {
        let path = (workspace.target as NSString).appendingPathComponent(".lock")
        do { try FileManager.default.createDirectory(atPath: workspace.target, withIntermediateDirectories: true) } catch {
            throw LabError("\(workspace.target): cannot create the runs folder (\(error.localizedDescription))")
        }
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw LabError("\(path): cannot open the workspace lock (\(String(cString: strerror(errno))))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw LabError("another lab process\(holder.isEmpty ? "" : " (pid \(holder))") is running in this workspace "
                    + "(\(workspace.relative(path)))",
                           hint: "wait for it to finish, or stop it with Ctrl-C; its runs resume with `lab reproduce`")
        }
        let pid = Data("\(getpid())\n".utf8)
        ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

extension Workspace {
    /// Run ids under target/, newest first (ids are start times, so longer means later, then larger).
    func runIDs() -> [String] {
        RunStore.newestFirst((try? FileManager.default.contentsOfDirectory(atPath: target)) ?? [])
    }
}
