import Foundation
import LatentCore
import LatentIO
@testable import LatentNN
import Testing

/// Every op against onnxruntime: one-node graphs from scripts/make_onnx_op_fixtures.py, their inputs
/// and onnxruntime's outputs; ours must match to 1e-4 (relative for large values).
@Suite struct GraphOpTests {
    static let directory = fixturesDirectory + "/onnx-ops"
    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".onnx") }
            .map { String($0.dropLast(5)) }.sorted()
    }

    @Test(arguments: cases)
    func matchesOnnxruntime(_ name: String) throws {
        let model = try ONNXModel.load(Self.directory + "/\(name).onnx")
        var feeds: [String: GraphValue] = [:]
        for input in model.graph.inputs {
            feeds[input.name] = .float(try NPY.read(Self.directory + "/\(name)-\(input.name).npy"))
        }
        let outputs = try model.graph.run(feeds)
        for (k, out) in outputs.enumerated() {
            let expected = try NPY.read(Self.directory + "/\(name)-out\(k).npy")
            let got = out.floats()
            #expect(got.shape == expected.shape, "\(name) output \(k): shape \(got.shape), onnxruntime \(expected.shape)")
            guard got.shape == expected.shape else { continue }
            let worst = zip(got.data, expected.data).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            #expect(worst <= 1e-4, "\(name) output \(k): off by \(worst)")
        }
    }

    /// Folding: every node of the exporters' shape arithmetic around a static input is computed at load.
    @Test func staticShapeArithmeticIsFoldedAtLoad() throws {
        let model = try ONNXModel.load(fixturesDirectory + "/onnx/conv-vae-rgb-dynamo/decoder.onnx")
        #expect(!model.graph.nodes.contains { ["Shape", "Gather", "Concat", "Constant"].contains($0.op) })
        let ts = try ONNXModel.load(fixturesDirectory + "/onnx/mlp-vae-ts/decoder.onnx")
        #expect(ts.graph.nodes.count < ts.graph.allNodes.count)  // the Constants at least
    }
}
