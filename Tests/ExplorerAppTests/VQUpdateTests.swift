import Foundation
@testable import ExplorerApp
import LatentNN
import TermRender
import Testing

func makeVQModel(width: Int = 120, height: Int = 40) -> AppModel {
    let summary = ModelSummaryLine(name: "vqvae-k32.safetensors", kind: .vqvae, latentDim: 0, codebookSize: 32,
                                   classNames: (0...9).map(String.init))
    var m = AppModel(width: width, height: height, capability: .palette256, model: summary,
                     vqShape: VQShape(height: 7, width: 7, codes: 32, dim: 16))
    m.datasetCount = 1000
    return m
}

/// A quantised image whose cell c holds code c % 32, with distances growing away from that code.
func fakeQuantized(index: Int = 5) -> QuantizedImage {
    QuantizedImage(index: index, label: 3, original: ring(5), codes: (0..<49).map { $0 % 32 },
                   features: (0..<49).map { c in (0..<16).map { Float(($0 + c) % 5) - 2 } },
                   distances: (0..<49).map { c in (0..<32).map { Float(abs($0 - c % 32)) / 10 } })
}

/// Answers VQ decode commands with rings whose radius follows the sum of the codes.
func fakeRunVQ(_ m: inout AppModel, _ commands: [Command]) {
    var pending = commands
    while !pending.isEmpty {
        var next: [Command] = []
        for c in pending {
            switch c {
            case .decodeGrid(let g): next += Explorer.update(&m, .decoded(ring(4 + Float(g.reduce(0, +) % 7))))
            case .decodeGrids(let kind, let gs): next += Explorer.update(&m, .gridsDecoded(kind, gs.map { ring(3 + Float($0.reduce(0, +) % 9)) }))
            case .quantizeImage(let i): next += Explorer.update(&m, .quantized(fakeQuantized(index: i), reconstruction: ring(6)))
            case .showImages(let batch, let ids): next += Explorer.update(&m, .gridsDecoded(batch, ids.map { _ in ring(5) }))
            default: break
            }
        }
        pending = next
    }
}

@Suite struct VQUpdateTests {
    static func loaded() -> AppModel {
        var m = makeVQModel()
        fakeRunVQ(&m, Explorer.start(&m))
        return m
    }

    @Test func startQuantisesAnImageTheDatasetAndDecodesThePalette() {
        var m = makeVQModel()
        let c = Explorer.start(&m)
        #expect(c.prefix(3) == [.quantizeImage(index: 0), .quantizeDataset, .computeCodebookMap(.pca, level: 0)])
        guard case .decodeGrids(.palette, let grids)? = c.last else { Issue.record("no palette"); return }
        #expect(grids.count == 32 && grids[7] == [Int](repeating: 7, count: 49))
        fakeRunVQ(&m, c)
        #expect(m.vq.codes == fakeQuantized(index: 0).codes && m.vq.paletteTiles.count == 32 && m.vq.image != nil)
    }

    @Test func anOpenedImageShowsItsReconstructionWithoutDecodingItsGridAgain() {
        var m = makeVQModel()
        let c = Explorer.update(&m, .quantized(fakeQuantized(), reconstruction: ring(6)))
        #expect(m.vq.image == ring(6))
        #expect(!c.contains { if case .decodeGrid = $0 { return true } else { return false } })
        // An edit of the grid decodes it.
        let edit = Explorer.update(&m, .key(.char("+")))
        #expect(edit.first == .decodeGrid(m.vq.codes))
    }

