/// An error the CLI prints as one line plus a hint.
public struct LabError: Error, CustomStringConvertible {
    public var message: String
    public var hint: String?
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
    public var description: String {
        hint.map { "\(message)\nhint: \($0)" } ?? message
    }
}
