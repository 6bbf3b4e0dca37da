import CGif

/// Animated GIF encoding and decoding through giflib (`EGif*` / `DGif*`), in memory.
/// Grey frames use one exact 256-level grey palette; colour frames get their own palette (exact up to
/// 256 colours, else from giflib's median-cut quantiser, `GifQuantizeBuffer`).
public enum GIF {
    /// One decoded frame: RGB bytes, row-major, and how long it stays, in hundredths of a second.
    public struct Frame: Equatable, Sendable {
        public var rgb: [UInt8]
        public var delay: Int
    }

    /// A GIF that loops forever, each frame shown `delay` hundredths of a second. `frames` are row-major
    /// pixels of `width`×`height`, 1 byte each (grey) or 3 (RGB), all of the same format.
    public static func encode(frames: [[UInt8]], width: Int, height: Int, format: PNG.PixelFormat,
                              delay: Int) throws -> [UInt8] {
        precondition(!frames.isEmpty && width > 0 && height > 0 && width <= 65535 && height <= 65535)
        precondition(frames.allSatisfy { $0.count == width * height * format.channels }, "frame size does not match \(width)×\(height)")
        let sink = ByteSink()
        var error: Int32 = 0
        guard let gif = EGifOpen(Unmanaged.passUnretained(sink).toOpaque(), { file, bytes, count in
            guard let file, let bytes, count > 0 else { return 0 }
            let sink = Unmanaged<ByteSink>.fromOpaque(file.pointee.UserData).takeUnretainedValue()
            sink.bytes.append(contentsOf: UnsafeBufferPointer(start: bytes, count: Int(count)))
            return count
        }, &error) else { throw FormatError("<gif>", "giflib could not start: \(message(error))") }
        var closed = false
        defer { if !closed { EGifCloseFile(gif, &error) } }
        EGifSetGifVersion(gif, true)

        let greyMap = format == .gray ? grey256() : nil
        defer { if let greyMap { GifFreeMapObject(greyMap) } }
        try check(EGifPutScreenDesc(gif, Int32(width), Int32(height), 8, 0, greyMap), gif)
        // NETSCAPE2.0 application extension: loop count 0 = forever.
        try check(EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE), gif)
        try Array("NETSCAPE2.0".utf8).withUnsafeBufferPointer { try check(EGifPutExtensionBlock(gif, 11, $0.baseAddress), gif) }
        try [UInt8]([1, 0, 0]).withUnsafeBufferPointer { try check(EGifPutExtensionBlock(gif, 3, $0.baseAddress), gif) }
        try check(EGifPutExtensionTrailer(gif), gif)