    @Test func steppingACodeDecodesAndUndoRedoRevertWork() {
        var m = Self.loaded()
        _ = Explorer.update(&m, .key(.right))
        _ = Explorer.update(&m, .key(.down))
        #expect(m.vq.cursor == 8)
        let c = Explorer.update(&m, .key(.char("+")))
        #expect(m.vq.codes[8] == 9)
        #expect(c.first == .decodeGrid(m.vq.codes))
        _ = Explorer.update(&m, .key(.char("-")))
        _ = Explorer.update(&m, .key(.char("-")))
        #expect(m.vq.codes[8] == 7 && m.vq.undo.count == 3)
        _ = Explorer.update(&m, .key(.char("u")))
        #expect(m.vq.codes[8] == 8)
        _ = Explorer.update(&m, .key(.char("U")))
        #expect(m.vq.codes[8] == 7)
        _ = Explorer.update(&m, .key(.char("r")))
        #expect(m.vq.codes == m.vq.source?.codes)
        _ = Explorer.update(&m, .key(.char("u")))
        #expect(m.vq.codes[8] == 7)  // revert is undoable too
        // Codes wrap around the codebook.
        m.vq.cursor = 0
        _ = Explorer.update(&m, .key(.char("-")))
        #expect(m.vq.codes[0] == 31)
    }

    @Test func typingSetsACodeAndRefusesOneOutsideTheCodebook() {
        var m = Self.loaded()
        _ = Explorer.update(&m, .key(.char("4")))
        _ = Explorer.update(&m, .key(.char("0")))
        #expect(Explorer.update(&m, .key(.enter)).isEmpty)
        #expect(m.status == "code 40 is outside the codebook 0…31" && m.vq.codes[0] == 0)
        _ = Explorer.update(&m, .key(.char("1")))
        _ = Explorer.update(&m, .key(.char("9")))
        _ = Explorer.update(&m, .key(.backspace))
        _ = Explorer.update(&m, .key(.char("2")))
        _ = Explorer.update(&m, .key(.enter))
        #expect(m.vq.codes[0] == 12 && m.vq.entry.isEmpty)
        _ = Explorer.update(&m, .key(.char("7")))
        _ = Explorer.update(&m, .key(.escape))  // clears the typing, does not quit
        #expect(!m.quitting && m.vq.entry.isEmpty)
    }

    @Test func brushPaintsAndPicks() {
        var m = Self.loaded()
        for _ in 0..<3 { _ = Explorer.update(&m, .key(.char("."))) }
        _ = Explorer.update(&m, .key(.char(",")))
        #expect(m.vq.brush == 2)
        m.vq.cursor = 20
        _ = Explorer.update(&m, .key(.char(" ")))
        #expect(m.vq.codes[20] == 2)
        m.vq.cursor = 30
        _ = Explorer.update(&m, .key(.char("b")))
        #expect(m.vq.brush == 30)
    }

    @Test func datasetStatisticsAndThePrior() {
        var m = Self.loaded()
        _ = Explorer.update(&m, .key(.char("s")))
        #expect(m.status.contains("once the dataset is quantised"))
        // Three images: code 31 never used; position 0 always code 3.
        let grids = (0..<3).map { i in (0..<49).map { p in p == 0 ? 3 : (p + i) % 31 } }
        _ = Explorer.update(&m, .datasetQuantized(codes: grids))
        #expect(m.vq.usage.reduce(0, +) == 147 && m.vq.deadCodes == [31])
        #expect(m.vq.topImages[3].first == 0)
        _ = Explorer.update(&m, .key(.char("s")))
        #expect(m.vq.codes[0] == 3)
        #expect(m.vq.codes.enumerated().allSatisfy { p, c in grids.contains { $0[p] == c } })
        var again = Self.loaded()
        _ = Explorer.update(&again, .datasetQuantized(codes: grids))
        _ = Explorer.update(&again, .key(.char("s")))
        #expect(again.vq.codes == m.vq.codes)  // seeded
    }

    @Test func panelsCycleAndDetailsDecodeTheCellVariants() {
        var m = Self.loaded()
        m.vq.cursor = 10
        let c = Explorer.update(&m, .key(.tab))
        #expect(m.vq.panel == .details)
        guard case .decodeGrids(.variants, let grids)? = c.first else { Issue.record("no variants"); return }
        #expect(grids.count == 32 && grids.allSatisfy { g in g.enumerated().allSatisfy { $0.offset == 10 || $0.element == m.vq.codes[$0.offset] } })
        #expect(grids[5][10] == 5)
        #expect(m.vq.nearestCodes(3).map(\.code) == [10, 9, 11])
        _ = Explorer.update(&m, .key(.tab))
        #expect(m.vq.panel == .stats)
        _ = Explorer.update(&m, .key(.tab))
        _ = Explorer.update(&m, .key(.tab))
        #expect(m.vq.panel == .scatter)
        _ = Explorer.update(&m, .key(.tab))
        #expect(m.vq.panel == .palette)
    }

