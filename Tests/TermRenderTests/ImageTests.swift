@testable import TermRender
import Testing

@Suite struct ImageTests {
    /// A 2×2 RGB image: red, green / blue, white (planar).
    static let quad = Image(channels: 3, width: 2, height: 2, pixels: [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1])

    @Test func colourHalfBlocksCarryTheExactRGB() {
        let cells = ImageRaster.cells(Self.quad, mode: .half, colorMap: .viridis)
        // Column 0: red above blue; column 1: green above white. The colour map does not apply to colour.
        #expect(cells == [Cell("▀", Style(fg: .rgb(RGB(255, 0, 0)), bg: .rgb(RGB(0, 0, 255)))),
                          Cell("▀", Style(fg: .rgb(RGB(0, 255, 0)), bg: .rgb(RGB(255, 255, 255))))])
    }

    @Test func brailleAndASCIIReadTheLuma() {
        #expect(Self.quad[0, 0] == 0.299)
        #expect(abs(Self.quad[1, 1] - 1) < 1e-6)
        #expect(Self.quad.luminance.pixels.count == 4)
        // Only white (luma 1) and green (0.587) pass the 0.5 threshold; the lit dots are tinted by their mean.
        let cell = ImageRaster.cells(Self.quad, mode: .braille)[0]
        #expect(cell.glyph.value - 0x2800 == ImageRaster.brailleBits[1][0] | ImageRaster.brailleBits[1][1])
        #expect(cell.style.fg == .rgb(RGB(127, 255, 127)))
        // Row pairs averaged: (red + blue) / 2 = 0.21 → ":", (green + white) / 2 = 0.79 → "#".
        #expect(ImageRaster.text(Self.quad) == ":#\n")
    }

    @Test func shrinkingAveragesEachOutputPixelsArea() {
        // 3 → 2 pixels: each output covers 1.5 inputs; the middle one is split between them.
        let row = Image(width: 3, height: 1, pixels: [0, 0.6, 0.9])
        let out = row.areaAveraged(width: 2, height: 1)
        #expect(abs(out.pixels[0] - (0 + 0.5 * 0.6) / 1.5) < 1e-6)
        #expect(abs(out.pixels[1] - (0.5 * 0.6 + 0.9) / 1.5) < 1e-6)
        // The mean is kept, per channel, for a 64×64 colour image fitted into a 28×28 box.
        var rng = LCG(seed: 4)
        let big = Image(channels: 3, width: 64, height: 64, pixels: (0..<(3 * 64 * 64)).map { _ in rng.nextFloat() })
        let small = big.fitted(width: 28, height: 28)
        #expect(small.width == 28 && small.height == 28 && small.channels == 3)
        for c in 0..<3 {
            let a = big.pixels[(c * 4096)..<((c + 1) * 4096)].reduce(0, +) / 4096
            let b = small.pixels[(c * 784)..<((c + 1) * 784)].reduce(0, +) / 784
            #expect(abs(a - b) < 1e-4)
        }
    }

    @Test func fittingKeepsTheAspectAndEnlargesByWholeSteps() {
        let wide = Image(width: 32, height: 16, pixels: [Float](repeating: 0.5, count: 512))
        #expect(wide.fitted(width: 28, height: 28).width == 28)
        #expect(wide.fitted(width: 28, height: 28).height == 14)
        // 16 pixels in a 56-pixel box: ×3 (not 3.5), each pixel repeated exactly.
        let small = Image(width: 2, height: 1, pixels: [0.25, 0.75])
        let up = small.fitted(width: 7, height: 7)
        #expect(up.width == 6 && up.height == 3)
        #expect(up.pixels == Array(repeating: [0.25, 0.25, 0.25, 0.75, 0.75, 0.75], count: 3).flatMap { $0 })
        let smooth = small.fitted(width: 4, height: 4, smooth: true)
        #expect(smooth.width == 4 && smooth.pixels[1] > 0.25 && smooth.pixels[1] < 0.75)
    }

    @Test func everySizeFitsItsCellsInEveryMode() {
        for side in [8, 16, 28, 32, 64, 100, 128] {
            let image = Image(channels: 3, width: side, height: side, pixels: [Float](repeating: 0.3, count: 3 * side * side))
            for mode in RenderMode.allCases {
                for (columns, rows) in [(28, 14), (14, 7), (7, 4)] {
                    let block = ImageRaster.fitted(image, columns: columns, rows: rows, mode: mode)
                    #expect(block.columns <= columns && block.rows <= rows, "\(side) px in \(columns)×\(rows) \(mode)")
                    #expect(block.cells.count == block.columns * block.rows)
                    #expect(block.columns > 0)
                }
            }
        }
    }
}

