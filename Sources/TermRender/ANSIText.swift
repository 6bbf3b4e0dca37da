/// A grid of cells as plain text with ANSI colour escapes, for printing to a terminal outside the
/// explorer (e.g. `latent project --plot`). Only the foreground colour and bold are kept; every line
/// ends with a reset, so a cut-off or piped output never leaves the terminal coloured.
public enum ANSIText {
    public static func render(_ cells: [Cell], width: Int, capability: ColorCapability) -> String {
        guard width > 0 else { return "" }
        var out = ""
        var row = 0
        while row * width < cells.count {
            var current: Style?
            for cell in cells[(row * width)..<min(cells.count, (row + 1) * width)] {
                if capability != .monochrome && cell.style != current {
                    out += escape(cell.style, capability)
                    current = cell.style
                }
                out.unicodeScalars.append(cell.glyph)
            }
            if capability != .monochrome { out += "\u{1B}[0m" }
            out += "\n"
            row += 1
        }
        return out
    }

    /// The SGR sequence that sets `style` from scratch.
    static func escape(_ style: Style, _ capability: ColorCapability) -> String {
        var codes = ["0"]
        if style.bold { codes.append("1") }
        if style.dim { codes.append("2") }
        if case .rgb(let c) = style.fg {
            codes.append(capability == .truecolor ? "38;2;\(c.r);\(c.g);\(c.b)" : "38;5;\(XtermPalette.nearestIndex(c))")
        }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }
}
