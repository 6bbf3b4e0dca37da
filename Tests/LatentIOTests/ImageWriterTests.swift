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

    @Test func pgmHasTheP5Header() {
        let bytes = PGM.encode(pixels: [0, 128, 255, 7], width: 2, height: 2)
        #expect(bytes == Array("P5\n2 2\n255\n".utf8) + [0, 128, 255, 7])
    }

    @Test func unitFloatsClampAndRound() {
        #expect(bytesFromUnitFloats([-0.5, 0, 0.5, 1, 2, .nan]) == [0, 0, 128, 255, 255, 0])
    }
}