@Suite struct PaletteQuantisationTests {
    /// The bracketing search finds what a search of all 240 entries in Oklab finds.
    @Test func nearestEntryMatchesAnExhaustiveOklabSearch() {
        var rng = LCG(seed: 11)
        for _ in 0..<3000 {
            let c = RGB(UInt8(rng.byte()), UInt8(rng.byte()), UInt8(rng.byte()))
            let target = Oklab(c)
            let best = (16..<256).min { target.distance(to: XtermPalette.paletteLab[$0 - 16]) < target.distance(to: XtermPalette.paletteLab[$1 - 16]) }!
            let chosen = XtermPalette.nearestIndex(c)
            #expect(target.distance(to: XtermPalette.paletteLab[chosen - 16]) <= target.distance(to: XtermPalette.paletteLab[best - 16]) * 1.0001 + 1e-7,
                    "\(c): chose \(chosen), nearest is \(best)")
        }
    }

    @Test func saturatedColoursStayColouredAndGreysStayGrey() {
        // Dark navy in plain RGB distance would be matched to a grey; in Oklab it stays blue.
        let navy = XtermPalette.color(XtermPalette.nearestIndex(RGB(10, 20, 80)))
        #expect(navy.b > navy.r && navy.b > navy.g)
        for v in stride(from: 0, through: 255, by: 5) {
            let c = XtermPalette.color(XtermPalette.nearestIndex(RGB(grey: UInt8(v))))
            #expect(c.r == c.g && c.g == c.b, "grey \(v) → \(c)")
        }
    }
}

/// A tiny deterministic generator (TermRender has no dependencies, and neither do its tests).
struct LCG {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 6364136223846793005 &+ 1442695040888963407 }
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
    mutating func nextFloat() -> Float { Float(next() % 1_000_000) / 1_000_000 }
    mutating func byte() -> UInt8 { UInt8(next() % 256) }
}

@Suite struct ImageSheetTests {
    @Test func sheetPlacesImagesInRowsWithGaps() {
        let a = Image(width: 2, height: 2, pixels: [0, 0, 0, 0]), b = Image(width: 2, height: 2, pixels: [0.5, 0.5, 0.5, 0.5])
        let sheet = Image.sheet([a, b, a], columns: 2, gap: 1)
        #expect(sheet.width == 2 * 2 + 3 && sheet.height == 2 * 2 + 3 && !sheet.isColour)
        #expect(sheet[0, 0] == 1)       // dark images: white gaps
        #expect(sheet[1, 1] == 0)       // a at (1, 1)
        #expect(sheet[4, 2] == 0.5)     // b at (4, 1)
        #expect(sheet[1, 4] == 0)       // the third image starts the second row
        #expect(sheet[4, 4] == 1)       // and the fourth place is empty
        #expect(Image.sheet([b], columns: 1, gap: 1, background: 0.2)[0, 0] == 0.2)
    }

    @Test func captionsAreDrawnUnderEachImageInTheInkFarthestFromTheBackground() {
        let dark = Image(width: 8, height: 4, pixels: [Float](repeating: 0, count: 32))
        let sheet = Image.sheet([dark, dark], columns: 2, gap: 1, captions: ["7", "10"])
        // A 5-px glyph line and a 1-px space under each 4-px image.
        #expect(sheet.width == 2 * 8 + 3 && sheet.height == 4 + 6 + 2)
        func inked(_ image: Image, _ xs: Range<Int>) -> Int {
            var n = 0
            for x in xs { for y in 6..<11 where image[x, y] == 0 { n += 1 } }
            return n
        }
        let ink = { (x0: Int, x1: Int) -> Int in inked(sheet, x0..<x1) }
        // "7" in 3×5 lights 7 pixels, "10" lights 8 + 12; the white background takes black ink.
        #expect(ink(1, 9) == 7 && ink(10, 18) == 20)
        let gapRow: [Float] = (0..<sheet.width).map { sheet[$0, 5] }
        #expect(gapRow.allSatisfy { $0 == 1 })  // the space between image and caption
        // A caption longer than its image is cut to what fits: two characters in 8 px.
        let cut = Image.sheet([dark], columns: 1, gap: 1, captions: ["77777"])
        #expect(inked(cut, 0..<cut.width) == 14)
    }

    @Test func sheetOfColourAndGreyIsColourAndCentresSmallerImages() {
        let red = Image(channels: 3, width: 3, height: 3, pixels: [Float](repeating: 1, count: 9) + [Float](repeating: 0.9, count: 18))
        let dot = Image(width: 1, height: 1, pixels: [0.3])
        let sheet = Image.sheet([red, dot], columns: 2, gap: 0)
        #expect(sheet.isColour && sheet.width == 6 && sheet.height == 3)
        #expect(sheet.value(0, x: 4, y: 1) == 0.3 && sheet.value(2, x: 4, y: 1) == 0.3)  // grey copied into every channel, centred
        #expect(sheet.value(0, x: 3, y: 0) == 0.25)   // light images: dark background
        #expect(sheet.interleavedBytes.count == 6 * 3 * 3)
        #expect(Array(sheet.interleavedBytes.prefix(3)) == [255, 230, 230])
    }
}
