/// A 3×5 pixel font for the captions of figure sheets (code indices, sample numbers, A and B): small
/// enough to sit under a 28-px tile at the model's own resolution, legible once the figure is enlarged
/// by whole pixels. Letters are upper case; a character it lacks is drawn as a blank.
public enum PixelFont {
    public static let glyphWidth = 3, glyphHeight = 5
    /// Pixels from one character's left edge to the next's.
    public static let advance = glyphWidth + 1

    /// Each glyph as five rows of three bits, most significant bit on the left.
    static let glyphs: [Character: [UInt8]] = [
        "0": [7, 5, 5, 5, 7], "1": [2, 6, 2, 2, 7], "2": [7, 1, 7, 4, 7], "3": [7, 1, 3, 1, 7], "4": [5, 5, 7, 1, 1],
        "5": [7, 4, 7, 1, 7], "6": [7, 4, 7, 5, 7], "7": [7, 1, 1, 2, 2], "8": [7, 5, 7, 5, 7], "9": [7, 5, 7, 1, 7],
        "A": [2, 5, 7, 5, 5], "B": [6, 5, 6, 5, 6], "C": [3, 4, 4, 4, 3], "D": [6, 5, 5, 5, 6], "E": [7, 4, 6, 4, 7],
        "F": [7, 4, 6, 4, 4], "G": [3, 4, 5, 5, 3], "H": [5, 5, 7, 5, 5], "I": [7, 2, 2, 2, 7], "J": [1, 1, 1, 5, 2],
        "K": [5, 5, 6, 5, 5], "L": [4, 4, 4, 4, 7], "M": [5, 7, 7, 5, 5], "N": [6, 5, 5, 5, 5], "O": [2, 5, 5, 5, 2],
        "P": [6, 5, 6, 4, 4], "Q": [2, 5, 5, 6, 3], "R": [6, 5, 6, 5, 5], "S": [3, 4, 2, 1, 6], "T": [7, 2, 2, 2, 2],
        "U": [5, 5, 5, 5, 7], "V": [5, 5, 5, 5, 2], "W": [5, 5, 7, 7, 5], "X": [5, 5, 2, 5, 5], "Y": [5, 5, 2, 2, 2],
        "Z": [7, 1, 2, 4, 7], "-": [0, 0, 7, 0, 0], "+": [0, 2, 7, 2, 0], ".": [0, 0, 0, 0, 2], ",": [0, 0, 0, 2, 4],
        "#": [5, 7, 5, 7, 5], ":": [0, 2, 0, 2, 0], "=": [0, 7, 0, 7, 0], "/": [1, 1, 2, 4, 4], " ": [0, 0, 0, 0, 0],
    ]

    /// The width in pixels of `text` drawn on one line.
    public static func width(of text: String) -> Int {
        text.isEmpty ? 0 : text.count * advance - 1
    }

    /// Calls `dot(x, y)` for every lit pixel of `text` with its top-left corner at (0, 0).
    public static func draw(_ text: String, dot: (Int, Int) -> Void) {
        for (i, ch) in text.uppercased().enumerated() {
            guard let rows = glyphs[ch] else { continue }
            for (y, bits) in rows.enumerated() {
                for x in 0..<glyphWidth where bits & (4 >> UInt8(x)) != 0 { dot(i * advance + x, y) }
            }
        }
    }
}
