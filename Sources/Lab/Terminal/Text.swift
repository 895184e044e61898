/// `s` padded with spaces to `n` characters, for aligned columns.
func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

extension Array {
    /// The element at `i`, or nil when `i` is out of range (for records a user may have edited).
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
