import LatentCore
import LatentOps

/// Rewrites of a graph's run-time nodes that keep every result and save passes over memory: the
/// patterns exporters write for one PyTorch module, run as one kernel. Each fused node computes the same
/// values as the nodes it replaces (a fused kernel that meets shapes outside its pattern runs them).
extension Graph {
    static func fuse(_ nodes: [GraphNode], outputs: Set<String>, constants: [String: GraphValue]) throws -> [GraphNode] {
        try fuseActivations(fuseMatMulBias(fuseGroupNorms(nodes, outputs: outputs, constants: constants), outputs: outputs,
                                           constants: constants), outputs: outputs)
    }

    /// MatMul(x, W) read only by Add(·, b), W a constant matrix and b a constant row (one value per
    /// column of W, any leading 1s) — nn.Linear over a spatial latent's positions as the dynamo exporter
    /// writes it — becomes one `MatMulAddBias` node: the bias added by the GEMM, not a pass of its own.
    static func fuseMatMulBias(_ nodes: [GraphNode], outputs: Set<String>, constants: [String: GraphValue]) -> [GraphNode] {
        let readers = readers(nodes)
        var nodes = nodes
        var removed = Set<Int>()
        for (i, node) in nodes.enumerated() where node.op == "MatMul" && node.inputs.count == 2 && node.outputs.count == 1 {
            let out = node.outputs[0]
            guard !outputs.contains(out), let r = readers[out], r.count == 1, nodes[r[0]].op == "Add",
                  nodes[r[0]].inputs.count == 2, nodes[r[0]].outputs.count == 1,
                  case .float(let w)? = constants[node.inputs[1]], w.rank == 2,
                  let bias = nodes[r[0]].inputs.first(where: { $0 != out }), nodes[r[0]].inputs.contains(out),
                  case .float(let b)? = constants[bias], b.count == w.shape[1], b.shape.dropLast().allSatisfy({ $0 == 1 })
            else { continue }
            nodes[i] = GraphNode(name: node.name, op: "MatMulAddBias", inputs: node.inputs + [bias], outputs: nodes[r[0]].outputs,
                                 opset: node.opset)
            removed.insert(r[0])
        }
        return nodes.indices.filter { !removed.contains($0) }.map { nodes[$0] }
    }

    /// Who reads each value: node indices (one per input slot that names it).
    static func readers(_ nodes: [GraphNode]) -> [String: [Int]] {
        var readers: [String: [Int]] = [:]
        for (i, node) in nodes.enumerated() { for name in node.inputs where !name.isEmpty { readers[name, default: []].append(i) } }
        return readers
    }

    /// nn.GroupNorm as exported — Reshape [N, G, −1] → InstanceNormalization → Reshape back (to a constant
    /// shape or Shape(x)) → Mul γ → Add β, every intermediate read by the next node alone — becomes one
    /// `GroupNormFromInstanceNorm` node.
    static func fuseGroupNorms(_ nodes: [GraphNode], outputs: Set<String>, constants: [String: GraphValue]) -> [GraphNode] {
        let readers = readers(nodes)
        var producer: [String: Int] = [:]
        for (i, node) in nodes.enumerated() { for name in node.outputs where !name.isEmpty { producer[name] = i } }
        /// The only reader of `value` (which is no graph output), if it runs `op`.
        func soleReader(_ value: String, _ op: String) -> Int? {
            guard !outputs.contains(value), let r = readers[value], r.count == 1, nodes[r[0]].op == op else { return nil }
            return r[0]
        }
        func isConstant(_ name: String) -> Bool { constants[name] != nil }
        var removed = Set<Int>()
        var replacement: [Int: GraphNode] = [:]
        for (k, norm) in nodes.enumerated() where norm.op == "InstanceNormalization" && norm.outputs.count == 1 && norm.inputs.count == 3 {
            guard let r1 = producer[norm.inputs[0]], nodes[r1].op == "Reshape", nodes[r1].inputs.count == 2,
                  soleReader(norm.inputs[0], "InstanceNormalization") == k, isConstant(nodes[r1].inputs[1]),
                  isConstant(norm.inputs[1]), isConstant(norm.inputs[2]),
                  let r2 = soleReader(norm.outputs[0], "Reshape"), nodes[r2].inputs.first == norm.outputs[0], nodes[r2].inputs.count == 2,
                  let m = soleReader(nodes[r2].outputs[0], "Mul"), let a = soleReader(nodes[m].outputs[0], "Add"),
                  ![r1, k, r2, m, a].contains(where: { removed.contains($0) }),
                  [r1, r2].allSatisfy({ [nil, .int(0)].contains(nodes[$0].attributes["allowzero"]) }) else { continue }
            let x = nodes[r1].inputs[0]
            guard let gamma = nodes[m].inputs.first(where: { $0 != nodes[r2].outputs[0] }), isConstant(gamma),
                  let beta = nodes[a].inputs.first(where: { $0 != nodes[m].outputs[0] }), isConstant(beta),
                  nodes[m].inputs.count == 2, nodes[a].inputs.count == 2 else { continue }
            // The shape to restore: a constant, or Shape(x) read by this reshape alone (then x's own shape).
            var target = nodes[r2].inputs[1]
            var shapeNode: Int?
            if !isConstant(target) {
                guard let s = producer[target], nodes[s].op == "Shape", nodes[s].inputs.first == x, nodes[s].attributes.isEmpty,
                      soleReader(target, "Reshape") == r2, !removed.contains(s) else { continue }
                shapeNode = s
                target = ""
            }
            var fused = GraphNode(name: norm.name, op: "GroupNormFromInstanceNorm",
                                  inputs: [x, nodes[r1].inputs[1], norm.inputs[1], norm.inputs[2], target, gamma, beta],
                                  outputs: nodes[a].outputs, opset: norm.opset)
            if let eps = norm.attributes["epsilon"] { fused.attributes["epsilon"] = eps }
            removed.formUnion([r1, k, r2, m, a] + (shapeNode.map { [$0] } ?? []))
            // At the first reshape's place: x is known there, and every reader of the result comes after the Add.
            replacement[r1] = fused
        }
        return nodes.indices.compactMap { i in replacement[i] ?? (removed.contains(i) ? nil : nodes[i]) }
    }

