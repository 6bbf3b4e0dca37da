/// A palette for an RGB image and each pixel's entry in it, for the formats that take at most 256
/// colours (sixel registers, GIF colour tables): `indexed` is exact when the image has that few colours
/// and Heckbert's median cut otherwise (`quantise`): a palette of at most `maxColours`.
/// Colours are first binned at 5 bits a channel (32,768 bins); the box holding the most pixels times
/// its widest channel range is split at the pixel median of that channel until there are enough boxes;
/// each entry is the mean colour of its box's pixels (full 8-bit precision, not the bin's corner).
public enum MedianCut {
    /// Each pixel's entry and the palette: the image's own colours in order of first appearance when
    /// there are at most `maxColours`, else `quantise`'s.
    public static func indexed(_ rgb: [UInt8], count: Int, maxColours: Int = 256) -> (indices: [UInt8], palette: [RGB]) {
        var palette: [RGB] = []
        var indices = [UInt8](repeating: 0, count: count)
        // Colours seen so far: open addressing on the packed 24-bit colour (+1, so 0 means empty);
        // a Dictionary's hashing was a quarter of a sixel frame's time.
        var keys = [UInt32](repeating: 0, count: 1024), values = [UInt8](repeating: 0, count: 1024)
        pixels: for i in 0..<count {
            let key = (UInt32(rgb[3 * i]) << 16 | UInt32(rgb[3 * i + 1]) << 8 | UInt32(rgb[3 * i + 2])) + 1
            var slot = Int((key &* 2_654_435_761) >> 22)
            while keys[slot] != 0 {
                if keys[slot] == key { indices[i] = values[slot]; continue pixels }
                slot = (slot + 1) & 1023
            }
            guard palette.count < maxColours else { return quantise(rgb, count: count, maxColours: maxColours) }
            keys[slot] = key
            values[slot] = UInt8(palette.count)
            indices[i] = UInt8(palette.count)
            palette.append(RGB(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]))
        }
        return (indices, palette)
    }

    public static func quantise(_ rgb: [UInt8], count: Int, maxColours: Int = 256) -> (indices: [UInt8], palette: [RGB]) {
        precondition(rgb.count == count * 3 && (1...256).contains(maxColours))
        func bin(_ i: Int) -> Int { Int(rgb[3 * i] >> 3) << 10 | Int(rgb[3 * i + 1] >> 3) << 5 | Int(rgb[3 * i + 2] >> 3) }
        var counts = [Int](repeating: 0, count: 1 << 15)
        for i in 0..<count { counts[bin(i)] += 1 }
        let used = counts.indices.filter { counts[$0] > 0 }
        func channel(_ b: Int, _ c: Int) -> Int { (b >> (10 - 5 * c)) & 31 }

        var boxes: [[Int]] = [used]
        func score(_ box: [Int]) -> (Int, Int) {  // (pixels × widest range, widest channel)
            var best = (0, 0)
            for c in 0..<3 {
                var lo = 31, hi = 0
                for b in box { let v = channel(b, c); lo = min(lo, v); hi = max(hi, v) }
                if hi - lo > best.0 { best = (hi - lo, c) }
            }
            return (best.0 * box.reduce(0) { $0 + counts[$1] }, best.1)
        }
        var scored = [score(used)]
        while boxes.count < maxColours {
            guard let k = scored.indices.max(by: { scored[$0].0 < scored[$1].0 }), scored[k].0 > 0 else { break }
            let c = scored[k].1
            let sorted = boxes[k].sorted { channel($0, c) < channel($1, c) }
            let total = sorted.reduce(0) { $0 + counts[$1] }
            var acc = 0, cut = 1
            for (j, b) in sorted.enumerated() {
                acc += counts[b]
                if acc * 2 >= total { cut = max(1, min(sorted.count - 1, j + 1)); break }
            }
            boxes[k] = Array(sorted[..<cut])
            boxes.append(Array(sorted[cut...]))
            scored[k] = score(boxes[k])
            scored.append(score(boxes[boxes.count - 1]))
        }
        var entry = [Int](repeating: 0, count: 1 << 15)
        for (k, box) in boxes.enumerated() { for b in box { entry[b] = k } }
        var sums = [(Int, Int, Int, Int)](repeating: (0, 0, 0, 0), count: boxes.count)
        var indices = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let k = entry[bin(i)]
            indices[i] = UInt8(k)
            sums[k] = (sums[k].0 + Int(rgb[3 * i]), sums[k].1 + Int(rgb[3 * i + 1]), sums[k].2 + Int(rgb[3 * i + 2]), sums[k].3 + 1)
        }
        let palette = sums.map { s in
            s.3 == 0 ? RGB.black : RGB(UInt8((s.0 + s.3 / 2) / s.3), UInt8((s.1 + s.3 / 2) / s.3), UInt8((s.2 + s.3 / 2) / s.3))
        }
        return (indices, palette)
    }
}
