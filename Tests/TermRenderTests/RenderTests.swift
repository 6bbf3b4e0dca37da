@testable import TermRender
import Testing

@Suite struct ImageRasterTests {
    static let ramp = Image(width: 4, height: 4, pixels: (0..<16).map { Float($0) / 15 })

    @Test func halfBlocksCarryTheTwoPixelsExactly() {
        let cells = ImageRaster.cells(Self.ramp, mode: .half)
        #expect(cells.count == 4 * 2)
        #expect(cells.allSatisfy { $0.glyph == "▀" })
        // cell (1, 1) covers pixels (1, 2) above and (1, 3) below
        #expect(cells[4 + 1].style.fg == .rgb(ColorMap.grey.color(9.0 / 15)))
        #expect(cells[4 + 1].style.bg == .rgb(ColorMap.grey.color(13.0 / 15)))
        #expect(ImageRaster.size(width: 28, height: 28, mode: .half) == (28, 14))
    }

    @Test func monochromeTerminalsGetASCIIInsteadOfHalfBlocks() {
        let cells = ImageRaster.cells(Self.ramp, mode: .half, capability: .monochrome)
        #expect(cells.allSatisfy { $0.glyph != "▀" && $0.style == .plain })
    }

    /// A decoder's NaN, infinities and overshoot are clamped once, where the image is made, so no
    /// rasteriser ever converts a non-finite value to an integer.
    @Test func imagesHoldOnlyValuesInTheUnitInterval() {
        let image = Image(width: 3, height: 2, pixels: [.nan, .infinity, -.infinity, 1.5, -0.25, 0.5])
        #expect(image.pixels == [0, 1, 0, 1, 0, 0.5])
        for mode in RenderMode.allCases { #expect(ImageRaster.cells(image, mode: mode).count > 0) }
    }

    @Test func brailleSetsTheDotsOfBrightPixels() {
        // Left column bright, right column dark: dots 1, 2, 3, 7 = 0x47 → U+2847 "⡇".
        var px = [Float](repeating: 0, count: 8)
        for y in 0..<4 { px[y * 2] = 1 }
        let cells = ImageRaster.cells(Image(width: 2, height: 4, pixels: px), mode: .braille)
        #expect(cells == [Cell("⡇", Style(fg: .rgb(ColorMap.grey.color(1))))])
        let full = ImageRaster.cells(Image(width: 2, height: 4, pixels: [Float](repeating: 1, count: 8)), mode: .braille)
        #expect(full[0].glyph == "⣿")
        #expect(ImageRaster.size(width: 28, height: 28, mode: .braille) == (14, 7))
        // Dithering a flat 50 % grey lights about half the dots.
        let grey = Image(width: 8, height: 8, pixels: [Float](repeating: 0.5, count: 64))
        let lit = ImageRaster.cells(grey, mode: .braille, dither: true).map { $0.glyph.value - 0x2800 }.map { $0.nonzeroBitCount }.reduce(0, +)
        #expect(lit == 32)
    }

    @Test func asciiUsesTheRampOnAveragedRowPairs() {
        let img = Image(width: 2, height: 2, pixels: [0, 1, 0, 1])
        #expect(ImageRaster.text(img) == " @\n")
        #expect(ImageRaster.cells(Self.ramp, mode: .ascii).count == 8)
    }

    @Test func downsamplingAveragesBlocks() {
        let img = Image(width: 4, height: 2, pixels: [0, 1, 1, 1, 1, 0, 1, 1])
        #expect(img.downsampled(by: 2) == Image(width: 2, height: 1, pixels: [0.5, 1]))
    }
}

@Suite struct ColorTests {
    @Test func paletteQuantisationPicksTheNearestEntry() {
        #expect(XtermPalette.nearestIndex(RGB(255, 0, 0)) == 196)
        #expect(XtermPalette.nearestIndex(RGB(0, 0, 0)) == 16)
        #expect(XtermPalette.nearestIndex(RGB(grey: 128)) == 244)  // grey ramp entry 8 + 10·12 = 128
        // The grey ramp and cube together stay within 8/255 of any grey (the rendering budget).
        for v in 0...255 {
            let c = XtermPalette.color(XtermPalette.nearestIndex(RGB(grey: UInt8(v))))
            #expect(abs(Int(c.r) - v) <= 8, "grey \(v) → \(c)")
        }
    }

    @Test func viridisRunsFromPurpleToYellow() {
        #expect(ColorMap.viridis.color(0) == RGB(68, 1, 84))
        #expect(ColorMap.viridis.color(1) == RGB(253, 231, 37))
        #expect(ColorMap.grey.color(.nan) == RGB.black)
        #expect(ColorMap.grey.color(2) == RGB.white)
    }
}

@Suite struct BufferTests {
    @Test func writingClipsAndTextShowsEveryRow() {
        var b = Buffer(width: 6, height: 2)
        b.write("hello world", x: 1, y: 0)
        b.write("xy", x: -1, y: 1)
        b.write("zz", x: 0, y: 5)  // off the buffer: ignored
        #expect(b.text == " hello\ny     ")
    }

    @Test func boxesFrameTheirRectWithATitle() {
        var b = Buffer(width: 8, height: 3)
        b.box(b.area, title: "z")
        #expect(b.text == "┌─ z ──┐\n│      │\n└──────┘")
    }

    @Test func changesListOnlyTheCellsThatDiffer() {
        var a = Buffer(width: 3, height: 2)
        var b = a
        #expect(b.changes(since: a).isEmpty)
        b[1, 1] = Cell("x")
        #expect(b.changes(since: a) == [4])
        a = Buffer(width: 2, height: 2)
        #expect(b.changes(since: a).count == 6)
    }

    @Test func rectSplitsPartitionTheArea() {
        let r = Rect(x: 2, y: 3, width: 10, height: 6)
        let (top, rest) = r.splitTop(2)
        #expect(top == Rect(x: 2, y: 3, width: 10, height: 2) && rest == Rect(x: 2, y: 5, width: 10, height: 4))
        let (left, right) = r.splitLeft(4)
        #expect(left.width + right.width == 10 && right.x == 6)
        #expect(r.centered(width: 4, height: 2) == Rect(x: 5, y: 5, width: 4, height: 2))
    }
}
