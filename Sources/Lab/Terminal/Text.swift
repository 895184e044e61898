/// `s` padded with spaces to `n` characters, for aligned columns.
func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
