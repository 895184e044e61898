import ArgumentParser
import Core
import Foundation

struct DataCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Lint a class-per-folder collection before training.",
        discussion: """
        Prints per-class clip counts, total duration, sample rates and channel counts, and every file \
        that cannot be read, with the reason. Exits non-zero if any file is unreadable.

        Examples:
          lab data check ~/datasets/gtzan/genres
          lab data check ~/datasets/gtzan/genres_original --extensions wav
        """
    )

    @Argument(help: "The collection root: one folder per class.") var directory: String
    @Option(help: "Comma-separated audio extensions.") var extensions: String?

    func run() throws {
        let exts = extensions.map { Set($0.split(separator: ",").map { $0.lowercased() }) } ?? AudioCollection.defaultExtensions
        let collection: AudioCollection
        do { collection = try AudioCollection.scan(root: directory, extensions: exts) } catch let e as CollectionError {
            throw LabError("\(e)", hint: "a collection is a folder with one sub-folder of audio files per class")
        }
        print("collection \(directory)")
        print("fingerprint \(collection.fingerprint)")
        var totalSeconds = 0.0
        for (i, name) in collection.classes.enumerated() {
            let clips = collection.clips.filter { $0.classIndex == i }
            var seconds = 0.0, rates = Set<Int>(), channels = Set<Int>()
            for c in clips {
                if let info = try? AudioIO.info(path: collection.path(of: c)) {
                    seconds += info.duration; rates.insert(info.sampleRate); channels.insert(info.channels)
                }
            }
            totalSeconds += seconds
            let rateList = rates.sorted().map(String.init).joined(separator: ",")
            let channelList = channels.sorted().map(String.init).joined(separator: ",")
            print("  " + name.padding(toLength: 12, withPad: " ", startingAt: 0)
                  + String(format: " %4d clips %9.1f s", clips.count, seconds) + "  rates \(rateList)  channels \(channelList)")
        }
        print(String(format: "total: %d clips, %.1f minutes", collection.clips.count, totalSeconds / 60))
        if !collection.skipped.isEmpty {
            print("unreadable (\(collection.skipped.count)):")
            for s in collection.skipped { print("  \(s.relativePath): \(s.reason)") }
            throw ExitCode(1)
        }
    }
}
