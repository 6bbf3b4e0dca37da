import Foundation
import LatentCore
import LatentIO
@testable import LatentNN
@testable import LatentOps
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
    /// The run-based broadcasting of Add/Sub/Mul/Div against a naive per-element reference, over
    /// random shapes of rank 1–4 where either side may be broadcast along any axes.
    @Test func arithmeticBroadcastsLikeNumPy() throws {
        var rng = SeededRNG(seed: 21)
        for trial in 0..<300 {
            let rank = 1 + rng.nextInt(below: 4)
            let out = (0..<rank).map { _ in 1 + rng.nextInt(below: 4) }
            func operand() -> [Int] {
                let keep = rng.nextInt(below: rank + 1)  // a leading part may be missing (lower rank)
                return out.suffix(rank - (rng.nextInt(below: 3) == 0 ? keep : 0)).map { rng.nextInt(below: 3) == 0 ? 1 : $0 }
            }
            let sa = operand(), sb = operand()
            let a = Tensor.randomNormal(shape: sa, using: &rng), b = Tensor.randomUniform(shape: sb, low: 0.5, high: 2, using: &rng)
            let shape = try GraphOps.broadcast(sa, sb)
            func element(_ t: Tensor, _ index: [Int]) -> Float {
                let padded = [Int](repeating: 1, count: shape.count - t.shape.count) + t.shape
                var offset = 0
                for (d, i) in index.enumerated() { offset = offset * padded[d] + (padded[d] == 1 ? 0 : i) }
                return t.data[offset]
            }
            for (op, f) in [(GraphOps.Arithmetic.add, { (x: Float, y: Float) in x + y }), (.sub, { $0 - $1 }), (.mul, { $0 * $1 }), (.div, { $0 / $1 })] {
                let got = try GraphOps.arithmetic(op, a, b)
                #expect(got.shape == shape)
                var index = [Int](repeating: 0, count: shape.count)
                for k in 0..<got.count {
                    var r = k
                    for d in stride(from: shape.count - 1, through: 0, by: -1) { index[d] = r % shape[d]; r /= shape[d] }
                    let want = f(element(a, index), element(b, index))
                    if got.data[k] != want { Issue.record("trial \(trial) \(op) \(sa) ∘ \(sb) at \(index): \(got.data[k]) ≠ \(want)"); return }
                }
            }
        }
    }

    @Test func staticShapeArithmeticIsFoldedAtLoad() throws {
        let model = try ONNXModel.load(fixturesDirectory + "/onnx/conv-vae-rgb-dynamo/decoder.onnx")
        #expect(!model.graph.nodes.contains { ["Shape", "Gather", "Concat", "Constant"].contains($0.op) })
        let ts = try ONNXModel.load(fixturesDirectory + "/onnx/mlp-vae-ts/decoder.onnx")
        #expect(ts.graph.nodes.count < ts.graph.allNodes.count)  // the Constants at least
    }
}

/// docs/model-format.md lists the ops we run, between its marker comments: the registry's list
/// (RECORD_OPS=1 writes it there), and every listed op has a fixture against onnxruntime.
@Suite struct OpListTests {
    static var generated: String {
        GraphOps.supportedOps.map { "`\($0)`" }.joined(separator: ", ") + ".\n"
    }

    @Test func modelFormatListsTheRegistry() throws {
        let path = repositoryRoot + "/docs/model-format.md"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let begin = "<!-- ops:begin (generated from GraphOps.supportedOps: RECORD_OPS=1 swift test --filter GraphOpTests) -->\n"
        let start = try #require(text.range(of: begin), "no ops:begin marker in docs/model-format.md")
        let stop = try #require(text.range(of: "<!-- ops:end -->", range: start.upperBound..<text.endIndex))
        if ProcessInfo.processInfo.environment["RECORD_OPS"] == "1" {
            try (text[..<start.upperBound] + Self.generated + text[stop.lowerBound...]).write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        #expect(String(text[start.upperBound..<stop.lowerBound]) == Self.generated,
                "docs/model-format.md's op list differs from the registry (RECORD_OPS=1 to rewrite it)")
    }

