/// Maps intensities in [0, 1] to colours: grey (what a digit is) and viridis (what the source plots use).
public enum ColorMap: String, Sendable, CaseIterable {
    case grey, viridis

    public func color(_ v: Float) -> RGB {
        let t = v.isFinite ? min(max(v, 0), 1) : 0
        switch self {
        case .grey:
            return RGB(grey: UInt8((t * 255).rounded()))
        case .viridis:
            let p = t * Float(Self.viridisStops.count - 1)
            let i = min(Int(p), Self.viridisStops.count - 2)
            let f = p - Float(i)
            let a = Self.viridisStops[i], b = Self.viridisStops[i + 1]
            func mix(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Float(x) + (Float(y) - Float(x)) * f).rounded()) }
            return RGB(mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b))
        }
    }

    /// matplotlib's viridis sampled at 17 evenly spaced points (linear interpolation between them
    /// stays within 2/255 of the full 256-entry table).
    static let viridisStops: [RGB] = [
        RGB(68, 1, 84), RGB(72, 21, 104), RGB(72, 38, 119), RGB(69, 55, 129), RGB(63, 71, 136),
        RGB(57, 85, 140), RGB(50, 100, 142), RGB(45, 113, 142), RGB(39, 127, 142), RGB(34, 140, 141),
        RGB(31, 154, 138), RGB(37, 167, 130), RGB(55, 180, 119), RGB(83, 191, 103), RGB(117, 202, 81),
        RGB(157, 211, 55), RGB(253, 231, 37),
    ]
}

/// The xterm 256-colour palette: the 6×6×6 cube (16–231) and the 24-step grey ramp (232–255).
public enum XtermPalette {
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The palette entry nearest to `c` (squared RGB distance), choosing between the nearest cube
    /// colour and the nearest grey, as tmux and most terminals' converters do.
    public static func nearestIndex(_ c: RGB) -> Int {
        func level(_ v: UInt8) -> Int {
            let v = Int(v)
            return v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40
        }
        let ri = level(c.r), gi = level(c.g), bi = level(c.b)
        let cube = RGB(UInt8(cubeLevels[ri]), UInt8(cubeLevels[gi]), UInt8(cubeLevels[bi]))
        let average = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let greyIndex = average > 238 ? 23 : max(0, (average - 3) / 10)
        let grey = RGB(grey: UInt8(8 + 10 * greyIndex))
        return distance(c, grey) < distance(c, cube) ? 232 + greyIndex : 16 + 36 * ri + 6 * gi + bi
    }

    /// The RGB value of a palette entry ≥ 16.
    public static func color(_ index: Int) -> RGB {
        if index >= 232 { return RGB(grey: UInt8(8 + 10 * (index - 232))) }
        let i = index - 16
        return RGB(UInt8(cubeLevels[i / 36]), UInt8(cubeLevels[(i / 6) % 6]), UInt8(cubeLevels[i % 6]))
    }

    static func distance(_ a: RGB, _ b: RGB) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return dr * dr + dg * dg + db * db
    }
}

/// The tab10 palette (matplotlib's default categorical colours): one per class in scatter plots.
public enum Tab10 {
    public static let colors: [RGB] = [
        RGB(31, 119, 180), RGB(255, 127, 14), RGB(44, 160, 44), RGB(214, 39, 40), RGB(148, 103, 189),
        RGB(140, 86, 75), RGB(227, 119, 194), RGB(127, 127, 127), RGB(188, 189, 34), RGB(23, 190, 207),
    ]

    public static func color(_ i: Int) -> RGB { colors[((i % 10) + 10) % 10] }
}
