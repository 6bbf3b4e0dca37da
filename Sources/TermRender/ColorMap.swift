import Foundation

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

/// Signed values on a diverging scale (Moreland's cool–warm): blue below 0, light grey at 0, red
/// above, each side scaled to its own end of `range`, so that a latent's sign reads at a glance and 0
/// is the same colour in every channel.
public enum DivergingColors {
    static let cold = RGB(59, 76, 192), middle = RGB(221, 221, 221), warm = RGB(180, 4, 38)

    public static func color(_ v: Float, range: ClosedRange<Float>) -> RGB {
        guard v.isFinite else { return middle }
        let (end, t) = v < 0 ? (cold, range.lowerBound < 0 ? min(1, v / range.lowerBound) : 1)
                             : (warm, range.upperBound > 0 ? min(1, v / range.upperBound) : 1)
        func mix(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Float(x) + (Float(y) - Float(x)) * t).rounded()) }
        return RGB(mix(middle.r, end.r), mix(middle.g, end.g), mix(middle.b, end.b))
    }
}

/// The xterm 256-colour palette: the 6×6×6 cube (16–231) and the 24-step grey ramp (232–255).
public enum XtermPalette {
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// The palette entry that looks nearest to `c`: the smallest distance in Oklab (a perceptual space,
    /// where RGB's squared distance would send dark saturated colours to grey and skin tones to brown)
    /// among the cube colours whose levels bracket each channel and the greys around its lightness.
    public static func nearestIndex(_ c: RGB) -> Int {
        let target = Oklab(c)
        var best = 16, bestDistance = Float.infinity
        func consider(_ index: Int) {
            let d = target.distance(to: paletteLab[index - 16])
            if d < bestDistance { bestDistance = d; best = index }
        }
        let r = bracket(c.r), g = bracket(c.g), b = bracket(c.b)
        for ri in r { for gi in g { for bi in b { consider(16 + 36 * ri + 6 * gi + bi) } } }
        let grey = (Int(c.r) * 299 + Int(c.g) * 587 + Int(c.b) * 114) / 1000
        let centre = min(23, max(0, (grey - 8 + 5) / 10))
        for gi in max(0, centre - 2)...min(23, centre + 2) { consider(232 + gi) }
        return best
    }

    /// The cube levels at or around a channel value (one or two of them).
    static func bracket(_ v: UInt8) -> ClosedRange<Int> {
        let upper = cubeLevels.firstIndex { $0 >= Int(v) } ?? 5
        return max(0, upper - 1)...upper
    }

    /// The RGB value of a palette entry ≥ 16.
    public static func color(_ index: Int) -> RGB {
        if index >= 232 { return RGB(grey: UInt8(8 + 10 * (index - 232))) }
        let i = index - 16
        return RGB(UInt8(cubeLevels[i / 36]), UInt8(cubeLevels[(i / 6) % 6]), UInt8(cubeLevels[i % 6]))
    }

    static let paletteLab: [Oklab] = (16..<256).map { Oklab(color($0)) }
}

/// Björn Ottosson's Oklab: perceptual lightness and two opponent axes; Euclidean distance in it
/// tracks how different two colours look.
struct Oklab {
    var l: Float, a: Float, b: Float

    init(_ c: RGB) {
        func linear(_ v: UInt8) -> Float {
            let s = Float(v) / 255
            return s <= 0.04045 ? s / 12.92 : powf((s + 0.055) / 1.055, 2.4)
        }
        let r = linear(c.r), g = linear(c.g), b = linear(c.b)
        let l_ = cbrtf(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b)
        let m_ = cbrtf(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b)
        let s_ = cbrtf(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b)
        l = 0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_
        a = 1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_
        self.b = 0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_
    }

    init(l: Float, a: Float, b: Float) {
        self.l = l
        self.a = a
        self.b = b
    }

    /// Back to sRGB (Ottosson's inverse), each channel clipped to the gamut.
    var rgb: RGB {
        let l_ = l + 0.3963377774 * a + 0.2158037573 * b
        let m_ = l - 0.1055613458 * a - 0.0638541728 * b
        let s_ = l - 0.0894841775 * a - 1.2914855480 * b
        let L = l_ * l_ * l_, M = m_ * m_ * m_, S = s_ * s_ * s_
        func encoded(_ v: Float) -> UInt8 {
            let c = max(0, min(1, v))
            let s = c <= 0.0031308 ? 12.92 * c : 1.055 * powf(c, 1 / 2.4) - 0.055
            return UInt8((s * 255).rounded())
        }
        return RGB(encoded(4.0767416621 * L - 3.3077115913 * M + 0.2309699292 * S),
                   encoded(-1.2684380046 * L + 2.6097574011 * M - 0.3413193965 * S),
                   encoded(-0.0041960863 * L - 0.7034186147 * M + 1.7076147010 * S))
    }

    func distance(to o: Oklab) -> Float {
        let dl = l - o.l, da = a - o.a, db = b - o.b
        return dl * dl + da * da + db * db
    }
}

/// Colours for points of a plane such that near points get similar colours: the direction from the
/// centre sets the hue and the distance the colourfulness, at one lightness (Oklch), so that a map of
/// many items (a codebook) can colour each item without a legend of hundreds of entries.
public enum PlaneColors {
    public static func colors(_ points: [(x: Float, y: Float)], lightness: Float = 0.72) -> [RGB] {
        guard !points.isEmpty else { return [] }
        let cx = points.map(\.x).reduce(0, +) / Float(points.count), cy = points.map(\.y).reduce(0, +) / Float(points.count)
        let radius = max(points.map { hypotf($0.x - cx, $0.y - cy) }.max() ?? 1, 1e-12)
        return points.map { p in
            let dx = p.x - cx, dy = p.y - cy
            let chroma = 0.03 + 0.13 * hypotf(dx, dy) / radius, hue = atan2f(dy, dx)
            return Oklab(l: lightness, a: chroma * cosf(hue), b: chroma * sinf(hue)).rgb
        }
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