        var control = GraphicsControlBlock(DisposalMode: DISPOSE_DO_NOT, UserInputFlag: false,
                                           DelayTime: Int32(max(0, min(delay, 65535))), TransparentColor: NO_TRANSPARENT_COLOR)
        var extensionBytes = [GifByteType](repeating: 0, count: 4)
        let length = EGifGCBToExtension(&control, &extensionBytes)
        for frame in frames {
            try check(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, Int32(length), extensionBytes), gif)
            var indices: [GifByteType]
            var localMap: UnsafeMutablePointer<ColorMapObject>? = nil
            if format == .gray {
                indices = frame
            } else {
                (indices, localMap) = try quantized(frame, width: width, height: height)
            }
            defer { if let localMap { GifFreeMapObject(localMap) } }
            try check(EGifPutImageDesc(gif, 0, 0, Int32(width), Int32(height), false, localMap), gif)
            for y in 0..<height {
                try indices.withUnsafeMutableBufferPointer {
                    try check(EGifPutLine(gif, $0.baseAddress! + y * width, Int32(width)), gif)
                }
            }
        }
        closed = true
        guard EGifCloseFile(gif, &error) == GIF_OK else { throw FormatError("<gif>", "giflib could not finish: \(message(error))") }
        return sink.bytes
    }

    /// Every frame of a GIF as full-size RGB (frames drawn onto the canvas as a viewer would, without
    /// disposal), with its delay. Refuses canvases over 16M pixels and more than 4,096 frames.
    public static func decode(_ bytes: [UInt8], source: String = "<memory>") throws -> (width: Int, height: Int, frames: [Frame]) {
        let reader = ByteSource(bytes)
        var error: Int32 = 0
        guard let gif = DGifOpen(Unmanaged.passUnretained(reader).toOpaque(), { file, buffer, count in
            guard let file, let buffer, count > 0 else { return 0 }
            let reader = Unmanaged<ByteSource>.fromOpaque(file.pointee.UserData).takeUnretainedValue()
            return Int32(reader.read(into: buffer, count: Int(count)))
        }, &error) else { throw FormatError(source, "not a readable GIF: \(message(error))") }
        defer { DGifCloseFile(gif, &error) }
        let width = Int(gif.pointee.SWidth), height = Int(gif.pointee.SHeight)
        guard width > 0, height > 0, width * height <= 1 << 24 else { throw FormatError(source, "GIF of \(width)×\(height) is not readable here") }
        guard DGifSlurp(gif) == GIF_OK else { throw FormatError(source, "GIF data is corrupt: \(message(gif.pointee.Error))") }
        let count = Int(gif.pointee.ImageCount)
        guard count <= 4096 else { throw FormatError(source, "GIF has \(count) frames; at most 4,096 are read") }
        var canvas = [UInt8](repeating: 0, count: width * height * 3)
        var frames: [Frame] = []
        for i in 0..<count {
            let saved = gif.pointee.SavedImages[i]
            let d = saved.ImageDesc
            guard let map = d.ColorMap ?? gif.pointee.SColorMap, let raster = saved.RasterBits else {
                throw FormatError(source, "frame \(i) has no colour table")
            }
            let colours = UnsafeBufferPointer(start: map.pointee.Colors, count: Int(map.pointee.ColorCount))
            var control = GraphicsControlBlock()
            DGifSavedExtensionToGCB(gif, Int32(i), &control)
            for y in 0..<Int(d.Height) {
                for x in 0..<Int(d.Width) {
                    let cx = Int(d.Left) + x, cy = Int(d.Top) + y
                    guard cx < width, cy < height else { continue }
                    let index = Int(raster[y * Int(d.Width) + x])
                    guard index != Int(control.TransparentColor), index < colours.count else { continue }
                    let c = colours[index], o = (cy * width + cx) * 3
                    canvas[o] = c.Red; canvas[o + 1] = c.Green; canvas[o + 2] = c.Blue
                }
            }
            frames.append(Frame(rgb: canvas, delay: Int(control.DelayTime)))
        }
        return (width, height, frames)
    }

    // MARK: giflib plumbing

    private final class ByteSink { var bytes: [UInt8] = [] }

    private final class ByteSource {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        func read(into buffer: UnsafeMutablePointer<GifByteType>, count: Int) -> Int {
            let n = min(count, bytes.count - offset)
            guard n > 0 else { return 0 }
            bytes.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + offset, count: n) }
            offset += n
            return n
        }
    }

    private static func grey256() -> UnsafeMutablePointer<ColorMapObject>? {
        let colours = (0..<256).map { GifColorType(Red: GifByteType($0), Green: GifByteType($0), Blue: GifByteType($0)) }
        return GifMakeMapObject(256, colours)
    }

    /// A palette for one RGB frame: exact when it has at most 256 colours; otherwise giflib's median
    /// cut, whose 5-bit colour boxes are then re-centred on the mean of the pixels each entry stands for
    /// (giflib alone would darken every white to 248).
    private static func quantized(_ rgb: [UInt8], width: Int, height: Int) throws -> ([GifByteType], UnsafeMutablePointer<ColorMapObject>?) {
        let n = width * height
        var palette: [GifColorType] = []
        var indices = [GifByteType](repeating: 0, count: n)
        var seen: [UInt32: GifByteType] = [:]
        for i in 0..<n {
            let key = UInt32(rgb[3 * i]) << 16 | UInt32(rgb[3 * i + 1]) << 8 | UInt32(rgb[3 * i + 2])
            if let index = seen[key] { indices[i] = index; continue }
            guard palette.count < 256 else { palette = []; break }
            seen[key] = GifByteType(palette.count)
            indices[i] = GifByteType(palette.count)
            palette.append(GifColorType(Red: rgb[3 * i], Green: rgb[3 * i + 1], Blue: rgb[3 * i + 2]))
        }
        if palette.isEmpty {
            var r = [GifByteType](repeating: 0, count: n), g = r, b = r
            for i in 0..<n { r[i] = rgb[3 * i]; g[i] = rgb[3 * i + 1]; b[i] = rgb[3 * i + 2] }
            palette = [GifColorType](repeating: GifColorType(), count: 256)
            var size: Int32 = 256
            guard GifQuantizeBuffer(UInt32(width), UInt32(height), &size, &r, &g, &b, &indices, &palette) == GIF_OK else {
                throw FormatError("<gif>", "giflib could not reduce the frame to 256 colours")
            }
            palette = Array(palette.prefix(Int(size)))
            var sums = [(Int, Int, Int, Int)](repeating: (0, 0, 0, 0), count: palette.count)
            for i in 0..<n {
                let k = Int(indices[i])
                sums[k] = (sums[k].0 + Int(rgb[3 * i]), sums[k].1 + Int(rgb[3 * i + 1]), sums[k].2 + Int(rgb[3 * i + 2]), sums[k].3 + 1)
            }
            for (k, s) in sums.enumerated() where s.3 > 0 {
                palette[k] = GifColorType(Red: GifByteType((s.0 + s.3 / 2) / s.3), Green: GifByteType((s.1 + s.3 / 2) / s.3),
                                          Blue: GifByteType((s.2 + s.3 / 2) / s.3))
            }
        }
        // Colour tables come in powers of two.
        var tableSize = 2
        while tableSize < palette.count { tableSize *= 2 }
        palette += [GifColorType](repeating: GifColorType(), count: tableSize - palette.count)
        return (indices, GifMakeMapObject(Int32(tableSize), palette))
    }

    private static func check(_ status: Int32, _ gif: UnsafeMutablePointer<GifFileType>) throws {
        guard status == GIF_OK else { throw FormatError("<gif>", "giflib could not encode: \(message(gif.pointee.Error))") }
    }

    private static func message(_ code: Int32) -> String {
        GifErrorString(code).map { String(cString: $0) } ?? "error \(code)"
    }
}
