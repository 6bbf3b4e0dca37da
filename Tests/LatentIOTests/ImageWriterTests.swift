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

    @Test func pngDecodeRejectsGarbage() {
        #expect(formatErrorMessage { _ = try PNG.decode([1, 2, 3, 4], source: "x.png") }?.hasPrefix("not a readable PNG") == true)
    }

    /// Grey frames keep every value (one exact 256-level palette); colour frames go through giflib's
    /// median cut, exact when a frame has ≤ 256 colours. Delays and the frame count survive.
    @Test func gifRoundTripsGreyExactlyAndFewColoursExactly() throws {
        let frames = (0..<3).map { f in (0..<(17 * 9)).map { UInt8(($0 * 7 + f * 50) % 256) } }
        let gif = try GIF.encode(frames: frames, width: 17, height: 9, format: .gray, delay: 12)
        #expect(gif.starts(with: Array("GIF89a".utf8)))
        #expect(gif.count > 6 && gif.last == 0x3B)  // the trailer
        #expect(String(decoding: gif, as: UTF8.self).contains("NETSCAPE2.0"))  // loops
        let back = try GIF.decode(gif)
        #expect(back.width == 17 && back.height == 9 && back.frames.count == 3)
        for (f, frame) in back.frames.enumerated() {
            #expect(frame.delay == 12)
            #expect(frame.rgb == frames[f].flatMap { [$0, $0, $0] })
        }

        let palette: [[UInt8]] = [[255, 0, 0], [0, 128, 255], [12, 200, 30], [250, 250, 250]]
        let rgb = (0..<(6 * 5)).flatMap { palette[($0 * 3) % 4] }
        let colour = try GIF.decode(try GIF.encode(frames: [rgb, rgb.reversed()], width: 6, height: 5, format: .rgb, delay: 5))
        #expect(colour.frames.count == 2)
        #expect(colour.frames[0].rgb == rgb)
    }

    @Test func gifQuantisesManyColoursClosely() throws {
        var rgb: [UInt8] = []
        for y in 0..<64 {
            for x in 0..<64 { rgb += [UInt8(x * 4), UInt8(y * 4), UInt8((x + y) * 2)] }
        }
        let back = try GIF.decode(try GIF.encode(frames: [rgb], width: 64, height: 64, format: .rgb, delay: 10))
        let errors = zip(back.frames[0].rgb, rgb).map { abs(Int($0) - Int($1)) }
        #expect(Double(errors.reduce(0, +)) / Double(errors.count) < 8)  // of 255: 4,096 colours in 256
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