    /// Every op we claim to run is checked against onnxruntime by at least one fixture.
    @Test func everyOpHasAFixture() throws {
        var covered = Set<String>()
        for name in GraphOpTests.cases {
            let model = try ONNXModel.load(GraphOpTests.directory + "/\(name).onnx")
            for node in model.graph.allNodes { covered.insert(node.op) }
        }
        let missing = GraphOps.supportedOps.filter { !covered.contains($0) }
        #expect(missing.isEmpty, "ops without an onnxruntime fixture: \(missing)")
    }
}

/// Transpose by any permutation gives what moving each element to its permuted index gives: shapes with
/// extents of 1, axes that stay neighbours, and the NCHW ↔ NHWC moves of a spatial latent.
@Suite struct TransposeTests {
    @Test func everyPermutationMovesEachElementWhereItsIndexSays() throws {
        var rng = SeededRNG(seed: 11)
        let shapes = [[1, 8, 8, 32], [1, 4, 8, 8], [2, 3, 5], [3, 1, 9, 2], [17, 13], [2, 1, 3, 1, 4]]
        for shape in shapes {
            let count = shape.reduce(1, *), rank = shape.count
            let data = (0..<count).map { Float($0) }
            var perms: [[Int]] = [Array((0..<rank).reversed()), Array(1..<rank) + [0]]
            for _ in 0..<4 {
                var p = Array(0..<rank)
                for i in stride(from: rank - 1, to: 0, by: -1) { p.swapAt(i, rng.nextInt(below: i + 1)) }
                perms.append(p)
            }
            if rank == 4 { perms += [[0, 2, 3, 1], [0, 3, 1, 2]] }
            for perm in perms {
                let got = try GraphOps.transpose(.float(Tensor(shape: shape, data: data)), perm: perm).floats()
                let outShape = perm.map { shape[$0] }
                #expect(got.shape == outShape)
                // The element at output index o came from the input index whose axis perm[k] is o's k-th.
                var inStride = [Int](repeating: 1, count: rank)
                for d in stride(from: rank - 2, through: 0, by: -1) { inStride[d] = inStride[d + 1] * shape[d + 1] }
                var want = [Float](repeating: 0, count: count)
                for o in 0..<count {
                    var rest = o, source = 0
                    for k in stride(from: rank - 1, through: 0, by: -1) {
                        source += (rest % outShape[k]) * inStride[perm[k]]
                        rest /= outShape[k]
                    }
                    want[o] = data[source]
                }
                #expect(got.data == want, "\(shape) perm \(perm)")
            }
        }
    }
}

/// What the graph does at load to run faster keeps every result: exporters' patterns fused, and the
/// run-time shape arithmetic of a dynamic batch replayed per input shape.
@Suite struct GraphFusionTests {
    /// TorchScript's Unflatten with a dynamic batch computes the Reshape target from Shape(x) at run time;
    /// it is computed once per batch size, and a batch size seen before gets its own shapes back.
    @Test func shapeArithmeticIsReplayedPerInputShape() throws {
        let graph = try ONNXModel.load(fixturesDirectory + "/onnx/mlp-vae-ts/decoder.onnx").graph
        #expect(!graph.shapeSteps.isEmpty)
        let width = try #require(graph.inputs.first?.dims.last ?? nil)
        var rng = SeededRNG(seed: 9)
        let z1 = Tensor.randomNormal(shape: [1, width], using: &rng), z3 = Tensor.randomNormal(shape: [3, width], using: &rng)
        let once1 = try graph.run([graph.inputs[0].name: .float(z1)])[0]
        let fresh = try ONNXModel.load(fixturesDirectory + "/onnx/mlp-vae-ts/decoder.onnx").graph
        let three = try graph.run([graph.inputs[0].name: .float(z3)])[0]
        #expect(three.shape.first == 3)
        #expect(three == (try fresh.run([fresh.inputs[0].name: .float(z3)])[0]))
        let again1 = try graph.run([graph.inputs[0].name: .float(z1)])[0]
        #expect(again1 == once1 && again1.shape.first == 1)
    }