    @Test func scatterOfEncoderOutputsOpensTheNearestImage() {
        var m = Self.loaded()
        let vectors: [[Float]] = (0..<40).map { i in [Float(i % 4) * 5, Float(i / 4), 1] }
        let c = Explorer.update(&m, .datasetQuantized(codes: [], vectors: vectors, labels: (0..<40).map { $0 % 4 }))
        #expect(c.contains(.project(.pca, mus: vectors)))
        _ = Explorer.update(&m, .projected(.pca, vectors.flatMap { [$0[0], $0[1]] }, pca: nil))
        for _ in 0..<4 { _ = Explorer.update(&m, .key(.tab)) }
        #expect(m.vq.panel == .scatter)
        let plot = Explorer.scatterPlot(m)
        m.scatter.cursor = ScatterRaster.cell(of: m.scatter.points[13], bounds: m.scatter.bounds, columns: plot.width, rows: plot.height)!
        guard case .quantizeImage(let i)? = Explorer.update(&m, .key(.enter)).first else { Issue.record("no jump"); return }
        #expect(m.scatter.labels[i] == 13 % 4)
        #expect(Explorer.update(&m, .key(.char("a"))).isEmpty && m.status.contains("VAE mode"))
        #expect(Explorer.view(m).text.contains("encoder outputs of 40 images"))
    }

    @Test func heatIsZeroUntilAnEditChangesTheImage() {
        var m = Self.loaded()
        m.vq.image = m.vq.reconstruction
        #expect(Explorer.cellDifferences(m.vq).allSatisfy { $0 == 0 })
        fakeRunVQ(&m, Explorer.update(&m, .key(.char("+"))))
        #expect(Explorer.cellDifferences(m.vq).contains { $0 > 0 })
    }

    @Test func clickingAGridCellMovesTheCursor() {
        var m = Self.loaded()
        let inner = VQLayout(width: 120, height: 40, vq: m.vq).gridInner
        _ = Explorer.update(&m, .mouse(.press(x: inner.x + 3 * 4 + 1, y: inner.y + 2)))
        #expect(m.vq.cursor == 2 * 7 + 4)
    }
}

