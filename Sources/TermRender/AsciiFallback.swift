/// ASCII stand-ins for the glyphs the explorer draws, for terminals whose locale is not UTF-8.
public enum AsciiFallback {
    public static func map(_ s: Unicode.Scalar) -> Unicode.Scalar {
        if s.isASCII { return s }
        switch s {
        case "─", "═": return "-"
        case "│", "┃": return "|"
        case "┌", "┐", "└", "┘", "┼", "├", "┤": return "+"
        case "●": return "o"
        case "▸", "→": return ">"
        case "▲", "↑": return "^"
        case "▼", "↓": return "v"
        case "✓": return "x"
        case "·": return "."
        case "‖": return "|"
        case "▀", "▄", "█": return "#"
        default:
            if (0x2800...0x28FF).contains(s.value) { return s.value == 0x2800 ? " " : ":" }  // braille
            return "?"
        }
    }
}
