/// DEC sixel graphics (VT340; xterm `-ti vt340`, foot, WezTerm, mlterm, Windows Terminal, Konsole):
/// an image as a device control string. Colours go into registers (at most 256 here): exact when the
/// image has that few, otherwise each pixel takes the nearest xterm-256 colour in Oklab.
public enum Sixel {
    /// `ESC P 0;1;0 q "1;1;W;H #i;2;r;g;b … <bands> ESC \`. P2 = 1 leaves pixels no colour sets as they
    /// were; bands are 6 pixel rows, each colour's row of sixels run-length coded (`!n`), `$` returns
    /// to the band's start, `-` goes to the next band.
    public static func encode(rgb: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(rgb.count == width * height * 3 && width > 0 && height > 0)
        let (indices, palette) = registers(rgb, count: width * height)
        var out: [UInt8] = Array("\u{1B}P0;1;0q\"1;1;\(width);\(height)".utf8)
        for (i, c) in palette.enumerated() {
            func percent(_ v: UInt8) -> Int { (Int(v) * 100 + 127) / 255 }
            out += Array("#\(i);2;\(percent(c.r));\(percent(c.g));\(percent(c.b))".utf8)
        }
        var bits = [UInt8](repeating: 0, count: width)
        for band in stride(from: 0, to: height, by: 6) {
            let rows = min(6, height - band)
            var used = [Bool](repeating: false, count: palette.count)
            for y in band..<(band + rows) { for x in 0..<width { used[Int(indices[y * width + x])] = true } }
            var first = true
            for colour in palette.indices where used[colour] {
                for x in 0..<width {
                    var b: UInt8 = 0
                    for r in 0..<rows where Int(indices[(band + r) * width + x]) == colour { b |= 1 << r }
                    bits[x] = b
                }
                if !first { out.append(UInt8(ascii: "$")) }
                first = false
                out += Array("#\(colour)".utf8)
                var x = 0
                while x < width {
                    var run = 1
                    while x + run < width && bits[x + run] == bits[x] { run += 1 }
                    let char = 63 + bits[x]
                    if run > 3 { out += Array("!\(run)".utf8); out.append(char) } else { out += [UInt8](repeating: char, count: run) }
                    x += run
                }
            }
            if band + 6 < height { out.append(UInt8(ascii: "-")) }
        }
        out += [0x1B, UInt8(ascii: "\\")]
        return out
    }

    /// Each pixel's register and the registers' colours, in order of first appearance.
    static func registers(_ rgb: [UInt8], count: Int) -> ([UInt8], [RGB]) {
        var palette: [RGB] = [], index: [RGB: UInt8] = [:]
        var indices = [UInt8](repeating: 0, count: count)
        var exact = true
        for i in 0..<count {
            let c = RGB(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2])
            if let k = index[c] { indices[i] = k; continue }
            guard palette.count < 256 else { exact = false; break }
            index[c] = UInt8(palette.count)
            indices[i] = UInt8(palette.count)
            palette.append(c)
        }
        if exact { return (indices, palette) }
        // Too many colours: the xterm palette entry nearest in Oklab, registers in order of first use.
        palette = []
        var register = [Int: UInt8](), nearest = [RGB: Int]()
        for i in 0..<count {
            let c = RGB(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2])
            let entry: Int
            if let e = nearest[c] { entry = e } else { entry = XtermPalette.nearestIndex(c); nearest[c] = entry }
            if let k = register[entry] { indices[i] = k; continue }
            register[entry] = UInt8(palette.count)
            indices[i] = UInt8(palette.count)
            palette.append(XtermPalette.color(entry))
        }
        return (indices, palette)
    }
}

/// kitty's graphics protocol (kitty, WezTerm, Konsole, Ghostty): images sent as base64 RGB in chunks
/// of 4,096, shown at their pixel size at the cursor, and deleted by id.
public enum KittyGraphics {
    /// Transmit and show image `id` at the cursor without moving it (`C=1`), quietly (`q=2`: no replies
    /// to read back).
    public static func show(rgb: [UInt8], width: Int, height: Int, id: Int) -> [UInt8] {
        precondition(rgb.count == width * height * 3 && width > 0 && height > 0)
        let payload = base64(rgb)
        var out: [UInt8] = []
        var start = 0
        repeat {
            let end = min(payload.count, start + 4096)
            let more = end < payload.count ? 1 : 0
            let keys = start == 0 ? "a=T,f=24,s=\(width),v=\(height),i=\(id),C=1,q=2,m=\(more)" : "m=\(more),q=2"
            out += Array("\u{1B}_G\(keys);".utf8) + payload[start..<end] + [0x1B, UInt8(ascii: "\\")]
            start = end
        } while start < payload.count
        return out
    }

    /// Deletes image `id` and its data.
    public static func delete(id: Int) -> [UInt8] { Array("\u{1B}_Ga=d,d=I,i=\(id),q=2\u{1B}\\".utf8) }

    /// Deletes every image this program placed.
    public static let deleteAll: [UInt8] = Array("\u{1B}_Ga=d,d=A,q=2\u{1B}\\".utf8)

    /// The query auto-detection sends: a 1×1 image that is checked but not stored; kitty answers
    /// `ESC _G i=31;OK ESC \`.
    public static let query: [UInt8] = Array("\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\".utf8)

    static func base64(_ bytes: [UInt8]) -> [UInt8] {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = Int(bytes[i]) << 16 | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2])
            out += [table[n >> 18], table[(n >> 12) & 63], table[(n >> 6) & 63], table[n & 63]]
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let n = Int(bytes[i]) << 16 | (rest == 2 ? Int(bytes[i + 1]) << 8 : 0)
            out += [table[n >> 18], table[(n >> 12) & 63], rest == 2 ? table[(n >> 6) & 63] : UInt8(ascii: "="), UInt8(ascii: "=")]
        }
        return out
    }
}
