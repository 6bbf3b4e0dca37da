import LatentCore

/// Ops the graph builds when it fuses an exporter's pattern (see `Graph+Fusion.swift`); they are not
/// ONNX ops and no file names them. Each runs its pattern in one pass when the shapes it meets are the
/// ones the pattern was written for, and else runs the pattern's own ops in order, so the result is
/// always the unfused graph's.
extension GraphOps {
    static let fused: [String: Compile] = [
        // PyTorch exports nn.GroupNorm as Reshape [N, G, −1] → InstanceNormalization (scale 1, bias 0) →
        // Reshape back → Mul γ → Add β, five passes over the activations (and diffusers' SiLU after it
        // two more). Inputs: x, the first reshape's shape, InstanceNormalization's scale and bias, the
        // second reshape's shape ("" when it was Shape(x)), γ, β.
        "GroupNormFromInstanceNorm": { node in
            let eps = try float(node, "epsilon", 1e-5)
            let activation = node.fusedActivation
            func part(_ op: String) throws -> Kernel {
                try compile(GraphNode(name: node.name, op: op, inputs: [], outputs: [], opset: node.opset))
            }
            let reshape = try part("Reshape"), mul = try part("Mul"), add = try part("Add")
            var instance = GraphNode(name: node.name, op: "InstanceNormalization", inputs: [], outputs: [], opset: node.opset)
            instance.attributes["epsilon"] = .float(eps)
            let normalize = try compile(instance)
            return { args in
                let x = try float(args, 0)
                let target = args.count > 4 ? args[4] : nil
                if let y = try groupNormInOnePass(x, groupShape: try input(args, 1).ints(), instanceScale: try float(args, 2),
                                                  instanceBias: try float(args, 3), target: try target?.ints() ?? x.shape,
                                                  gamma: try float(args, 5), beta: try float(args, 6), eps: eps, activation: activation) {
                    return [.float(y)]
                }
                let r = try reshape([.float(x), try input(args, 1)])[0]
                let i = try normalize([r, args[2], args[3]])[0]
                let back = try reshape([i, target ?? .int(x.shape, shape: [x.shape.count])])[0]
                let scaled = try add([try mul([back, args[5]])[0], args[6]])[0]
                return [activation.map { a in
                    var t = scaled.floats()
                    t.data.withUnsafeMutableBufferPointer { p in if let b = p.baseAddress { a.apply(b, count: p.count) } }
                    return .float(t)
                } ?? scaled]
            }
        },
        // nn.Linear on more than two axes (a spatial latent's project_in/out over H·W positions) as the
        // dynamo exporter writes it: MatMul by the weight, then Add of the bias row. Inputs: x, W (K, N),
        // bias. Rows of x times W onto the bias in one GEMM, as `Gemm`, the activation in cache.
        "MatMulAddBias": { node in
            let activation = node.fusedActivation
            let matmul = try compile(GraphNode(name: node.name, op: "MatMul", inputs: [], outputs: [], opset: node.opset))
            let add = try compile(GraphNode(name: node.name, op: "Add", inputs: [], outputs: [], opset: node.opset))
            var gemm = Gemm()
            gemm.activation = activation
            return { [gemm] args in
                let x = try float(args, 0), w = try float(args, 1), b = try float(args, 2)
                if x.rank >= 2, w.rank == 2, x.shape[x.rank - 1] == w.shape[0], b.count == w.shape[1],
                   b.shape.dropLast().allSatisfy({ $0 == 1 }), b.rank <= x.rank {
                    let rows = x.count / w.shape[0], n = w.shape[1]
                    let flat = x.reshaped([rows, w.shape[0]])
                    _ = try gemm.outputShape(a: flat.shape, b: w.shape, c: [n])
                    return [.float(gemm.forward(flat, w, b.reshaped([n])).reshaped(Array(x.shape.dropLast()) + [n]))]
                }
                let sum = try add([try matmul([args[0], args[1]])[0], args[2]])[0]
                return [activation.map { a in
                    var t = sum.floats()
                    t.data.withUnsafeMutableBufferPointer { p in if let q = p.baseAddress { a.apply(q, count: p.count) } }
                    return .float(t)
                } ?? sum]
            }
        },
    ]

    /// The GroupNorm pattern in one pass, or nil when the shapes are not the pattern's (then the caller
    /// runs its ops in order): the first reshape must cut each image into G contiguous groups, the
    /// second restore a shape whose axis 1 holds whole groups' channels, γ and β one value per channel
    /// of it, and InstanceNormalization's own scale 1 and bias 0.
    static func groupNormInOnePass(_ x: Tensor, groupShape: [Int], instanceScale: Tensor, instanceBias: Tensor, target: [Int],
                                   gamma: Tensor, beta: Tensor, eps: Float, activation: Activation?) throws -> Tensor? {
        guard instanceScale.data.allSatisfy({ $0 == 1 }), instanceBias.data.allSatisfy({ $0 == 0 }),
              let grouped = resolveReshape(groupShape, count: x.count, like: x.shape), grouped.count == 3,
              let back = resolveReshape(target, count: x.count, like: grouped), back.count >= 2 else { return nil }
        let (images, groups, length) = (grouped[0], grouped[1], grouped[2])
        let channels = back[1], plane = back[2...].reduce(1, *)
        guard back[0] == images, groups > 0, channels % groups == 0, channels / groups * plane == length,
              let g = perChannel(gamma, channels, rank: back.count), let b = perChannel(beta, channels, rank: back.count) else { return nil }
        let y = Normalization.groups(x.reshaped([images, channels, plane]), groups: groups, eps: eps, scale: g, bias: b,
                                     activation: activation)
        return y.reshaped(back)
    }

    /// One value per channel (axis 1 of a rank-`rank` shape) from a tensor that broadcasts that way, or nil.
    static func perChannel(_ t: Tensor, _ channels: Int, rank: Int) -> [Float]? {
        if t.count == 1 { return [Float](repeating: t.data[0], count: channels) }
        let padded = [Int](repeating: 1, count: Swift.max(0, rank - t.rank)) + t.shape
        guard padded.count == rank, padded[1] == channels, padded.enumerated().allSatisfy({ $0.offset == 1 || $0.element == 1 }) else { return nil }
        return t.data
    }

    /// Reshape's target with 0 (copy the extent of `like`) and −1 (the rest) resolved, or nil when it
    /// does not hold `count` elements.
    static func resolveReshape(_ target: [Int], count: Int, like: [Int]) -> [Int]? {
        var t = target
        for (i, d) in t.enumerated() where d == 0 {
            guard i < like.count else { return nil }
            t[i] = like[i]
        }
        guard t.filter({ $0 == -1 }).count <= 1, t.allSatisfy({ $0 >= -1 }) else { return nil }
        if let hole = t.firstIndex(of: -1) {
            let known = t.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
            guard known > 0, count % known == 0 else { return nil }
            t[hole] = count / known
        }
        return Tensor.elementCount(t) == count ? t : nil
    }
}
