import Foundation
import LatentCore

/// The ops a graph can run, by ONNX name. Each op is compiled once, when the graph is loaded: its
/// attributes are read and checked then (a bad attribute fails the load, naming the node), and what
/// runs on every decode is the returned `Kernel`, which takes the input values (nil for an omitted
/// optional input) and returns the outputs. Errors are one line; `compile` adds the node's name and op.
package enum GraphOps {
    package typealias Kernel = @Sendable ([GraphValue?]) throws -> [GraphValue]
    /// Reads and checks a node's attributes; returns the kernel that runs it.
    package typealias Compile = @Sendable (GraphNode) throws -> Kernel

    package static let controlFlow: Set<String> = ["If", "Loop", "Scan", "SequenceMap"]

    package static let compilers: [String: Compile] = elementwise
        .merging(shapeOps) { a, _ in a }
        .merging(networkOps) { a, _ in a }
        .merging(reductions) { a, _ in a }
        .merging(indexing) { a, _ in a }
        .merging(["Einsum": einsum]) { a, _ in a }

    /// Every op name we run, sorted (the model-format docs list them; a test keeps the list true).
    package static var supportedOps: [String] { compilers.keys.sorted() }

    /// The node compiled: its kernel, with the node's name in every error it throws.
    package static func compile(_ node: GraphNode) throws -> Kernel {
        guard let compiler = compilers[node.op] ?? fused[node.op] else {
            throw GraphError("\(node.label): op '\(node.op)' is not supported\(controlFlow.contains(node.op) ? " (control flow)" : "")")
        }
        var kernel = try labelled(node) { try compiler(node) }
        if let activation = node.fusedActivation, !consumesActivation.contains(node.op) {
            // Any other op applies a fused activation to its output afterwards, in place.
            let base = kernel
            kernel = { args in
                var out = try base(args)
                guard case .float(var t)? = out.first else { throw GraphError("an activation of integers") }
                out[0] = .float(Tensor(zeros: [0]))  // drop the second reference: the activation runs in place
                t.data.withUnsafeMutableBufferPointer { p in if let b = p.baseAddress { activation.apply(b, count: p.count) } }
                out[0] = .float(t)
                return out
            }
        }
        let label = node.label
        return { [kernel] args in
            do {
                let out = try kernel(args)
                for v in out { if case .float(let t) = v, t.count > maxGraphElements { throw GraphError("output too large") } }
                return out
            } catch let e as GraphError where !e.description.hasPrefix("node '") {
                throw GraphError("\(label): \(e.description)")
            }
        }
    }

    /// Compiles and runs a node once (constant folding, tests).
    package static func run(_ node: GraphNode, _ args: [GraphValue?]) throws -> [GraphValue] {
        try compile(node)(args)
    }

    private static func labelled<T>(_ node: GraphNode, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as GraphError where !e.description.hasPrefix("node '") {
            throw GraphError("\(node.label): \(e.description)")
        }
    }

    /// Ops whose kernels apply `GraphNode.fusedActivation` themselves, chunk by chunk while the output is
    /// in cache.
    package static let consumesActivation: Set<String> = ["Conv", "ConvTranspose", "Gemm", "GroupNormalization", "InstanceNormalization",
                                                  "GroupNormFromInstanceNorm", "MatMulAddBias"]

    /// The activation a node computes, when it can run fused into the op before it.
    package static func fusableActivation(_ node: GraphNode) throws -> Activation? {
        switch node.op {
        case "Relu": return .relu
        case "Sigmoid": return .sigmoid
        case "Tanh": return .tanh
        case "LeakyRelu": return .leakyRelu(slope: try float(node, "alpha", 0.01))
        default: return nil
        }
    }

    /// An op without attributes.
    static func stateless(_ kernel: @escaping Kernel) -> Compile { { _ in kernel } }

    // MARK: Arguments and attributes

    static func input(_ args: [GraphValue?], _ i: Int, _ what: String = "input") throws -> GraphValue {
        guard i < args.count, let v = args[i] else { throw GraphError("missing \(what) \(i)") }
        return v
    }

    static func float(_ args: [GraphValue?], _ i: Int) throws -> Tensor { try input(args, i).floats() }

    static func optionalInts(_ args: [GraphValue?], _ i: Int) throws -> [Int]? {
        guard i < args.count, let v = args[i] else { return nil }
        return try v.ints()
    }

    static func int(_ node: GraphNode, _ name: String, _ fallback: Int) throws -> Int {
        switch node.attributes[name] {
        case nil: return fallback
        case .int(let v)?: return v
        default: throw GraphError("attribute '\(name)' must be an integer")
        }
    }

    static func float(_ node: GraphNode, _ name: String, _ fallback: Float) throws -> Float {
        switch node.attributes[name] {
        case nil: return fallback
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: throw GraphError("attribute '\(name)' must be a number")
        }
    }

    static func ints(_ node: GraphNode, _ name: String) throws -> [Int]? {
        switch node.attributes[name] {
        case nil: return nil
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: throw GraphError("attribute '\(name)' must be a list of integers")
        }
    }

    static func string(_ node: GraphNode, _ name: String, _ fallback: String) throws -> String {
        switch node.attributes[name] {
        case nil: return fallback
        case .string(let v)?: return v
        default: throw GraphError("attribute '\(name)' must be a string")
        }
    }

    /// An axis in [-rank, rank) made non-negative.
    static func axis(_ a: Int, rank: Int) throws -> Int {
        guard a >= -rank && a < max(rank, 1) else { throw GraphError("axis \(a) is out of range for rank \(rank)") }
        return a < 0 ? a + rank : a
    }

    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { s[i] = s[i + 1] * shape[i + 1] }
        return s
    }

    // MARK: Broadcasting

    /// numpy's broadcast of two shapes.
    static func broadcast(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a, pb = [Int](repeating: 1, count: rank - b.count) + b
        return try zip(pa, pb).map { x, y in
            guard x == y || x == 1 || y == 1 else { throw GraphError("shapes \(a) and \(b) do not broadcast") }
            return x == 1 ? y : x
        }
    }

    /// For each element of `out`, the index of the element of a tensor of `shape` it reads. Walks the
    /// output with an odometer over its axes (no division per element): the broadcasts of per-channel
    /// scales against activations run on every decode.
    static func broadcastIndex(_ shape: [Int], to out: [Int]) -> [Int] {
        let n = out.reduce(1, *)
        if shape == out { return Array(0..<n) }
        let rank = out.count
        let padded = [Int](repeating: 1, count: rank - shape.count) + shape
        let srcStrides = strides(padded).enumerated().map { padded[$0.offset] == 1 ? 0 : $0.element }
        guard n > 0, rank > 0 else { return n > 0 ? [0] : [] }
        var result = [Int](repeating: 0, count: n)
        var counter = [Int](repeating: 0, count: rank)
        var j = 0
        let last = rank - 1, inner = out[last], innerStride = srcStrides[last]
        var i = 0
        while i < n {
            // The innermost axis in one run.
            for t in 0..<inner { result[i + t] = j + t * innerStride }
            i += inner
            // Carry into the outer axes.
            var d = last - 1
            while d >= 0 {
                counter[d] += 1
                j += srcStrides[d]
                if counter[d] < out[d] { break }
                j -= srcStrides[d] * out[d]
                counter[d] = 0
                d -= 1
            }
        }
        return result
    }

    static func binaryFloat(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) throws -> Tensor {
        if a.shape == b.shape {
            return Tensor(shape: a.shape, data: zip(a.data, b.data).map(f))
        }
        if b.count == 1 {
            let s = b.data[0]
            return Tensor(shape: try broadcast(a.shape, b.shape), data: a.data.map { f($0, s) })
        }
        let out = try broadcast(a.shape, b.shape)
        _ = try checkedCount(out)
        let ia = broadcastIndex(a.shape, to: out), ib = broadcastIndex(b.shape, to: out)
        return Tensor(shape: out, data: zip(ia, ib).map { f(a.data[$0], b.data[$1]) })
    }

    static func binaryInt(_ a: [Int], _ sa: [Int], _ b: [Int], _ sb: [Int], _ f: (Int, Int) throws -> Int) throws -> GraphValue {
        let out = try broadcast(sa, sb)
        _ = try checkedCount(out)
        let ia = broadcastIndex(sa, to: out), ib = broadcastIndex(sb, to: out)
        return .int(try zip(ia, ib).map { try f(a[$0], b[$1]) }, shape: out)
    }

    /// A binary op on floats, or on integers when both inputs are integers (shape arithmetic).
    static func binary(_ float: @escaping @Sendable (Float, Float) -> Float,
                       int: (@Sendable (Int, Int) throws -> Int)? = nil) -> Compile {
        stateless { args in
            let a = try input(args, 0), b = try input(args, 1)
            if let int, case .int(let x, let sx) = a, case .int(let y, let sy) = b { return [try binaryInt(x, sx, y, sy, int)] }
            return [.float(try binaryFloat(a.floats(), b.floats(), float))]
        }
    }

    static func comparison(_ f: @escaping @Sendable (Float, Float) -> Bool) -> Compile {
        stateless { args in
            let a = try input(args, 0), b = try input(args, 1)
            if case .int(let x, let sx) = a, case .int(let y, let sy) = b {
                return [try binaryInt(x, sx, y, sy) { f(Float($0), Float($1)) ? 1 : 0 }]
            }
            let t = try binaryFloat(a.floats(), b.floats()) { f($0, $1) ? 1 : 0 }
            return [.int(t.data.map { Int($0) }, shape: t.shape)]
        }
    }

    /// A unary op on floats, element by element.
    static func unary(_ f: @escaping @Sendable (Float) -> Float) -> Compile {
        stateless { args in
            var t = try float(args, 0)
            t.data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = f(p[i]) } }
            return [.float(t)]
        }
    }

    /// An activation, applied in place to the input's copy (threaded for large tensors).
    static func activation(_ a: Activation) -> Kernel {
        { args in
            var t = try float(args, 0)
            t.data.withUnsafeMutableBufferPointer { p in if let b = p.baseAddress { a.apply(b, count: p.count) } }
            return [.float(t)]
        }
    }

    /// The shape `s` broadcast to `out` exactly (an operand that must not grow the output).
    static func broadcastTo(_ s: [Int], _ out: [Int]) throws -> [Int] {
        let r = try broadcast(s, out)
        guard r == out else { throw GraphError("shape \(s) does not broadcast to \(out)") }
        return r
    }
}