    /// nn.GroupNorm + SiLU as both exporters write them become one node each, with the same outputs.
    @Test(arguments: ["conv-vae-rgb-ts", "conv-vae-rgb-dynamo"])
    func groupNormAndSiLUAreFused(_ name: String) throws {
        for part in ["encoder", "decoder"] {
            let graph = try ONNXModel.load(fixturesDirectory + "/onnx/\(name)/\(part).onnx").graph
            let ops = graph.nodes.map(\.op)
            #expect(ops.contains("GroupNormFromInstanceNorm"), "\(name)/\(part): \(ops)")
            #expect(!ops.contains("InstanceNormalization") && !ops.contains("Sigmoid"), "\(name)/\(part): \(ops)")
            #expect(graph.nodes.contains { $0.fusedActivation == .silu })
        }
    }

    /// Linear → Unflatten → Sigmoid (the shipped VAE's decoder as exported): the sigmoid moves into the
    /// Gemm, which applies it in cache, and the reshape stays a view; the output is the unfused one. A
    /// reshape whose input something else also reads keeps the activation itself.
    @Test func activationAfterAReshapeMovesIntoTheProduct() throws {
        var rng = SeededRNG(seed: 3)
        let z = Tensor.randomNormal(shape: [2, 3], using: &rng), w = Tensor.randomNormal(shape: [8, 3], using: &rng)
        let b = Tensor.randomNormal(shape: [8], using: &rng)
        let constants: [String: GraphValue] = ["w": .float(w), "b": .float(b), "to": .int([2, 2, 2, 2], shape: [4])]
        let gemm = GraphNode(name: "g", op: "Gemm", inputs: ["z", "w", "b"], outputs: ["h"], attributes: ["transB": .int(1)])
        let reshape = GraphNode(name: "r", op: "Reshape", inputs: ["h", "to"], outputs: ["u"])
        let sigmoid = GraphNode(name: "s", op: "Sigmoid", inputs: ["u"], outputs: ["y"])
        var values = constants.merging(["z": .float(z)]) { a, _ in a }
        for node in [gemm, reshape, sigmoid] { values[node.outputs[0]] = try GraphOps.run(node, node.inputs.map { values[$0] })[0] }
        let want = try #require(values["y"]).floats()

        let graph = try Graph(inputs: [.init(name: "z", dims: [2, 3])], outputs: ["y"], nodes: [gemm, reshape, sigmoid], initializers: constants)
        #expect(graph.nodes.map(\.op) == ["Gemm", "Reshape"])
        #expect(graph.nodes.map(\.fusedActivation) == [.sigmoid, nil])
        let got = try graph.run(inputs: [.float(z)])[0].floats()
        #expect(got.shape == [2, 2, 2, 2] && got.data == want.data)

        // The Gemm's output is a graph output too: the sigmoid must not move into it.
        let shared = try Graph(inputs: [.init(name: "z", dims: [2, 3])], outputs: ["y", "h"], nodes: [gemm, reshape, sigmoid],
                               initializers: constants)
        #expect(shared.nodes.map(\.fusedActivation) == [nil, .sigmoid])
        let both = try shared.run(inputs: [.float(z)])
        #expect(both[0].floats().data == want.data && both[1] == values["h"])
    }