    /// An activation that alone reads a node's output — Relu, Sigmoid, Tanh, LeakyRelu, or SiLU as
    /// exported (Sigmoid(a) and Mul(a, sigmoid), nothing else reading either) — is folded into that
    /// node: Conv, ConvTranspose, Gemm and the norms apply it while their output is in cache, any other
    /// op right after it, in place.
    /// Ops that only give their first input another shape: an elementwise function commutes with them.
    static let reshapeOps: Set<String> = ["Reshape", "Flatten", "Squeeze", "Unsqueeze"]

    static func fuseActivations(_ nodes: [GraphNode], outputs: Set<String>) throws -> [GraphNode] {
        var nodes = nodes
        var removed = Set<Int>()
        let readers = readers(nodes)
        var producer: [String: Int] = [:]
        for (i, node) in nodes.enumerated() { for name in node.outputs where !name.isEmpty { producer[name] = i } }
        for (i, node) in nodes.enumerated() where !removed.contains(i) && node.fusedActivation == nil && node.outputs.count == 1 {
            let out = node.outputs[0]
            guard !out.isEmpty, !outputs.contains(out), let r = readers[out] else { continue }
            if r.count == 1, !removed.contains(r[0]), nodes[r[0]].inputs == [out], nodes[r[0]].outputs.count == 1,
               let activation = try GraphOps.fusableActivation(nodes[r[0]]) {
                // An activation after a reshape of a product (Linear → Unflatten → Sigmoid) commutes with the
                // reshape: the product applies it while its output is in cache, the reshape stays a view.
                if Self.reshapeOps.contains(node.op), let p = producer[node.inputs[0]], !removed.contains(p),
                   nodes[p].fusedActivation == nil, GraphOps.consumesActivation.contains(nodes[p].op),
                   nodes[p].outputs.count == 1, readers[node.inputs[0]] == [i], !outputs.contains(node.inputs[0]) {
                    nodes[p].fusedActivation = activation
                } else {
                    nodes[i].fusedActivation = activation
                }
                nodes[i].outputs = nodes[r[0]].outputs
                removed.insert(r[0])
            } else if r.count == 2, let sg = r.first(where: { nodes[$0].op == "Sigmoid" }), let mul = r.first(where: { nodes[$0].op == "Mul" }),
                      sg != mul, !removed.contains(sg), !removed.contains(mul), nodes[sg].inputs == [out], nodes[sg].outputs.count == 1,
                      let s = nodes[sg].outputs.first, !outputs.contains(s), readers[s] == [mul],
                      Set(nodes[mul].inputs) == [out, s], nodes[mul].inputs.count == 2 {
                nodes[i].fusedActivation = .silu
                nodes[i].outputs = nodes[mul].outputs
                removed.formUnion([sg, mul])
            }
        }
        return nodes.indices.filter { !removed.contains($0) }.map { nodes[$0] }
    }
}