@Suite struct VQViewSnapshotTests {
    static func explored(width: Int, height: Int) -> AppModel {
        var m = makeVQModel(width: width, height: height)
        m.renderMode = .ascii
        fakeRunVQ(&m, Explorer.start(&m))
        m.datasetProgress = nil
        m.vq.cursor = 17
        fakeRunVQ(&m, Explorer.update(&m, .key(.char("+"))))
        return m
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func paletteView(_ width: Int, _ height: Int) throws {
        try assertSnapshot(Explorer.view(Self.explored(width: width, height: height)), "vq-palette-\(width)x\(height)")
    }

    @Test func detailsStatsAndMap() throws {
        var m = Self.explored(width: 120, height: 40)
        fakeRunVQ(&m, Explorer.update(&m, .key(.tab)))
        try assertSnapshot(Explorer.view(m), "vq-details-120x40")
        _ = Explorer.update(&m, .datasetQuantized(codes: (0..<4).map { i in (0..<49).map { ($0 * 3 + i) % 30 } }))
        fakeRunVQ(&m, Explorer.update(&m, .key(.tab)))
        try assertSnapshot(Explorer.view(m), "vq-stats-120x40")
        func spiral(_ t: Float, _ r: Float) -> [Float] { [cosf(t) * r, sinf(t) * r] }
        let codes: [[Float]] = (0..<32).map { spiral(Float($0) / 5, Float($0)) }
        let points: [[Float]] = (0..<400).map { spiral(Float($0) / 50, Float($0 % 32)) }
        let map = CodebookMap(method: .pca, codes: codes, points: points, pointCodes: (0..<400).map { $0 % 32 }, explained: 0.62)
        _ = Explorer.update(&m, .codebookMapReady(map))
        fakeRunVQ(&m, Explorer.update(&m, .key(.tab)))
        try assertSnapshot(Explorer.view(m), "vq-map-120x40")
        _ = Explorer.update(&m, .key(.char("?")))
        try assertSnapshot(Explorer.view(m), "vq-help-120x40")
        _ = Explorer.update(&m, .key(.escape))
        #expect(m.overlay == nil)
        // u asks for the UMAP map once, shows it when it comes, and switches back without recomputing;
        // the grid is not touched (u is undo elsewhere).
        let codesBefore = m.vq.codes
        #expect(Explorer.update(&m, .key(.char("u"))) == [.computeCodebookMap(.umap, level: 0)])
        #expect(m.vq.map == nil && m.vq.mapMethod == .umap)
        var umap = map
        umap.method = .umap
        _ = Explorer.update(&m, .codebookMapReady(umap))
        #expect(m.vq.map?.method == .umap)
        #expect(Explorer.view(m).text.contains("UMAP of 32 codes"))
        #expect(Explorer.update(&m, .key(.char("u"))).isEmpty)
        #expect(m.vq.map?.method == .pca && m.vq.otherMap?.method == .umap)
        #expect(Explorer.update(&m, .key(.char("u"))).isEmpty)
        #expect(m.vq.map?.method == .umap)
        _ = Explorer.update(&m, .key(.char("u")))
        #expect(m.vq.codes == codesBefore)
    }
}

/// A 512-code VQ-VAE on an 8×8 grid (seed 000's scale): codes of three digits get cells of four, the
/// brush pages through the codebook, usage is binned to fit, and the distance chart shows the nearest
/// codes sorted.
@Suite struct LargeCodebookTests {
    static func model() -> AppModel {
        let summary = ModelSummaryLine(name: "emoji-vqvae-k512.safetensors", kind: .vqvae, latentDim: 0, codebookSize: 512, classNames: [])
        var m = AppModel(width: 120, height: 40, capability: .palette256, model: summary, vqShape: VQShape(height: 8, width: 8, codes: 512, dim: 16))
        m.datasetCount = 700
        let q = QuantizedImage(index: 0, label: 0, original: ring(5), codes: (0..<64).map { 511 - $0 * 7 },
                               features: (0..<64).map { _ in [Float](repeating: 0.5, count: 16) },
                               distances: (0..<64).map { c in (0..<512).map { Float(abs($0 - (511 - c * 7))) / 100 } })
        _ = Explorer.update(&m, .quantized(q, reconstruction: ring(6)))
        _ = Explorer.update(&m, .datasetQuantized(codes: (0..<700).map { i in (0..<64).map { (i * 13 + $0 * 5) % 512 } }))
        return m
    }

    @Test func gridCellsFitThreeDigitCodes() {
        let m = Self.model()
        #expect(VQLayout.cellWidth(codebookSize: 512) == 4 && VQLayout.cellWidth(codebookSize: 32) == 3)
        let text = Explorer.view(m).text
        // The first row of the grid: 511 504 497 … each separated by a space.
        #expect(text.contains(" 511 504 497 490 483 476 469 462"), "\(text.split(separator: "\n").prefix(6).joined(separator: "\n"))")
        // A click on the third cell of the second row selects cell 10.
        var clicked = m
        let grid = VQLayout(width: 120, height: 40, vq: m.vq).gridInner
        _ = Explorer.update(&clicked, .mouse(.press(x: grid.x + 2 * 4 + 1, y: grid.y + 1)))
        #expect(clicked.vq.cursor == 10)
    }

