/// Comma- or tab-separated text as RFC 4180 reads it: a field in double quotes may hold the
/// delimiter, line breaks and doubled quotes (""). Each row keeps the line it starts on, so an error
/// can name it. A \r before a line break is dropped; a blank line is no row.
public enum DelimitedText {
    public struct Row: Equatable, Sendable {
        /// 1-based line of the file where the row starts.
        public var line: Int
        public var fields: [String]
    }

    public static func rows(_ text: String, delimiter: Character) -> [Row] {
        var rows: [Row] = [], fields: [String] = [], field = ""
        var inQuotes = false, wasQuoted = false, line = 1, rowLine = 1
        var chars = Array(text)
        if chars.first == "\u{FEFF}" { chars.removeFirst() } // a byte-order mark is not part of the first name
        var i = 0
        func endRow() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !wasQuoted) { rows.append(Row(line: rowLine, fields: fields)) }
            fields = []; field = ""; wasQuoted = false
        }
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { field.append("\""); i += 2; continue }
                    inQuotes = false
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case "\"" where field.isEmpty: inQuotes = true; wasQuoted = true
            case delimiter: fields.append(field); field = ""
            case "\n", "\r\n":
                endRow()
                line += 1
                rowLine = line
            case "\r": break
            default: field.append(c)
            }
            i += 1
        }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRow() }
        return rows
    }
}
