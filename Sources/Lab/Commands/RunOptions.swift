import ArgumentParser
import Core
import Foundation

/// The options every command that runs work in parallel shares, declared once (`@OptionGroup`).
struct RunOptions: ParsableArguments {
    /// The thread count of a command that has no `--threads` of its own (compare's bootstrap).
    static let defaultThreads = 2
    @Option(help: "Threads for decoding, synthesis, features and the CNN engine. Any count gives the same bits.")
    var threads = defaultThreads
    @Flag(help: "No progress output.") var quiet = false
    @OptionGroup var place: WorkspaceOption

    /// The workspace the command works in (`-C`, else found upward from here).
    var workspace: Workspace { place.workspace }

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// The engine's context for this command: `--threads`, and the kernels LAB_KERNELS names (the best this CPU
    /// has when unset). Made once per command and handed down; it changes no bit.
    func context() throws -> ExecutionContext { try ExecutionContext.fromEnvironment(threads: threads) }
}

/// The Slurm flags `lab reproduce --executor slurm` and `lab search submit --slurm` share, with one
/// meaning each: a trial job asks sbatch for `-c C` CPUs and trains with `--threads C`.
struct SlurmFlags: ParsableArguments {
    @Option(help: "The Slurm partition (default: the cluster's default).") var partition: String?
    @Option(help: "Slurm time limit per job (sbatch --time), e.g. 02:00:00.") var slurmTime: String?
    @Option(help: "CPUs per trial job: sbatch -c, and the trial's --threads (default: --threads).") var cpusPerTrial: Int?

    func validate() throws {
        if let cpusPerTrial, cpusPerTrial < 1 { throw ValidationError("--cpus-per-trial must be at least 1, got \(cpusPerTrial)") }
    }

    /// The options with the CPU count resolved: `--cpus-per-trial`, else `threads`.
    func options(threads: Int) -> SearchRunner.SlurmOptions {
        SearchRunner.SlurmOptions(partition: partition, time: slurmTime, cpus: cpusPerTrial ?? threads)
    }
}

/// Which workspace a command works in, declared once: `-C DIR` as git has it, else the one holding
/// the current directory, found upward (`Workspace.find`). Tests pass `-C` instead of changing the
/// process's directory.
struct WorkspaceOption: ParsableArguments {
    @Option(name: [.customShort("C"), .customLong("workspace")],
            help: "Run as if lab were started in this directory (default: the current one; the workspace is found upward from it).")
    var directory: String?

    var workspace: Workspace {
        let cwd = FileManager.default.currentDirectoryPath
        guard let directory else { return Workspace.find(from: cwd) }
        let p = (directory as NSString).expandingTildeInPath
        return Workspace.find(from: p.hasPrefix("/") ? p : (cwd as NSString).appendingPathComponent(p))
    }

    func validate() throws {
        guard let directory else { return }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: (directory as NSString).expandingTildeInPath,
                                             isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("-C \(directory): no such directory")
        }
    }
}
