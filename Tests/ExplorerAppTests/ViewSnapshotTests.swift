@testable import ExplorerApp
import TermRender
import Testing

/// Whole frames as text at the two sizes users have most: 80×24 and 120×40.
@Suite struct ViewSnapshotTests {
    static func explored(width: Int, height: Int, render: RenderMode = .half, conditional: Bool = false) -> AppModel {
        var m = makeModel(width: width, height: height, conditional: conditional)
        m.renderMode = render
        m.datasetProgress = nil
        fakeRun(&m, Explorer.start(&m))
        fakeRun(&m, Explorer.update(&m, .key(.down)))
        for _ in 0..<7 { fakeRun(&m, Explorer.update(&m, .key(.right))) }
        return m
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func slidersDigitAndProgression(_ width: Int, _ height: Int) throws {
        let m = Self.explored(width: width, height: height, render: .ascii)
        try assertSnapshot(Explorer.view(m), "vae-ascii-\(width)x\(height)")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func halfBlockDigit(_ width: Int, _ height: Int) throws {
        let m = Self.explored(width: width, height: height)
        let b = Explorer.view(m)
        try assertSnapshot(b, "vae-half-\(width)x\(height)")
        // The digit box holds 28×14 half-block cells whose colours carry the image.
        let layout = Layout(width: width, height: height, latentDim: 10, renderMode: .half)
        let inner = layout.digit.inset(by: 1).centered(width: 28, height: 14)
        #expect(b[inner.x, inner.y].glyph == "▀")
        #expect(b[inner.x + 14, inner.y + 3].style.fg != b[inner.x, inner.y].style.fg)
    }

    @Test func dataImageWithPosteriorBands() throws {
        var m = Self.explored(width: 120, height: 40, render: .ascii)
        let encoded = EncodedImage(index: 7, label: 3, original: ring(5), mu: (0..<10).map { Float($0) / 5 - 1 },
                                   sigma: [Float](repeating: 0.3, count: 10))
        // The reconstruction is μ decoded, as `fakeRun` decodes it.
        fakeRun(&m, Explorer.update(&m, .imageEncoded(encoded, reconstruction: ring(6 + encoded.mu[0]))))
        try assertSnapshot(Explorer.view(m), "vae-data-120x40")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func manifoldGrid(_ width: Int, _ height: Int) throws {
        var m = Self.explored(width: width, height: height, render: .ascii)
        fakeRun(&m, Explorer.update(&m, .key(.char("g"))))
        try assertSnapshot(Explorer.view(m), "vae-manifold-\(width)x\(height)")
    }

    @Test func interpolationStrip() throws {
        var m = Self.explored(width: 120, height: 40, render: .ascii)
        fakeRun(&m, Explorer.update(&m, .key(.char("a"))))
        for _ in 0..<10 { fakeRun(&m, Explorer.update(&m, .key(.up))); fakeRun(&m, Explorer.update(&m, .key(.char("L")))) }
        fakeRun(&m, Explorer.update(&m, .key(.char("b"))))
        fakeRun(&m, Explorer.update(&m, .key(.char("i"))))
        try assertSnapshot(Explorer.view(m), "vae-interpolation-120x40")
    }

    /// The morph's current tile keeps its pixels (reverse video on `▀` cells swaps each cell's upper and
    /// lower pixel) and is marked by bars in the columns beside it.
    @Test func thePlayingMorphTileIsFramedNotInverted() {
        var m = Self.explored(width: 120, height: 40)
        fakeRun(&m, Explorer.update(&m, .key(.char("a"))))
        for _ in 0..<4 { fakeRun(&m, Explorer.update(&m, .key(.char("L")))) }
        fakeRun(&m, Explorer.update(&m, .key(.char("b"))))
        fakeRun(&m, Explorer.update(&m, .key(.char("i"))))
        m.vae.interpolation?.frame = 6
        let layout = Layout(width: 120, height: 40, latentDim: 10, renderMode: .half)
        let playing = Explorer.playingTile(m.vae.interpolation!, count: m.vae.strip.count)
        #expect(playing > 0 && playing < layout.stripColumns - 1)
        let b = Explorer.view(m)
        let spec = layout.stripTile
        for i in [playing, playing + 1] {
            let x = layout.panel.x + 1 + i * (spec.columns + 1), y = layout.panel.y + 1
            let cells = Explorer.tile(m.vae.strip[i], spec: spec, m).cells
            #expect((0..<cells.count).allSatisfy { b[x + $0 % spec.columns, y + $0 / spec.columns] == cells[$0] }, "tile \(i) is drawn as itself")
            // The gap after the playing tile carries its right bar; the next tile's right gap is empty.
            #expect((b[x + spec.columns, y + spec.rows - 1].glyph == "┃") == (i == playing))
            if i == playing { #expect(b[x - 1, y].glyph == "┃") }
        }
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func helpOverlay(_ width: Int, _ height: Int) throws {
        var m = Self.explored(width: width, height: height, render: .ascii)
        _ = Explorer.update(&m, .key(.char("?")))
        try assertSnapshot(Explorer.view(m), "help-\(width)x\(height)")
    }

    @Test func modelPickerAndConditionalClass() throws {
        var m = Self.explored(width: 80, height: 24, render: .braille, conditional: true)
        fakeRun(&m, Explorer.update(&m, .key(.char("4"))))
        try assertSnapshot(Explorer.view(m), "cvae-braille-80x24")
        _ = Explorer.update(&m, .key(.char("M")))
        try assertSnapshot(Explorer.view(m), "picker-80x24")
    }
}
