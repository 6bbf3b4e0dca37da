/// A 24-bit colour. The backend maps it to what the terminal has (truecolour, the 256-colour palette or
/// nothing), so views are written once in RGB.
public struct RGB: Hashable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    public init(grey v: UInt8) { self.init(v, v, v) }

    public static let black = RGB(0, 0, 0), white = RGB(255, 255, 255)
}

/// A cell colour: the terminal's own default, or an RGB colour.
public enum TermColor: Hashable, Sendable {
    case `default`
    case rgb(RGB)
}

/// How a cell is drawn.
public struct Style: Hashable, Sendable {
    public var fg: TermColor
    public var bg: TermColor
    public var bold: Bool
    public var reverse: Bool
    public var dim: Bool
    public var underline: Bool

    public init(fg: TermColor = .default, bg: TermColor = .default, bold: Bool = false, reverse: Bool = false, dim: Bool = false,
                underline: Bool = false) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.reverse = reverse
        self.dim = dim
        self.underline = underline
    }

    public static let plain = Style()
    public static let bold = Style(bold: true)
    public static let reverse = Style(reverse: true)
    public static let dim = Style(dim: true)
}

/// What the terminal can show, detected by the backend and known to views (a digit drawn with
/// half-blocks needs colour; without it the view falls back to ASCII shading).
public enum ColorCapability: String, Sendable, CaseIterable {
    case truecolor, palette256, monochrome
}