    @Test func pageKeysMoveTheBrushATenthOfTheCodebook() {
        var m = Self.model()
        _ = Explorer.update(&m, .key(.pageDown))
        #expect(m.vq.brush == 51)
        for _ in 0..<20 { _ = Explorer.update(&m, .key(.pageDown)) }
        #expect(m.vq.brush == 511)
        _ = Explorer.update(&m, .key(.pageUp))
        #expect(m.vq.brush == 460)
    }

    @Test func usageIsBinnedAndDistancesShowTheNearestCodes() {
        var m = Self.model()
        m.vq.panel = .stats
        let usage = Explorer.view(m).text
        #expect(usage.contains("each column: ") && usage.contains("of 512"), "\(usage)")
        m.vq.panel = .details
        let details = Explorer.view(m).text
        #expect(details.contains("nearest of 512 codes, nearest first"), "\(details)")
    }
}

/// The palette's orders, jumping to a typed code, grids too large for numbers, and the map's images
/// grouped by code.
@Suite struct VQScaleTests {
    @Test func paletteOrdersAndTheBrushFollowsThem() {
        var m = LargeCodebookTests.model()
        // By use: the dataset's grids use (i·13 + p·5) mod 512, so some codes are used more than others.
        _ = Explorer.update(&m, .key(.char("o")))
        #expect(m.vq.paletteOrder == .usage && m.vq.panel == .palette)
        let byUse = m.vq.paletteCodes
        #expect(byUse.count == 512 && Set(byUse).count == 512)
        #expect(zip(byUse, byUse.dropFirst()).allSatisfy { m.vq.usage[$0] >= m.vq.usage[$1] })
        m.vq.brush = byUse[0]
        _ = Explorer.update(&m, .key(.char(".")))
        #expect(m.vq.brush == byUse[1])
        _ = Explorer.update(&m, .key(.char(",")))
        _ = Explorer.update(&m, .key(.char(",")))
        #expect(m.vq.brush == byUse[511])
        // Codes in this grid: the 64 distinct codes 511 − 7p, each once, by index.
        _ = Explorer.update(&m, .key(.char("o")))
        #expect(m.vq.paletteOrder == .inImage)
        #expect(m.vq.paletteCodes == (0..<64).map { 511 - $0 * 7 }.sorted())
        m.vq.codes[1] = m.vq.codes[0]
        #expect(m.vq.paletteCodes.first == m.vq.codes[0] && m.vq.paletteCodes.count == 63)
        m.vq.brush = 1  // not in the grid: . goes to the first code of the order
        _ = Explorer.update(&m, .key(.char(".")))
        #expect(m.vq.brush == m.vq.codes[0])
        _ = Explorer.update(&m, .key(.char("o")))
        #expect(m.vq.paletteOrder == .index && m.vq.paletteCodes == Array(0..<512))
    }

    @Test func aTypedNumberThenBSetsTheBrush() {
        var m = LargeCodebookTests.model()
        for c in "347" { _ = Explorer.update(&m, .key(.char(c))) }
        _ = Explorer.update(&m, .key(.char("b")))
        #expect(m.vq.brush == 347 && m.vq.entry.isEmpty)
        let before = m.vq.codes
        for c in "512" { _ = Explorer.update(&m, .key(.char(c))) }
        _ = Explorer.update(&m, .key(.char("b")))
        #expect(m.vq.brush == 347 && m.status.contains("outside the codebook"))
        _ = Explorer.update(&m, .key(.char("b")))
        #expect(m.vq.brush == m.vq.codes[m.vq.cursor] && m.vq.codes == before)
    }