    /// MatMul by a constant matrix then Add of a constant row (nn.Linear over H·W positions, dynamo's
    /// form) is one node whose GEMM adds the bias and applies a following Relu; the result is the
    /// unfused one. A bias that is not one row (a per-position table) stays two nodes.
    @Test func matMulThenBiasIsOneGemm() throws {
        var rng = SeededRNG(seed: 4)
        let x = Tensor.randomNormal(shape: [2, 5, 3], using: &rng), w = Tensor.randomNormal(shape: [3, 4], using: &rng)
        for (biasShape, fused) in [([4], true), ([1, 1, 4], true), ([5, 4], false)] {
            let b = Tensor.randomNormal(shape: biasShape, using: &rng)
            let constants: [String: GraphValue] = ["w": .float(w), "b": .float(b)]
            let nodes = [GraphNode(name: "m", op: "MatMul", inputs: ["x", "w"], outputs: ["p"]),
                         GraphNode(name: "a", op: "Add", inputs: ["b", "p"], outputs: ["s"]),
                         GraphNode(name: "r", op: "Relu", inputs: ["s"], outputs: ["y"])]
            var values = constants.merging(["x": .float(x)]) { a, _ in a }
            for node in nodes { values[node.outputs[0]] = try GraphOps.run(node, node.inputs.map { values[$0] })[0] }
            let want = try #require(values["y"]).floats()
            let graph = try Graph(inputs: [.init(name: "x", dims: [2, 5, 3])], outputs: ["y"], nodes: nodes, initializers: constants)
            #expect(graph.nodes.map(\.op) == (fused ? ["MatMulAddBias"] : ["MatMul", "Add"]), "bias \(biasShape)")
            let got = try graph.run(inputs: [.float(x)])[0].floats()
            #expect(got.shape == want.shape)
            let worst = zip(got.data, want.data).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst < 1e-5, "bias \(biasShape): off by \(worst)")
        }
    }

    /// The fused GroupNorm node meets shapes outside its pattern (γ along the last axis, not the
    /// channels; a first reshape that is not [N, G, −1]) and must still give the unfused result.
    @Test func groupNormFallsBackOutsideItsPattern() throws {
        var rng = SeededRNG(seed: 5)
        let x = Tensor.randomNormal(shape: [1, 4, 3, 2], using: &rng)
        for (groupShape, gammaShape) in [([1, 2, -1], [1, 1, 1, 2]), ([2, 2, -1], [4, 1, 1]), ([1, 2, -1], [4, 1, 1])] {
            let gamma = Tensor.randomNormal(shape: gammaShape, using: &rng), beta = Tensor.randomNormal(shape: gammaShape, using: &rng)
            let constants: [String: GraphValue] = [
                "gs": .int(groupShape, shape: [3]), "one": .float(Tensor(shape: [2], repeating: 1)), "zero": .float(Tensor(zeros: [2])),
                "back": .int(x.shape, shape: [4]), "gamma": .float(gamma), "beta": .float(beta),
            ]
            let nodes = [
                GraphNode(name: "r1", op: "Reshape", inputs: ["x", "gs"], outputs: ["r"]),
                GraphNode(name: "in", op: "InstanceNormalization", inputs: ["r", "one", "zero"], outputs: ["i"], attributes: ["epsilon": .float(1e-5)]),
                GraphNode(name: "r2", op: "Reshape", inputs: ["i", "back"], outputs: ["b"]),
                GraphNode(name: "m", op: "Mul", inputs: ["b", "gamma"], outputs: ["s"]),
                GraphNode(name: "a", op: "Add", inputs: ["s", "beta"], outputs: ["y"]),
            ]
            // The unfused result: each node by itself.
            var values = constants.merging(["x": .float(x)]) { a, _ in a }
            for node in nodes {
                let out = try GraphOps.run(node, node.inputs.map { values[$0] })
                values[node.outputs[0]] = out[0]
            }
            let graph = try Graph(inputs: [.init(name: "x", dims: [1, 4, 3, 2])], outputs: ["y"], nodes: nodes,
                                  initializers: constants)
            #expect(graph.nodes.map(\.op) == ["GroupNormFromInstanceNorm"])
            let got = try graph.run(["x": .float(x)])[0].floats(), want = try #require(values["y"]).floats()
            #expect(got.shape == want.shape)
            let worst = zip(got.data, want.data).map { abs($0 - $1) }.max() ?? 0
            #expect(worst < 1e-5, "\(groupShape) γ \(gammaShape): off by \(worst)")
        }
    }
}
