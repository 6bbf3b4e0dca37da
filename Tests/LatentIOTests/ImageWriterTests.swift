import CPNG
import LatentCore
@testable import LatentIO
import Testing

@Suite struct ImageWriterTests {
    @Test func pngRoundTripsGreyAndRGB() throws {
        let grey = (0..<(28 * 28)).map { UInt8($0 % 256) }
        let png = try PNG.encode(pixels: grey, width: 28, height: 28)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let back = try PNG.decode(png)
        #expect(back.width == 28 && back.height == 28 && back.pixels == grey)

        let rgb = (0..<(5 * 3 * 3)).map { UInt8(($0 * 37) % 256) }
        let decoded = try PNG.decode(try PNG.encode(pixels: rgb, width: 5, height: 3, format: .rgb), as: .rgb)
        #expect(decoded.pixels == rgb)
    }

    /// A 16-bit PNG reads as the 8-bit PNG of the same picture: its high byte, not gamma-encoded.
    @Test func sixteenBitPNGsReadAsTheirEightBitTwin() throws {
        let levels: [UInt8] = [0, 1, 64, 100, 128, 200, 254, 255]
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(levels.count)
        image.height = 1
        image.format = UInt32(PNG_FORMAT_FLAG_LINEAR)  // 16-bit grey, written as it is
        let wide = levels.map { UInt16($0) * 257 }
        var size: png_alloc_size_t = 0
        _ = wide.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let ok = bytes.withUnsafeMutableBytes { out in wide.withUnsafeBytes { png_image_write_to_memory(&image, out.baseAddress, &size, 0, $0.baseAddress, 0, nil) } }
        #expect(ok != 0)
        #expect(bytes[24] == 16)  // IHDR's bit depth
        #expect(try PNG.decode(Array(bytes.prefix(Int(size)))).pixels == levels)
        #expect(try PNG.decode(Array(bytes.prefix(Int(size))), as: .rgb).pixels == levels.flatMap { [$0, $0, $0] })
    }

    @Test func pngDecodeRejectsGarbage() {
        #expect(formatErrorMessage { _ = try PNG.decode([1, 2, 3, 4], source: "x.png") }?.hasPrefix("not a readable PNG") == true)
    }

    /// Indexed frames come back as the palette's colours: a grey ramp exactly, every frame, with its
    /// delay; a frame of 4 colours in a table padded to 4; the loop extension is written.
    @Test func gifRoundTripsIndexedFramesExactly() throws {
        let grey = (0..<256).flatMap { [UInt8($0), UInt8($0), UInt8($0)] }
        let frames = (0..<3).map { f in GIF.IndexedFrame(indices: (0..<(17 * 9)).map { UInt8(($0 * 7 + f * 50) % 256) }, palette: grey) }
        let gif = try GIF.encode(frames: frames, width: 17, height: 9, delay: 12)
        #expect(gif.starts(with: Array("GIF89a".utf8)))
        #expect(gif.count > 6 && gif.last == 0x3B)  // the trailer
        #expect(String(decoding: gif, as: UTF8.self).contains("NETSCAPE2.0"))  // loops
        let back = try GIF.decode(gif)
        #expect(back.width == 17 && back.height == 9 && back.frames.count == 3)
        for (f, frame) in back.frames.enumerated() {
            #expect(frame.delay == 12)
            #expect(frame.rgb == frames[f].indices.flatMap { [$0, $0, $0] })
        }

        let palette: [[UInt8]] = [[255, 0, 0], [0, 128, 255], [12, 200, 30], [250, 250, 250]]
        let indices = (0..<(6 * 5)).map { UInt8(($0 * 3) % 4) }
        let colour = try GIF.decode(try GIF.encode(frames: [GIF.IndexedFrame(indices: indices, palette: palette.flatMap { $0 }),
                                                            GIF.IndexedFrame(indices: indices.reversed(), palette: palette.flatMap { $0 })],
                                                   width: 6, height: 5, delay: 5))
        #expect(colour.frames.count == 2)
        #expect(colour.frames[0].rgb == indices.flatMap { palette[Int($0)] })
    }

    @Test func gifDecodeRejectsGarbage() {
        #expect(formatErrorMessage { _ = try GIF.decode(Array("GIF89a but not really".utf8), source: "x.gif") } != nil)
        #expect(formatErrorMessage { _ = try GIF.decode([], source: "x.gif") } != nil)
    }

    @Test func pgmHasTheP5Header() {
        let bytes = PGM.encode(pixels: [0, 128, 255, 7], width: 2, height: 2)
        #expect(bytes == Array("P5\n2 2\n255\n".utf8) + [0, 128, 255, 7])
    }

    @Test func unitFloatsClampAndRound() {
        #expect(bytesFromUnitFloats([-0.5, 0, 0.5, 1, 2, .nan]) == [0, 0, 128, 255, 255, 0])
    }
}
