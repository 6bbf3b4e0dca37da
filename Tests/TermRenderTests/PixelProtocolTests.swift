import Foundation
@testable import TermRender
import Testing

/// The bytes of the pixel protocols for small images (golden), and their limits.
@Suite struct PixelProtocolTests {
    /// A 3×7 image of two colours: two bands (6 rows, then 1), each colour's row of sixels, trailing empty sixels left out.
    @Test func sixelGoldenBytes() {
        let red: [UInt8] = [255, 0, 0], white: [UInt8] = [255, 255, 255]
        var rgb: [UInt8] = []
        for y in 0..<7 { for x in 0..<3 { rgb += (x == 0 || y == 6) ? red : white } }
        let bytes = Sixel.encode(rgb: rgb, width: 3, height: 7)
        let expected = "\u{1B}P0;1;0q\"1;1;3;7#0;2;100;0;0#1;2;100;100;100#0~$#1?~~-#0@@@\u{1B}\\"
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test func sixelRunsAndTooManyColours() {
        // 10 pixels of one colour in a row: a run `!10`.
        let bytes = String(decoding: Sixel.encode(rgb: [UInt8](repeating: 0, count: 10 * 3), width: 10, height: 1), as: UTF8.self)
        #expect(bytes.hasSuffix("#0!10@\u{1B}\\"))
        // 1,000 colours: a median-cut palette, at most 256 registers, close to every pixel.
        var many: [UInt8] = []
        for i in 0..<1000 { many += [UInt8(i % 256), UInt8((i / 4) % 256), UInt8((i * 7) % 256)] }
        let (indices, palette) = MedianCut.indexed(many, count: 1000)
        #expect(palette.count <= 256 && indices.allSatisfy { Int($0) < palette.count })
        var error = 0
        for i in 0..<1000 {
            let c = palette[Int(indices[i])]
            error += abs(Int(c.r) - Int(many[3 * i])) + abs(Int(c.g) - Int(many[3 * i + 1])) + abs(Int(c.b) - Int(many[3 * i + 2]))
        }
        #expect(Double(error) / 3000 < 8, "mean error \(Double(error) / 3000) of 255")
    }

    @Test func kittySendsBase64InChunksAndDeletesById() {
        let rgb = (0..<(40 * 40 * 3)).map { UInt8($0 % 251) }
        let bytes = KittyGraphics.show(rgb: rgb, width: 40, height: 40, id: 7)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("\u{1B}_Ga=T,f=24,s=40,v=40,i=7,C=1,q=2,m=1;"))
        let chunks = text.components(separatedBy: "\u{1B}\\").filter { !$0.isEmpty }
        #expect(chunks.count == 2 && chunks[1].hasPrefix("\u{1B}_Gm=0,q=2;"))
        let payload = chunks.map { String($0[$0.index(after: $0.firstIndex(of: ";")!)...]) }.joined()
        #expect(payload.count == 4096 + (4800 * 4 / 3 - 4096))
        #expect(Data(base64Encoded: payload) == Data(rgb))
        #expect(String(decoding: KittyGraphics.base64([1, 2]), as: UTF8.self) == Data([1, 2]).base64EncodedString())
        #expect(String(decoding: KittyGraphics.delete(id: 7), as: UTF8.self) == "\u{1B}_Ga=d,d=I,i=7,q=2\u{1B}\\")
    }

    @Test func placementFitsWholeCellsCentredAndPixelExact() throws {
        let image = Image(width: 28, height: 28, pixels: [Float](repeating: 0.5, count: 784))
        let p = ImagePlacement(image: image, area: Rect(x: 10, y: 5, width: 28, height: 14), colorMap: .grey)
        let fit = try #require(p.fitted(cell: PixelSize(width: 6, height: 13)))
        // 168×182 px available: ×6 → 168×168, 28 cells by 13 rows (168/13 rounded up), centred.
        #expect(fit.pixels.width == 168 && fit.pixels.height == 168)
        #expect(fit.cells == Rect(x: 10, y: 5, width: 28, height: 13))
        var b = Buffer(width: 20, height: 10)
        b.place(image, in: Rect(x: 15, y: 0, width: 10, height: 4), colorMap: .grey)   // partly off-screen: glyphs only
        #expect(b.images.isEmpty)
        b.draw(image, in: Rect(x: 0, y: 0, width: 14, height: 7), mode: .half, capability: .truecolor)
        #expect(b.images.count == 1 && b.images[0].area == Rect(x: 0, y: 0, width: 14, height: 7))
    }
}
