import LatentCore

/// A node's attribute, as ONNX types them.
public enum GraphAttribute: Sendable, Equatable {
    case int(Int), float(Float), string(String), ints([Int]), floats([Float]), tensor(GraphValue)
}

/// One operation: named inputs (an empty name is an omitted optional input) to named outputs.
public struct GraphNode: Sendable {
    public var name: String
    public var op: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: GraphAttribute]

    public init(name: String, op: String, inputs: [String], outputs: [String], attributes: [String: GraphAttribute] = [:]) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }

    /// How errors name the node: `node 'Conv_3' (Conv)`.
    var label: String { "node '\(name)' (\(op))" }
}

/// A computation graph with named values: the one inference engine behind imported models.
///
/// Built once: nodes sorted topologically (a cycle is an error), every op checked against the kernels
/// we have, and every node whose inputs are all known without the graph's inputs — the shape arithmetic
/// exporters emit around `Reshape`, `Unflatten` and friends — computed once and kept as a constant.
/// Running it then only executes the nodes that depend on the input.
public struct Graph: Sendable {
    public struct Input: Sendable, Equatable {
        public var name: String
        /// Declared extents; nil for a symbolic one (a dynamic batch).
        public var dims: [Int?]
    }

    public let inputs: [Input]
    public let outputs: [String]
    /// Nodes still to run for each input, in order.
    public let nodes: [GraphNode]
    /// Initializers and folded values.
    public let constants: [String: GraphValue]
    /// Every node of the file, for `latent info` (op histogram).
    public let allNodes: [GraphNode]

    public init(inputs: [Input], outputs: [String], nodes: [GraphNode], initializers: [String: GraphValue]) throws {
        self.inputs = inputs
        self.outputs = outputs
        allNodes = nodes
        for node in nodes where GraphOps.kernels[node.op] == nil {
            throw GraphError("\(node.label): op '\(node.op)' is not supported\(GraphOps.controlFlow.contains(node.op) ? " (control flow)" : "")")
        }
        let sorted = try Self.topologicalOrder(nodes, known: Set(initializers.keys).union(inputs.map(\.name)))
        // Constant folding: run every node that depends on nothing but constants.
        var constants = initializers
        var remaining: [GraphNode] = []
        for node in sorted {
            let args = node.inputs.map { $0.isEmpty ? nil : constants[$0] }
            let foldable = node.inputs.allSatisfy { $0.isEmpty || constants[$0] != nil }
                || (node.op == "Shape" && Self.staticShape(of: node.inputs.first ?? "", inputs) != nil)
            guard foldable else { remaining.append(node); continue }
            if node.op == "Shape", (args.first ?? nil) == nil, let dims = Self.staticShape(of: node.inputs[0], inputs) {
                constants[node.outputs[0]] = try GraphOps.shape(node, dims: dims)
                continue
            }
            let out = try GraphOps.run(node, args)
            for (name, v) in zip(node.outputs, out) where !name.isEmpty { constants[name] = v }
        }
        for output in outputs where constants[output] == nil && !remaining.contains(where: { $0.outputs.contains(output) })
            && !inputs.contains(where: { $0.name == output }) {
            throw GraphError("graph output '\(output)' is produced by no node")
        }
        self.nodes = remaining
        self.constants = constants
    }

    /// The declared shape of a graph input when every extent is fixed.
    static func staticShape(of name: String, _ inputs: [Input]) -> [Int]? {
        guard let input = inputs.first(where: { $0.name == name }), input.dims.allSatisfy({ $0 != nil }) else { return nil }
        return input.dims.map { $0! }
    }

    /// Kahn's algorithm over value names; nodes keep their file order where the graph allows.
    static func topologicalOrder(_ nodes: [GraphNode], known: Set<String>) throws -> [GraphNode] {
        var producer: [String: Int] = [:]
        for (i, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                if producer[output] != nil || known.contains(output) {
                    throw GraphError("\(node.label): value '\(output)' is produced twice")
                }
                producer[output] = i
            }
        }
        var waiting = [Int](repeating: 0, count: nodes.count)
        var dependents = [[Int]](repeating: [], count: nodes.count)
        for (i, node) in nodes.enumerated() {
            for input in Set(node.inputs) where !input.isEmpty && !known.contains(input) {
                guard let p = producer[input] else { throw GraphError("\(node.label): input '\(input)' is produced by no node") }
                waiting[i] += 1
                dependents[p].append(i)
            }
        }
        var ready = (0..<nodes.count).filter { waiting[$0] == 0 }.reversed() as [Int]
        var order: [GraphNode] = []
        while let i = ready.popLast() {
            order.append(nodes[i])
            for d in dependents[i] {
                waiting[d] -= 1
                if waiting[d] == 0 { ready.append(d) }
            }
            ready.sort(by: >)
        }
        guard order.count == nodes.count else {
            let stuck = nodes.indices.first { waiting[$0] > 0 }.map { nodes[$0].label } ?? "a node"
            throw GraphError("the graph has a cycle (through \(stuck))")
        }
        return order
    }

    /// Runs the graph: `feeds` by input name; returns the outputs in order. `observe` sees every node
    /// run with its outputs (`latent info` lists the shapes after each block).
    public func run(_ feeds: [String: GraphValue], observe: ((GraphNode, [GraphValue]) -> Void)? = nil) throws -> [GraphValue] {
        var values = constants
        for input in inputs {
            guard let v = feeds[input.name] else { throw GraphError("no value for graph input '\(input.name)'") }
            guard v.shape.count == input.dims.count, zip(v.shape, input.dims).allSatisfy({ $1 == nil || $0 == $1 }) else {
                throw GraphError("input '\(input.name)' has shape \(v.shape); the graph takes \(input.dims.map { $0.map(String.init) ?? "N" })")
            }
            values[input.name] = v
        }
        for node in nodes {
            let args = try node.inputs.map { name -> GraphValue? in
                guard !name.isEmpty else { return nil }
                guard let v = values[name] else { throw GraphError("\(node.label): input '\(name)' has no value") }
                return v
            }
            let out = try GraphOps.run(node, args)
            observe?(node, out)
            for (name, v) in zip(node.outputs, out) where !name.isEmpty { values[name] = v }
        }
        return try outputs.map { name in
            guard let v = values[name] else { throw GraphError("graph output '\(name)' has no value") }
            return v
        }
    }
}
