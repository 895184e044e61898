import Foundation

/// What `split: {group_by: REGEX}` made of a collection's paths: how many groups, and which paths
/// the pattern did not match (each of those is a group of its own, so a clip split in disguise).
/// Recorded in the manifest and the report, so nobody believes a split is leak-free when it is not.
public struct GroupSummary: Codable, Equatable, Sendable {
    public var pattern: String
    public var groups: Int
    public var unmatched: [String]

    /// Each path's group: the pattern's first capture group (the whole match without one). A pattern
    /// that matches no path is an error: the split would silently be by clip.
    public static func keys(_ paths: [String], pattern: String) throws -> (key: [String: String], summary: GroupSummary) {
        let regex: NSRegularExpression
        do { regex = try NSRegularExpression(pattern: pattern) } catch {
            throw UserError("split.group_by: \"\(pattern)\" is not a valid regular expression")
        }
        var key: [String: String] = [:], unmatched: [String] = []
        for path in paths {
            guard let m = regex.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) else {
                unmatched.append(path)
                key[path] = path
                continue
            }
            let r = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
            key[path] = Range(r, in: path).map { String(path[$0]) } ?? path
        }
        if !paths.isEmpty && unmatched.count == paths.count {
            throw UserError("split.group_by: "
                    + "\"\(pattern)\" matches none of the \(paths.count) clip paths (such as `\(paths.sorted()[0])`), "
                            + "so the split would be by clip, not by group",
                            hint: "the pattern is matched against paths relative to the data folder (`class/file.wav`); its first "
                                + "capture group names the group, e.g. \"^[^/]+/(.+?)__[0-9]+\\.wav$\"")
        }
        return (key, GroupSummary(pattern: pattern, groups: Set(key.values).count, unmatched: unmatched.sorted()))
    }
}
