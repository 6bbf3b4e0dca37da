import CGif

/// Animated GIF encoding and decoding through giflib (`EGif*` / `DGif*`), in memory. Frames come
/// already indexed, each with its own colour table: choosing the palette is the caller's (the figures
/// use `MedianCut.indexed`, as sixel does — exact up to 256 colours).
public enum GIF {
    /// One frame to write: each pixel's entry (row-major) in `palette`, RGB triples, 1…256 entries.
    public struct IndexedFrame: Sendable {
        public var indices: [UInt8]
        public var palette: [UInt8]
        public init(indices: [UInt8], palette: [UInt8]) {
            self.indices = indices
            self.palette = palette
        }
    }

    /// One decoded frame: RGB bytes, row-major, and how long it stays, in hundredths of a second.
    public struct Frame: Equatable, Sendable {
        public var rgb: [UInt8]
        public var delay: Int
    }

    /// A GIF that loops forever, each frame of `width`×`height` shown `delay` hundredths of a second.
    public static func encode(frames: [IndexedFrame], width: Int, height: Int, delay: Int) throws -> [UInt8] {
        precondition(!frames.isEmpty && width > 0 && height > 0 && width <= 65535 && height <= 65535)
        for frame in frames {
            precondition(frame.indices.count == width * height, "frame size does not match \(width)×\(height)")
            precondition((3...768).contains(frame.palette.count) && frame.palette.count % 3 == 0, "a palette is 1…256 RGB triples")
            precondition(frame.indices.allSatisfy { Int($0) * 3 < frame.palette.count }, "an index past the palette")
        }
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

        try check(EGifPutScreenDesc(gif, Int32(width), Int32(height), 8, 0, nil), gif)
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
            var indices = frame.indices
            let localMap = colourTable(frame.palette)
            defer { GifFreeMapObject(localMap) }
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

    /// A colour table for RGB triples, padded to the power of two GIF requires.
    private static func colourTable(_ palette: [UInt8]) -> UnsafeMutablePointer<ColorMapObject>? {
        var colours = stride(from: 0, to: palette.count, by: 3).map {
            GifColorType(Red: palette[$0], Green: palette[$0 + 1], Blue: palette[$0 + 2])
        }
        var size = 2
        while size < colours.count { size *= 2 }
        colours += [GifColorType](repeating: GifColorType(), count: size - colours.count)
        return GifMakeMapObject(Int32(size), colours)
    }

    private static func check(_ status: Int32, _ gif: UnsafeMutablePointer<GifFileType>) throws {
        guard status == GIF_OK else { throw FormatError("<gif>", "giflib could not encode: \(message(gif.pointee.Error))") }
    }

    private static func message(_ code: Int32) -> String {
        GifErrorString(code).map { String(cString: $0) } ?? "error \(code)"
    }
}
