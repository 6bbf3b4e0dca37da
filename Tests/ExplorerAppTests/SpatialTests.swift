@testable import ExplorerApp
import LatentNN
import TermRender
import Testing

/// A Stable-Diffusion-style VAE's state: latent [4, 8, 8] (256 values), no engine.
func makeSpatialModel(width: Int = 120, height: Int = 40, shape: [Int] = [4, 8, 8]) -> AppModel {
    let dim = shape.reduce(1, *)
    let summary = ModelSummaryLine(name: "model.json", kind: .vae, latentDim: dim, codebookSize: 0,
                                   classNames: (0...9).map(String.init), latentShape: shape)
    var m = AppModel(width: width, height: height, capability: .palette256, model: summary)
    m.datasetCount = 20
    return m
}

/// The spatial latent view: a cursor over the cells, a channel, edits at a cell, over a region and at
/// every cell, copy and paste between latents, ranges from the data, and what the frame shows.
@Suite struct SpatialTests {
    static func key(_ m: inout AppModel, _ keys: Key...) -> [Command] {
        keys.flatMap { Explorer.update(&m, .key($0)) }
    }

    @Test func theCursorWalksTheCellsAndTheChannelKeepsTheCell() throws {
        var m = makeSpatialModel()
        let s = try #require(m.vae.spatialShape)
        #expect(Explorer.keyModes(m) == [.global, .spatial, .sliders])
        _ = Self.key(&m, .right, .right, .down, .char("."), .char("."))
        #expect(m.vae.selected == s.index(channel: 2, row: 1, column: 2))
        _ = Self.key(&m, .char(","))
        #expect(m.vae.selected == s.index(channel: 1, row: 1, column: 2))
        // Clamped at every edge.
        for _ in 0..<12 { _ = Self.key(&m, .left, .up, .char(",")) }
        #expect(m.vae.selected == 0)
        for _ in 0..<12 { _ = Self.key(&m, .right, .down, .char(".")) }
        #expect(m.vae.selected == s.index(channel: 3, row: 7, column: 7))
    }

    @Test func plusChangesOneValueAndDecodesIt() throws {
        var m = makeSpatialModel()
        let s = try #require(m.vae.spatialShape)
        _ = Self.key(&m, .right, .down, .char("."))
        let commands = Self.key(&m, .char("+"), .char("+"), .pageUp)
        let i = s.index(channel: 1, row: 1, column: 1)
        #expect(abs(m.vae.z[i] - 0.7) < 1e-5)
        #expect(m.vae.z.enumerated().allSatisfy { $0.offset == i || $0.element == 0 })
        #expect(commands.contains { if case .decode(let z, _) = $0 { return z[i] == m.vae.z[i] } else { return false } })
    }

    @Test func theBrushOffsetsTheRegionAndTheOffsetEveryCell() throws {
        var m = makeSpatialModel()
        let s = try #require(m.vae.spatialShape)
        m.vae.z = (0..<256).map { Float($0 % 7) / 10 - 0.3 }
        let before = m.vae.z
        // Region from (1, 1) to (2, 3) in channel 0.
        _ = Self.key(&m, .right, .down, .char("v"), .right, .right, .down, .char("+"))
        let region = Set(s.rectangle(GridCell(row: 1, column: 1), GridCell(row: 2, column: 3)).map { s.index(channel: 0, $0) })
        #expect(region.count == 6)
        for i in 0..<256 {
            #expect(abs(m.vae.z[i] - before[i] - (region.contains(i) ? 0.1 : 0)) < 1e-5, "z\(i)")
        }
        // Esc ends the region: + is one cell again.
        _ = Self.key(&m, .escape)
        #expect(m.vae.spatial.anchor == nil && m.vae.spatialScope.count == 1)
        // o: every cell of the selected channel (1), none of another.
        let mid = m.vae.z
        _ = Self.key(&m, .char("."), .char("o"), .char("-"))
        for i in 0..<256 {
            let expected = i / 64 == 1 ? max(mid[i] - 0.1, m.vae.ranges[i].lowerBound) : mid[i]
            #expect(abs(m.vae.z[i] - expected) < 1e-5, "z\(i)")
        }
    }

    @Test func aRegionCopiedFromOneImageIsPastedIntoAnother() throws {
        var m = makeSpatialModel()
        let s = try #require(m.vae.spatialShape)
        let first = (0..<256).map { Float($0) / 256 }, second = [Float](repeating: -0.5, count: 256)
        func open(_ index: Int, _ mu: [Float]) {
            let e = EncodedImage(index: index, label: 0, original: ring(), mu: mu, sigma: [Float](repeating: 0.1, count: 256))
            _ = Explorer.update(&m, .imageEncoded(e, reconstruction: ring()))
        }
        open(3, first)
        // A 2×2 region at (0, 0)…(1, 1), then pasted at (6, 7): only its first column fits.
        _ = Self.key(&m, .char("v"), .right, .down, .char("Y"))
        #expect(m.vae.spatial.clip?.source == "image 3")
        open(4, second)
        #expect(m.vae.changedCells.isEmpty)
        for _ in 0..<5 { _ = Self.key(&m, .down) }
        for _ in 0..<6 { _ = Self.key(&m, .right) }
        _ = Self.key(&m, .escape, .char("P"))
        var expected = second
        for c in 0..<4 {
            for r in 0..<2 { expected[s.index(channel: c, row: 6 + r, column: 7)] = first[s.index(channel: c, row: r, column: 0)] }
        }
        #expect(m.vae.z == expected)
        #expect(m.vae.changedCells == [GridCell(row: 6, column: 7), GridCell(row: 7, column: 7)])
        #expect(m.status.contains("pasted 2 cells of image 3"))
    }

