import CPNG

/// PNG encoding and decoding through libpng's simplified API (`png_image`).
public enum PNG {
    public enum PixelFormat: Sendable {
        case gray, rgb

        var channels: Int { self == .gray ? 1 : 3 }
        var libpng: UInt32 { self == .gray ? UInt32(PNG_FORMAT_GRAY) : UInt32(PNG_FORMAT_RGB) }
    }

    /// 8-bit PNG bytes of row-major `pixels` (1 byte per pixel for gray, 3 for rgb).
    public static func encode(pixels: [UInt8], width: Int, height: Int, format: PixelFormat = .gray) throws -> [UInt8] {
        precondition(pixels.count == width * height * format.channels, "pixel count does not match \(width)×\(height)")
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = format.libpng
        var size: png_alloc_size_t = 0
        // First call measures, second writes.
        guard png_image_write_to_memory(&image, nil, &size, 0, pixels, 0, nil) != 0 else {
            throw FormatError("<png>", "libpng could not encode: \(message(of: image))")
        }
        var out = [UInt8](repeating: 0, count: Int(size))
        let ok = out.withUnsafeMutableBytes { buf in
            png_image_write_to_memory(&image, buf.baseAddress, &size, 0, pixels, 0, nil)
        }
        guard ok != 0 else { throw FormatError("<png>", "libpng could not encode: \(message(of: image))") }
        return Array(out[0..<Int(size)])
    }

    /// Decodes any PNG into 8-bit pixels of `format`; with `expected`, a PNG of another size is refused
    /// from its header, before any pixel is read.
    public static func decode(_ bytes: [UInt8], as format: PixelFormat = .gray, expected: (width: Int, height: Int)? = nil,
                              source: String = "<memory>") throws -> (width: Int, height: Int, pixels: [UInt8]) {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw FormatError(source, "not a readable PNG: \(message(of: image))") }
        defer { png_image_free(&image) }
        // libpng's simplified reader takes 16-bit files as linear light and would gamma-encode them on
        // the way to 8 bits: the same picture saved at 16 bits would reach the model brighter. Read them
        // as 16-bit linear (values unchanged) and keep the high byte, as the 8-bit file holds it.
        let sixteen = image.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0
        image.format = format.libpng | (sixteen ? UInt32(PNG_FORMAT_FLAG_LINEAR) : 0)
        let width = Int(image.width), height = Int(image.height)
        guard width * height <= 1 << 26 else { throw FormatError(source, "PNG of \(width)×\(height) is too large") }
        if let expected, expected != (width, height) {
            throw FormatError(source, "is \(width)×\(height); expected \(expected.width)×\(expected.height)")
        }
        let count = width * height * format.channels
        if sixteen {
            var wide = [UInt16](repeating: 0, count: count)
            let done = wide.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard done != 0 else { throw FormatError(source, "PNG data is corrupt: \(message(of: image))") }
            return (width, height, wide.map { UInt8((UInt32($0) + 128) / 257) })
        }
        var pixels = [UInt8](repeating: 0, count: count)
        let done = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard done != 0 else { throw FormatError(source, "PNG data is corrupt: \(message(of: image))") }
        return (width, height, pixels)
    }

    private static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
