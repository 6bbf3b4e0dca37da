import LatentCore

/// A numeric matrix in CSV text: one row per line, values separated by commas (or semicolons, tabs or
/// spaces), an optional header line of column names, blank lines ignored. Every row must have the same
/// number of values and every value must be a finite number: the projection code downstream has no
/// sensible answer for NaN or a ragged row, so they are refused here with the line they are on.
public enum CSVMatrix {
    /// Text is ~6 bytes a value: a larger file would be more than the values held in memory anyway.
    public static func read(_ path: String) throws -> Tensor {
        try decode(FileBytes.read(path, limit: 256 << 20), source: path)
    }

    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> Tensor {
        func bad(_ message: String) -> FormatError { FormatError(source, message) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw bad("not UTF-8 text") }
        var values: [Float] = []
        var columns = -1
        var firstDataLine = 0
        var rows = 0
        var sawHeader = false
        for (lineIndex, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let lineNumber = lineIndex + 1
            // "\r\n" is one Character in Swift, so Windows line ends are split on above.
            let line = rawLine
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let fields = line.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "\t" || $0 == " " })
            var row: [Float] = []
            row.reserveCapacity(fields.count)
            var isHeader = false
            for (col, field) in fields.enumerated() {
                guard let v = Float(field) else {
                    // A first line that is not numbers is a header of column names.
                    if rows == 0 && !sawHeader && col == 0 { isHeader = true; break }
                    throw bad("line \(lineNumber), column \(col + 1): '\(field.prefix(40))' is not a number")
                }
                guard v.isFinite else {
                    throw bad("line \(lineNumber), column \(col + 1): '\(field)' is not a finite number")
                }
                row.append(v)
            }
            if isHeader { sawHeader = true; continue }
            if columns < 0 {
                columns = row.count
                firstDataLine = lineNumber
            } else if row.count != columns {
                throw bad("line \(lineNumber) has \(row.count) values, expected \(columns) as on line \(firstDataLine)")
            }
            values += row
            rows += 1
            guard values.count <= DataLimits.maxValues else { throw bad(DataLimits.tooMany(values.count, what: "holds over")) }
        }
        guard rows > 0 else { throw bad(bytes.isEmpty ? "empty file" : "no numeric rows") }
        return Tensor(shape: [rows, columns], data: values)
    }
}