    @Test func eachChannelsRangeIsItsDataSpread() throws {
        var m = makeSpatialModel()
        // Channel 0 spreads over ±6, channel 1 over ±0.2, channels 2 and 3 are all positive.
        let mus: [[Float]] = (0..<50).map { k in
            (0..<256).map { i in
                let t = Float((k * 31 + i * 17) % 101) / 100 * 2 - 1
                return [6 * t, 0.2 * t, 2 + t, 5][i / 64]
            }
        }
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: [Int](repeating: 0, count: 50)))
        #expect(m.vae.spatialAxis(channel: 0) == -6...6)
        #expect(m.vae.spatialAxis(channel: 1) == -0.5...0.5)
        #expect(m.vae.spatialAxis(channel: 2) == 0...3)
        #expect(m.vae.spatialAxis(channel: 3) == 0...5)
        #expect((0..<256).allSatisfy { m.vae.ranges[$0] == m.vae.spatialAxis(channel: $0 / 64) })
    }

    @Test func clicksPickACellAndSetAChannel() throws {
        var m = makeSpatialModel()
        let s = try #require(m.vae.spatialShape)
        let layout = Layout(width: 120, height: 40, latentDim: 256, renderMode: .half)
        let g = SpatialLayout(box: layout.sliders, shape: s, cursor: GridCell(row: 0, column: 0), channel: 0)
        let target = try #require(g.origin(of: GridCell(row: 5, column: 3)))
        _ = Explorer.update(&m, .mouse(.press(x: target.x, y: target.y)))
        #expect(m.vae.spatialCursor?.cell == GridCell(row: 5, column: 3))
        // The right end of channel 2's track: that channel at this cell takes its range's top.
        let g2 = SpatialLayout(box: layout.sliders, shape: s, cursor: GridCell(row: 5, column: 3), channel: 0)
        let row = g2.sliders.row(of: 2), track = try #require(g2.sliders.track(row: row))
        _ = Explorer.update(&m, .mouse(.press(x: track.maxX - 1, y: row)))
        #expect(m.vae.z[s.index(channel: 2, row: 5, column: 3)] == 3)
        #expect(m.vae.spatialCursor?.channel == 2)
    }

    @Test func theFrameShowsTheGridTheCursorAndTheEdits() throws {
        var m = makeSpatialModel()
        fakeRun(&m, Explorer.start(&m))
        let e = EncodedImage(index: 2, label: 1, original: ring(), mu: [Float](repeating: 0, count: 256), sigma: [Float](repeating: 0.2, count: 256))
        fakeRun(&m, Explorer.update(&m, .imageEncoded(e, reconstruction: ring())))
        fakeRun(&m, Self.key(&m, .right, .right, .down, .char("+"), .char("+")))
        let frame = Explorer.view(m)
        let text = frame.text
        #expect(text.contains("latent 4×8×8 · channel 0 · row 1, col 2"))
        #expect(text.contains("▸c0") && text.contains("c3") && text.contains("+0.20"))
        #expect(text.contains("◆") && text.contains("▼") && text.contains("▶"))
        #expect(text.contains("1 edited"))
        #expect(text.contains("c0 at row 1, col 2 from -3.0 to 3.0 · neuron progression"))
        #expect(text.contains("←↑↓→ cell") && text.contains(", . channel"))
        // The decoded image's frame is marked under the edited cell's columns and beside its rows.
        let layout = Layout(width: 120, height: 40, latentDim: 256, renderMode: .half)
        let bottom = (layout.digit.x..<layout.digit.maxX).map { frame[$0, layout.digit.maxY - 1].glyph }
        #expect(bottom.contains("━"))
        let left = (layout.digit.y..<layout.digit.maxY).map { frame[layout.digit.x, $0].glyph }
        #expect(left.contains("┃"))
        // The heat map colours the edited cell apart from the cells at 0.
        let s = try #require(m.vae.spatialShape)
        let g = SpatialLayout(box: layout.sliders, shape: s, cursor: GridCell(row: 1, column: 2), channel: 0)
        let edited = try #require(g.origin(of: GridCell(row: 1, column: 2))), plain = try #require(g.origin(of: GridCell(row: 4, column: 4)))
        #expect(frame[edited.x, edited.y].style.bg != frame[plain.x, plain.y].style.bg)
        // The help lists the spatial keys.
        _ = Self.key(&m, .char("?"))
        #expect(Explorer.view(m).text.contains("move the cursor over the latent's cells"))
    }

    @Test(arguments: [(80, 24, [4, 8, 8]), (120, 40, [16, 32, 32]), (80, 24, [4, 64, 64]), (300, 100, [3, 2, 2])])
    func everyShapeFitsAndTheCursorStaysInView(width: Int, height: Int, shape: [Int]) throws {
        var m = makeSpatialModel(width: width, height: height, shape: shape)
        let s = try #require(m.vae.spatialShape)
        for step in 0..<(s.height + s.width) {
            _ = Self.key(&m, step % 2 == 0 ? .down : .right)
            let (channel, cell) = try #require(m.vae.spatialCursor)
            let layout = Layout(width: width, height: height, latentDim: s.channels * s.cells, renderMode: .half)
            let g = SpatialLayout(box: layout.sliders, shape: s, cursor: cell, channel: channel)
            #expect(g.origin(of: cell) != nil, "cursor \(cell) out of the window")
            #expect(g.grid.maxX <= layout.sliders.maxX - 1 && g.grid.maxY <= layout.sliders.maxY - 1)
            #expect(g.sliders.visible.contains(channel))
        }
        let frame = Explorer.view(m)
        #expect(frame.width == width && frame.height == height)
        #expect(frame.text.contains("latent \(s.channels)×\(s.height)×\(s.width)"))
    }
}
