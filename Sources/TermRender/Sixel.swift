/// DEC sixel graphics (VT340; xterm `-ti vt340`, foot, WezTerm, mlterm, Windows Terminal, Konsole):
/// an image as a device control string. Colours go into registers (at most 256 here): exact when the
/// image has that few, otherwise a median-cut palette (`MedianCut`).
public enum Sixel {
    /// `ESC P 0;1;0 q "1;1;W;H #i;2;r;g;b … <bands> ESC \`. P2 = 1 leaves pixels no colour sets as they
    /// were; bands are 6 pixel rows, each colour's row of sixels run-length coded (`!n`), `$` returns
    /// to the band's start, `-` goes to the next band.
    /// `maxColours` (≤ 256) bounds the registers: bytes grow with the colours in each band.
    public static func encode(rgb: [UInt8], width: Int, height: Int, maxColours: Int = 256) -> [UInt8] {
        precondition(rgb.count == width * height * 3 && width > 0 && height > 0)
        let (indices, palette) = MedianCut.indexed(rgb, count: width * height, maxColours: maxColours)
        var out: [UInt8] = Array("\u{1B}P0;1;0q\"1;1;\(width);\(height)".utf8)
        for (i, c) in palette.enumerated() {
            func percent(_ v: UInt8) -> Int { (Int(v) * 100 + 127) / 255 }
            out += Array("#\(i);2;\(percent(c.r));\(percent(c.g));\(percent(c.b))".utf8)
        }
        // One pass over a band's pixels sets each colour's sixel bits; then each used colour's row is sent.
        var bits = [UInt8](repeating: 0, count: palette.count * width)
        var used = [Bool](repeating: false, count: palette.count)
        for band in stride(from: 0, to: height, by: 6) {
            let rows = min(6, height - band)
            for r in 0..<rows {
                let row = (band + r) * width
                for x in 0..<width {
                    let colour = Int(indices[row + x])
                    bits[colour * width + x] |= 1 << r
                    used[colour] = true
                }
            }
            var first = true
            for colour in palette.indices where used[colour] {
                used[colour] = false
                let base = colour * width
                // Trailing empty sixels need not be sent.
                var end = width
                while end > 0 && bits[base + end - 1] == 0 { end -= 1 }
                if !first { out.append(UInt8(ascii: "$")) }
                first = false
                out += Array("#\(colour)".utf8)
                var x = 0
                while x < end {
                    let b = bits[base + x]
                    var run = 1
                    while x + run < end && bits[base + x + run] == b { run += 1 }
                    let char = 63 + b
                    if run > 3 { out += Array("!\(run)".utf8); out.append(char) } else { out += [UInt8](repeating: char, count: run) }
                    x += run
                }
                for i in base..<(base + width) { bits[i] = 0 }
            }
            if band + 6 < height { out.append(UInt8(ascii: "-")) }
        }
        out += [0x1B, UInt8(ascii: "\\")]
        return out
    }
}

/// kitty's graphics protocol (kitty, WezTerm, Konsole, Ghostty): images sent as base64 RGB in chunks
/// of 4,096, shown at their pixel size at the cursor, and deleted by id.
public enum KittyGraphics {
    /// Transmit and show image `id` at the cursor without moving it (`C=1`), quietly (`q=2`: no replies
    /// to read back). With `deflate` (a zlib compressor) the pixels travel compressed (`o=z`): a digit
    /// on black shrinks about tenfold, which matters over SSH.
    public static func show(rgb: [UInt8], width: Int, height: Int, id: Int, deflate: (([UInt8]) -> [UInt8])? = nil) -> [UInt8] {
        precondition(rgb.count == width * height * 3 && width > 0 && height > 0)
        let payload = base64(deflate?(rgb) ?? rgb)
        var out: [UInt8] = []
        var start = 0
        repeat {
            let end = min(payload.count, start + 4096)
            let more = end < payload.count ? 1 : 0
            let keys = start == 0 ? "a=T,f=24,\(deflate == nil ? "" : "o=z,")s=\(width),v=\(height),i=\(id),C=1,q=2,m=\(more)" : "m=\(more),q=2"
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