    /// A 32×32 grid of 512 codes: coloured cells in half blocks at 120×40 and 80×24, the cursor drawn
    /// white, clicks mapped back to cells, and the panel keeps its rows.
    @Test(arguments: [(120, 40), (80, 24)])
    func a32By32GridIsDrawnAsColouredCells(_ width: Int, _ height: Int) {
        let summary = ModelSummaryLine(name: "big.safetensors", kind: .vqvae, latentDim: 0, codebookSize: 512, classNames: [])
        var m = AppModel(width: width, height: height, capability: .truecolor, model: summary,
                         vqShape: VQShape(height: 32, width: 32, codes: 512, dim: 8))
        m.vq.codes = (0..<1024).map { ($0 * 37) % 512 }
        m.vq.cursor = 3 * 32 + 5
        let layout = VQLayout(width: width, height: height, vq: m.vq)
        #expect(!layout.showsNumbers && layout.rowsPerLine == 2)
        #expect(layout.gridInner.height == 16 && layout.gridInner.width == 32 * layout.cellColumns)
        #expect(layout.grid.maxX <= width && layout.panel.height >= 4)
        let buffer = Explorer.view(m)
        // The cursor is row 3 (the lower half of line 1), column 5.
        let cursorCell = buffer[layout.gridInner.x + 5 * layout.cellColumns, layout.gridInner.y + 1]
        #expect(cursorCell.glyph == "▀" && cursorCell.style.bg == .rgb(RGB(255, 255, 255)))
        // Different codes get different colours.
        let a = buffer[layout.gridInner.x, layout.gridInner.y].style.fg, b = buffer[layout.gridInner.x + layout.cellColumns, layout.gridInner.y].style.fg
        #expect(a != b)
        // A click on line 2, column 7 selects grid row 4, column 7.
        _ = Explorer.update(&m, .mouse(.press(x: layout.gridInner.x + 7 * layout.cellColumns, y: layout.gridInner.y + 2)))
        #expect(m.vq.cursor == 4 * 32 + 7)
    }

    @Test func numbersStayWhenTheyFit() {
        let m = LargeCodebookTests.model()
        let layout = VQLayout(width: 120, height: 40, vq: m.vq)
        #expect(layout.showsNumbers && layout.cellColumns == 4 && layout.rowsPerLine == 1)
    }

