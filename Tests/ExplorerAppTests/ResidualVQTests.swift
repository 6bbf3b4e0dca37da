@testable import ExplorerApp
import Foundation
import LatentCore
import LatentIO
import LatentNN
import TermRender
import Testing

/// A residual VQ's state: a 4×4 grid, 3 levels of 16 codes (no engine).
func makeResidualModel() -> AppModel {
    let summary = ModelSummaryLine(name: "model.json", kind: .vqvae, latentDim: 0, codebookSize: 16, classNames: (0...9).map(String.init))
    var m = AppModel(width: 120, height: 40, capability: .palette256, model: summary,
                     vqShape: VQShape(height: 4, width: 4, codes: 16, dim: 8, levels: 3))
    m.datasetCount = 10
    return m
}

/// Cell c's code at level q is (c + 5q) % 16; distances per (cell, level) grow away from it.
func residualQuantized(index: Int = 1) -> QuantizedImage {
    let codes: [Int] = (0..<48).map { s in (s / 3 + 5 * (s % 3)) % 16 }
    let features: [[Float]] = (0..<16).map { c in (0..<8).map { Float(($0 + c) % 3) } }
    let distances: [[Float]] = codes.map { code in (0..<16).map { Float(abs($0 - code)) } }
    return QuantizedImage(index: index, label: 2, original: ring(), codes: codes, features: features, distances: distances)
}

/// The VQ mode with a residual VQ: a level at a time in the grid, the palette, usage and map, edits
/// at the shown level, every level decoded together.
@Suite struct ResidualVQTests {
    static func opened() -> AppModel {
        var m = makeResidualModel()
        _ = Explorer.start(&m)
        _ = Explorer.update(&m, .quantized(residualQuantized(), reconstruction: ring()))
        return m
    }

    @Test func thePaletteDecodesEachCodeOfTheShownLevelAlone() throws {
        var m = makeResidualModel()
        let start = Explorer.start(&m)
        guard case .decodeGrids(.palette, let grids)? = start.last else { Issue.record("no palette"); return }
        #expect(grids.count == 16 && grids.allSatisfy { $0.count == 48 })
        #expect(grids[7] == (0..<48).map { $0 % 3 == 0 ? 7 : -1 })
        #expect(start.contains(.computeCodebookMap(.pca, level: 0)))
        // The next level: its codes alone, its map.
        _ = Explorer.update(&m, .quantized(residualQuantized(), reconstruction: ring()))
        let next = Explorer.update(&m, .key(.char("}")))
        #expect(m.vq.level == 1 && m.status.contains("level 2 of 3"))
        #expect(next.contains(.decodeGrids(.palette, (0..<16).map { k in (0..<48).map { $0 % 3 == 1 ? k : -1 } })))
        #expect(next.contains(.computeCodebookMap(.pca, level: 1)))
        // Clamped at both ends.
        _ = Explorer.update(&m, .key(.char("}")))
        _ = Explorer.update(&m, .key(.char("}")))
        #expect(m.vq.level == 2)
        for _ in 0..<4 { _ = Explorer.update(&m, .key(.char("{"))) }
        #expect(m.vq.level == 0)
    }

    @Test func anEditChangesTheShownLevelAndDecodesEveryLevel() throws {
        var m = Self.opened()
        let before = m.vq.codes
        _ = Explorer.update(&m, .key(.char("}")))
        _ = Explorer.update(&m, .key(.right))
        let commands = Explorer.update(&m, .key(.char("+")))
        // Cell 1, level 1: slot 4, code (1 + 5) % 16 + 1 = 7.
        var expected = before
        expected[4] = 7
        #expect(m.vq.codes == expected)
        #expect(commands.first == .decodeGrid(expected))
        #expect(m.status == "cell (0, 1) at level 2 → code 7")
        #expect(m.vq.lastChanged == [1])
        // Variants: the cursor cell's level-1 code set to each code, the other levels kept.
        _ = Explorer.update(&m, .key(.char("v")))
        let variants = Explorer.update(&m, .key(.left))
        guard case .decodeGrids(.variants, let grids)? = variants.first else { Issue.record("no variants"); return }
        #expect(grids.count == 16 && grids[9] == { var g = expected; g[1] = 9; return g }())
    }

    @Test func usageAndSamplingArePerLevel() throws {
        var m = Self.opened()
        // Level 0 uses code 1 everywhere, level 1 code 2, level 2 codes 3 and 4.
        let grids = (0..<10).map { i in (0..<48).map { s in [1, 2, i % 2 == 0 ? 3 : 4][s % 3] } }
        _ = Explorer.update(&m, .datasetQuantized(codes: grids))
        #expect(m.vq.usage[1] == 160 && m.vq.usage.reduce(0, +) == 160)
        _ = Explorer.update(&m, .key(.char("}")))
        _ = Explorer.update(&m, .key(.char("}")))
        #expect(m.vq.usage[3] == 80 && m.vq.usage[4] == 80 && m.vq.positionCounts[5][3] == 5)
        #expect(m.vq.topImages[4] == [1, 3, 5, 7, 9])
        // Without a prior, s samples every level of every cell from its own frequencies.
        _ = Explorer.update(&m, .key(.char("s")))
        #expect(m.vq.codes.count == 48)
        #expect((0..<48).allSatisfy { s in s % 3 == 0 ? m.vq.codes[s] == 1 : s % 3 == 1 ? m.vq.codes[s] == 2 : [3, 4].contains(m.vq.codes[s]) })
    }

