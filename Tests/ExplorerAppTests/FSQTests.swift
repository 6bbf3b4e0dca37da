@testable import ExplorerApp
import Foundation
import LatentCore
import LatentIO
import LatentNN
import TermRender
import Testing

/// FSQ in the VQ mode: a code is a level in each dimension, and the grid steps one dimension's level of
/// the cursor cell's code (the others kept) as well as its index.
@Suite struct FSQTests {
    static func model() -> AppModel {
        let summary = ModelSummaryLine(name: "model.json", kind: .vqvae, latentDim: 0, codebookSize: 1000, classNames: ["0"])
        var m = AppModel(width: 120, height: 40, capability: .palette256, model: summary,
                         vqShape: VQShape(height: 4, width: 4, codes: 1000, dim: 4, scalarLevels: [8, 5, 5, 5]))
        m.datasetCount = 4
        let q = QuantizedImage(index: 0, label: 0, original: ring(), codes: (0..<16).map { $0 * 61 % 1000 },
                               features: (0..<16).map { _ in [0, 0, 0, 0] }, distances: (0..<16).map { _ in [Float](repeating: 1, count: 1000) })
        _ = Explorer.update(&m, .quantized(q, reconstruction: ring()))
        return m
    }

    @Test func digitsAreTheMixedRadixWithTheFirstDimensionFastest() {
        let v = Self.model().vq
        #expect(v.isScalar && !v.isResidual)
        #expect(v.digits(of: 0) == [0, 0, 0, 0] && v.digits(of: 999) == [7, 4, 4, 4])
        #expect(v.digits(of: 8 + 2 * 40 + 3 * 200 + 5) == [5, 1, 2, 3])
        #expect(v.code(0, stepping: 1, by: 1) == 8 && v.code(0, stepping: 0, by: -1) == 0 && v.code(999, stepping: 3, by: 1) == 999)
        // Levels that do not multiply to the codebook's size are not an FSQ to step.
        #expect(!VQState(height: 2, width: 2, codebookSize: 32, scalarLevels: [8, 5]).isScalar)
    }

    @Test func parenthesesStepTheChosenDimensionOfTheCursorCode() {
        var m = Self.model()
        _ = Explorer.update(&m, .key(.right))  // cell 1: code 61 = digits [5, 2, 1, 0]
        #expect(m.vq.digits(of: m.vq.code(at: 1)) == [5, 2, 1, 0])
        _ = Explorer.update(&m, .key(.char("}")))
        _ = Explorer.update(&m, .key(.char("}")))
        #expect(m.vq.scalarDimension == 2 && m.status.contains("FSQ dimension 3 of 4 (5 levels)"))
        let commands = Explorer.update(&m, .key(.char(")")))
        #expect(m.vq.code(at: 1) == 61 + 40)
        #expect(commands.first == .decodeGrid(m.vq.codes))
        #expect(m.status.hasSuffix("(dimension 3: level 1 → 2)"))
        _ = Explorer.update(&m, .key(.char("(")))
        _ = Explorer.update(&m, .key(.char("(")))
        #expect(m.vq.code(at: 1) == 61 - 40)
        // At the bottom level nothing changes and the status says why.
        let undo = m.vq.undo.count
        _ = Explorer.update(&m, .key(.char("(")))
        #expect(m.vq.code(at: 1) == 21 && m.vq.undo.count == undo && m.status.contains("bottom level"))
        #expect(Explorer.view(m).text.contains("FSQ 5 2 [0] 0 · { } ( )"))
        // A stored codebook has no dimensions to step.
        var vq = makeVQModel()
        fakeRunVQ(&vq, Explorer.start(&vq))
        let codes = vq.vq.codes
        _ = Explorer.update(&vq, .key(.char(")")))
        #expect(vq.vq.codes == codes && vq.status.contains("this codebook is stored"))
    }

    /// The committed vector-quantize-pytorch FSQ fixture: the engine says its levels, and a step in one
    /// dimension moves the implicit code's vector by one level in that dimension only.
    @Test func aStepMovesTheImplicitCodeInOneDimension() throws {
        let dir = repositoryRoot + "/Tests/LatentNNTests/Fixtures/onnx-lib/fsq-ts"
        let x = try NPY.read(dir + "/input-x.npy")
        let data = LabeledImages(images: x, labels: [Int](repeating: 0, count: x.shape[0]), classNames: ["0"])
        let engine = try ExplorerEngine.load(modelPath: dir + "/model.json", data: data)
        let shape = try #require(engine.vqShapeValue)
        #expect(shape.scalarLevels == [8, 5, 5, 5])
        let v = VQState(height: shape.height, width: shape.width, codebookSize: shape.codes, scalarLevels: shape.scalarLevels)
        let book = Codebook(fsqLevels: shape.scalarLevels)
        let code = 8 + 2 * 40 + 3 * 200 + 5, stepped = v.code(code, stepping: 2, by: 1)
        let a = (0..<4).map { book.vectors.data[code * 4 + $0] }, b = (0..<4).map { book.vectors.data[stepped * 4 + $0] }
        #expect(a[0] == b[0] && a[1] == b[1] && a[3] == b[3] && abs(b[2] - a[2] - 0.5) < 1e-6)
    }
}