    @Test func theMapGroupsImagesByTheirCodeAtTheCursorCell() {
        var m = LargeCodebookTests.model()
        m.vq.panel = .map
        let codes: [[Float]] = (0..<512).map { [cosf(Float($0)) * Float($0), sinf(Float($0)) * Float($0)] }
        _ = Explorer.update(&m, .codebookMapReady(CodebookMap(method: .pca, codes: codes, points: [], pointCodes: [], explained: 0.5)))
        #expect(m.vq.codeColors.count == 512)
        m.vq.cursor = 2
        let commands = Explorer.update(&m, .key(.char("i")))
        // At cell 2 image i has code (13 i + 10) mod 512: 700 images over 512 codes, the first 188 codes
        // (in that order) twice.
        let expected = m.vq.groups(atCell: 2)
        #expect(expected.first?.images == 2 && expected.reduce(0) { $0 + $1.images } == 700)
        #expect(commands == [.showImages(.groupImages, expected.prefix(VQState.maxGroupsShown).map(\.example))])
        for g in expected.prefix(5) { #expect((13 * g.example + 10) % 512 == g.code) }
        fakeRunVQ(&m, commands)
        #expect(m.vq.groupTiles.count == m.vq.groups.count)
        let text = Explorer.view(m).text
        #expect(text.contains("images by their code at cell (0,2)"))
        #expect(text.contains("\(expected[0].code)·2"), "\(text)")
        // Each group's label has a blank cell each side: it never runs into a dot or another label.
        let inner = VQLayout(width: 120, height: 40, vq: m.vq).panel.inset(by: 1)
        let frame = Explorer.view(m)
        for y in inner.y..<inner.maxY {
            let row = String(String.UnicodeScalarView((inner.x..<inner.maxX).map { frame[$0, y].glyph }))
            for label in row.matches(of: /\d+·\d+/) {
                let before = row[..<label.range.lowerBound].last, after = row[label.range.upperBound...].first
                #expect((before == nil || before == " ") && (after == nil || after == " "), "\(row)")
            }
        }
        // Moving the cursor regroups; i again turns it off.
        let moved = Explorer.update(&m, .key(.right))
        #expect(moved.contains(.showImages(.groupImages, Array(m.vq.groups(atCell: 3).prefix(VQState.maxGroupsShown).map(\.example)))))
        _ = Explorer.update(&m, .key(.char("i")))
        #expect(!m.vq.showGroups && !Explorer.view(m).text.contains("images by their code"))
    }
}

/// The codebook map's numbers never touch: labels that would are left out (the brush's is always
/// shown), so no two codes read as one number ("0131").
@Suite struct CodebookMapLabelTests {
    @Test func labelsKeepABlankCellBetweenThem() {
        var m = VQViewSnapshotTests.explored(width: 120, height: 40)
        m.vq.panel = .map
        m.vq.brush = 13
        // Codes 0…30 crowded into a few columns (two-digit labels would overlap), code 31 far away.
        let codes: [[Float]] = (0..<32).map { $0 == 31 ? [60, 3] : [Float($0 % 8) * 0.6, Float($0 / 8)] }
        _ = Explorer.update(&m, .codebookMapReady(CodebookMap(method: .pca, codes: codes, points: [], pointCodes: [], explained: 0.5)))
        let inner = VQLayout(width: 120, height: 40, vq: m.vq).panel.inset(by: 1)
        let frame = Explorer.view(m)
        var shown: [Int] = []
        for y in inner.y..<inner.maxY {
            let row = String(String.UnicodeScalarView((inner.x..<inner.maxX).map { frame[$0, y].glyph }))
            for label in row.matches(of: /\d+/) {
                let before = row[..<label.range.lowerBound].last, after = row[label.range.upperBound...].first
                #expect((before == nil || before == " ") && (after == nil || after == " "), "\(row)")
                shown.append(Int(label.output)!)
            }
        }
        #expect(shown.allSatisfy { $0 < 32 } && Set(shown).count == shown.count)
        #expect(shown.contains(13) && shown.contains(31) && shown.count >= 8, "\(shown)")
    }
}

@Suite struct ScatterPoolingTests {
    /// 2 channels of a 3×3 grid pooled by 2: blocks of 4, 2, 2 and 1 cells.
    @Test func averagePoolingTakesPartialBlocksAtTheEdges() {
        let grid: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9] + [Float](repeating: 10, count: 9)
        let pooled = ExplorerEngine.averagePooled(grid[...], channels: 2, height: 3, width: 3, by: 2)
        #expect(pooled == [3, 4.5, 7.5, 9, 10, 10, 10, 10])
        #expect(ExplorerEngine.averagePooled(grid[...], channels: 2, height: 3, width: 3, by: 1) == grid)
    }
}

/// The learned prior in the VQ-VAE mode: s samples from it keeping locked cells, the temperature
/// keys, the surprise heat and the prior's likeliest codes beside the nearest ones.
@Suite struct VQPriorKeyTests {
    static func model() -> AppModel {
        var m = makeVQModel()
        m.vq.hasPrior = true
        fakeRunVQ(&m, Explorer.start(&m))
        return m
    }

    @Test func sampleKeepsLockedCellsAndIsUndoable() {
        var m = Self.model()
        m.vq.cursor = 3
        _ = Explorer.update(&m, .key(.char("x")))
        m.vq.cursor = 10
        _ = Explorer.update(&m, .key(.char("x")))
        #expect(m.vq.locked == [3, 10])
        _ = Explorer.update(&m, .key(.char("x")))
        #expect(m.vq.locked == [3])
        _ = Explorer.update(&m, .key(.char("]")))
        let commands = Explorer.update(&m, .key(.char("s")))
        guard case .samplePrior(let locked, let temperature, _)? = commands.first else { Issue.record("\(commands)"); return }
        #expect(abs(temperature - 1.1) < 1e-6)
        #expect(locked.count == 49 && locked[3] == m.vq.codes[3] && locked.enumerated().allSatisfy { $0.offset == 3 || $0.element == nil })
        let before = m.vq.codes
        let sampled = (0..<49).map { $0 == 3 ? before[3] : ($0 * 5) % 32 }
        let after = Explorer.update(&m, .priorSampled(sampled))
        #expect(m.vq.codes == sampled && m.status.contains("1 locked kept"))
        #expect(after.contains(.decodeGrid(sampled)) && after.contains(.analyseGrid(sampled, cell: 10)))
        _ = Explorer.update(&m, .key(.char("u")))
        #expect(m.vq.codes == before)
        _ = Explorer.update(&m, .key(.char("X")))
        #expect(m.vq.locked.isEmpty)
        // A grid of the wrong size from a stale sample is dropped.
        _ = Explorer.update(&m, .priorSampled([1, 2, 3]))
        #expect(m.vq.codes == before)
    }