    @Test func resultsOfTheWrongShapeOrLevelAreDropped() {
        var m = Self.opened()
        let codes = m.vq.codes
        // One code per cell is not a residual VQ's grid.
        var flat = residualQuantized(index: 4)
        flat.codes = Array(flat.codes.prefix(16))
        _ = Explorer.update(&m, .quantized(flat, reconstruction: ring()))
        #expect(m.vq.codes == codes && m.vq.source?.index == 1)
        // A codebook map of a level no longer shown never replaces the shown level's.
        _ = Explorer.update(&m, .key(.char("}")))
        let map = CodebookMap(method: .pca, codes: (0..<16).map { [Float($0), 0] }, points: [], pointCodes: [], explained: 0.5, level: 0)
        _ = Explorer.update(&m, .codebookMapReady(map))
        #expect(m.vq.map == nil)
        var mine = map
        mine.level = 1
        _ = Explorer.update(&m, .codebookMapReady(mine))
        #expect(m.vq.map == mine)
    }

    @Test func theGridShowsTheLevelAndTheCellsCodes() {
        var m = Self.opened()
        _ = Explorer.update(&m, .key(.char("}")))
        let text = Explorer.view(m).text
        #expect(text.contains("codes 4×4 · L2/3"))
        // Cell 0's codes at the three levels, the shown one bracketed.
        #expect(text.contains("levels 0+[5]+10 · { }"))
        #expect(text.contains("nearest codes (‖r − e‖²)") || text.contains("nearest (‖r − e‖²)"))
    }

    /// With a prior (over the h·w·Q codes in the grid's order): a locked cell keeps every level, and the
    /// analysis and the surprise heat are the shown level's codes'.
    @Test func aPriorSeesEveryLevelAndTheHeatTheShownOne() throws {
        var m = makeResidualModel()
        m.vq.hasPrior = true
        _ = Explorer.start(&m)
        _ = Explorer.update(&m, .quantized(residualQuantized(), reconstruction: ring()))
        _ = Explorer.update(&m, .key(.right))
        _ = Explorer.update(&m, .key(.char("x")))
        let sample = Explorer.update(&m, .key(.char("s")))
        let codes = m.vq.codes
        let locked: [Int?] = (0..<48).map { slot -> Int? in slot / 3 == 1 ? codes[slot] : nil }
        #expect(sample == [.samplePrior(locked: locked, temperature: 1, seed: 1)])
        // The analysis asked for is the cursor cell's code at the shown level: slot 1·3 + 1.
        _ = Explorer.update(&m, .key(.char("}")))
        #expect(Explorer.analysisCommands(m) == [.analyseGrid(codes, cell: 4)])
        // Surprise per code: level 1's at cell c is c + 100; the heat's total is the shown level's.
        var surprise = [Float](repeating: 0, count: 48)
        for cell in 0..<16 { surprise[cell * 3 + 1] = Float(cell + 100) }
        _ = Explorer.update(&m, .priorAnalysed(grid: codes, cell: 4, surprise: surprise, top: [CodeProbability(code: 3, probability: 0.5)]))
        m.vq.showSurprise = true
        let total = (0..<16).reduce(0) { $0 + $1 + 100 }
        #expect(Explorer.view(m).text.contains("heat: surprise \(total) bit"))
    }

    /// The committed vector-quantize-pytorch ResidualVQ fixture through the engine: codes per level,
    /// per-level distances whose nearest is the code, each level's codes decoded alone, a map per level.
    @Test func theEngineOpensAResidualVQ() throws {
        let dir = repositoryRoot + "/Tests/LatentNNTests/Fixtures/onnx-lib/rvq-ts"
        let x = try NPY.read(dir + "/input-x.npy")
        let data = LabeledImages(images: x, labels: [Int](repeating: 0, count: x.shape[0]), classNames: ["0"])
        let engine = try ExplorerEngine.load(modelPath: dir + "/model.json", data: data, dataRange: 0...1)
        let shape = try #require(engine.vqShapeValue)
        #expect(shape.levels > 1)
        let q = try #require(try engine.quantize(index: 0))
        let slots = shape.height * shape.width * shape.levels
        #expect(q.codes.count == slots && q.distances.count == slots)
        for s in 0..<slots {
            let d = q.distances[s]
            #expect(d.indices.min { d[$0] < d[$1] } == q.codes[s], "slot \(s)")
        }
        let alone = engine.decode(grids: shape.aloneGrids(level: shape.levels - 1))
        #expect(alone.count == shape.codes)
        let whole = engine.decode(grids: [q.codes])
        #expect(whole.count == 1 && alone[0].pixels != whole[0].pixels)
        let map = engine.codebookMap(.pca, level: 1)
        #expect(map.level == 1 && map.codes.count == shape.codes && map.points.count == map.pointCodes.count && !map.points.isEmpty)
    }
}