    @Test func surpriseHeatAndThePriorsCodes() {
        var m = Self.model()
        #expect(Explorer.update(&m, .key(.char("e"))) == [.analyseGrid(m.vq.codes, cell: m.vq.cursor)])
        var surprise = [Float](repeating: 0.5, count: 49)
        surprise[20] = 9
        _ = Explorer.update(&m, .priorAnalysed(grid: m.vq.codes, cell: m.vq.cursor, surprise: surprise,
                                               top: [CodeProbability(code: 7, probability: 0.62), CodeProbability(code: 2, probability: 0.2)]))
        let buffer = Explorer.view(m)
        let text = buffer.text
        #expect(text.contains("prior p(code | rest)") && text.contains("  7   62.0%"))
        #expect(text.contains("heat: surprise 33 bits"))
        // The surprising cell's background is the hottest.
        let grid = VQLayout(width: 120, height: 40, vq: m.vq).gridInner
        let hot = buffer[grid.x + (20 % 7) * 3 + 2, grid.y + 20 / 7].style.bg, cold = buffer[grid.x + 2, grid.y + 1].style.bg
        #expect(hot == .rgb(ColorMap.viridis.color(1)) && hot != cold)
        // Moving the cursor asks for the new cell's codes; a model without a prior has no such keys.
        #expect(Explorer.update(&m, .key(.right)).contains(.analyseGrid(m.vq.codes, cell: 1)))
        var plain = makeVQModel()
        #expect(Explorer.update(&plain, .key(.char("x"))).isEmpty && plain.vq.locked.isEmpty && plain.status.contains("has none"))
    }
}

/// The VQ grid's marks each have their own channel: after a sample from the prior the cells it changed
/// carry '*', the heat has a scale in the legend, and the cursor stays black on white over the heat.
@Suite struct VQGridChannelTests {
    @Test func aSampleMarksTheCellsItChangedAndTheHeatHasAScale() {
        var m = makeVQModel()
        m.vq.hasPrior = true
        _ = Explorer.update(&m, .quantized(fakeQuantized(), reconstruction: ring(5)))
        #expect(m.vq.lastChanged.isEmpty)
        var sampled = m.vq.codes
        sampled[0] = (sampled[0] + 1) % 32
        sampled[48] = (sampled[48] + 3) % 32
        _ = Explorer.update(&m, .priorSampled(sampled))
        #expect(m.vq.lastChanged == [0, 48])
        m.vq.surprise = (0..<49).map { Float($0 % 7) }
        m.vq.showSurprise = true
        let buffer = Explorer.view(m)
        let text = buffer.text
        #expect(text.contains("underlined: last change"))
        #expect(text.contains("heat 0 ") && text.contains("6 bits"))
        // Cell 0 is at the cursor: drawn black on white whatever the heat behind it.
        let layout = VQLayout(width: m.width, height: m.height, vq: m.vq)
        let cursorCell = buffer[layout.gridInner.x + layout.cellColumns - 1, layout.gridInner.y]
        #expect(cursorCell.style.bg == .rgb(.white) && !cursorCell.style.reverse)
        // The last cell's number is underlined, its neighbour's not (nor the space before it).
        let last = layout.gridInner.x + 7 * layout.cellColumns - 1, y6 = layout.gridInner.y + 6
        #expect(buffer[last, y6].style.underline && !buffer[last - layout.cellColumns, y6].style.underline)
        #expect(!buffer[last - 2, y6].style.underline)
        _ = Explorer.update(&m, .key(.char("u")))
        #expect(m.vq.lastChanged == [0, 48])  // undo changes the same two cells back
    }
}
