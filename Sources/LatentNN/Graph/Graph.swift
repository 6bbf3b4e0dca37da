import Foundation
import LatentCore
import LatentOps

/// A computation graph with named values: the one inference engine behind imported models.
///
/// Built once: nodes sorted topologically (a cycle is an error); every node compiled by the op library
/// (its attributes read and checked); every node whose inputs are all known without the graph's inputs
/// — the shape arithmetic exporters emit around `Reshape`, `Unflatten` and friends — computed once and
/// kept as a constant; exporters' patterns fused (`Graph+Fusion.swift`);
/// every value given a slot, and each slot freed after its last reader. Running it then executes the
/// compiled steps over an array of slots: no attribute parsing and no dictionary on the hot path.
public struct Graph: Sendable {
    public struct Input: Sendable, Equatable {
        public var name: String
        /// Declared extents; nil for a symbolic one (a dynamic batch).
        public var dims: [Int?]
    }

    /// One node to run: its kernel and the slots it reads and writes. A class: the run loop takes one
    /// reference per step, not a copy of the node's names and attributes.
    final class Step: Sendable {
        let node: GraphNode
        let kernel: GraphOps.Kernel
        /// Input slots; nil for an omitted optional input.
        let inputs: [Int?]
        /// Output slots; nil for an output nobody reads.
        let outputs: [Int?]
        /// Slots whose last reader this step is: emptied after it runs.
        let frees: [Int]

        init(node: GraphNode, kernel: @escaping GraphOps.Kernel, inputs: [Int?], outputs: [Int?], frees: [Int]) {
            self.node = node
            self.kernel = kernel
            self.inputs = inputs
            self.outputs = outputs
            self.frees = frees
        }
    }

    public let inputs: [Input]
    public let outputs: [String]
    /// Nodes still to run for each input, in order (an activation fused into its producer is not one).
    public let nodes: [GraphNode]
    /// Initializers and folded values.
    public let constants: [String: GraphValue]
    /// Every node of the file, for `latent info` (op histogram).
    public let allNodes: [GraphNode]
    let steps: [Step]
    /// Each slot's value before a run: the constants, nil elsewhere.
    let initialSlots: [GraphValue?]
    let inputSlots: [Int]
    let outputSlots: [Int]
    /// Steps whose results depend on the inputs' shapes alone: run once per input shape, then replayed.
    let shapeSteps: Set<Int>
    /// `shapeSteps` as a flag per step.
    let isShapeStep: [Bool]
    let shapeArithmetic: ShapeArithmeticCache

    public init(inputs: [Input], outputs: [String], nodes: [GraphNode], initializers: [String: GraphValue]) throws {
        self.inputs = inputs
        self.outputs = outputs
        allNodes = nodes
        for node in nodes where GraphOps.compilers[node.op] == nil { _ = try GraphOps.compile(node) }  // the one-line refusal
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
        remaining = try Self.fuse(remaining, outputs: Set(outputs), constants: constants)
        self.nodes = remaining
        self.constants = constants

        // Slots: one per value name; constants first.
        var slot: [String: Int] = [:]
        var initial: [GraphValue?] = []
        func slotOf(_ name: String) -> Int {
            if let s = slot[name] { return s }
            slot[name] = initial.count
            initial.append(constants[name])
            return initial.count - 1
        }
        for name in constants.keys.sorted() { _ = slotOf(name) }
        inputSlots = inputs.map { slotOf($0.name) }
        var lastReader: [Int: Int] = [:]
        for (i, node) in remaining.enumerated() { for name in node.inputs where !name.isEmpty { lastReader[slotOf(name)] = i } }
        let kept = Set(outputs.map(slotOf)).union(constants.keys.map { slot[$0]! })
        steps = try remaining.enumerated().map { i, node in
            let ins = node.inputs.map { $0.isEmpty ? nil : slotOf($0) }
            let outs = node.outputs.map { $0.isEmpty ? nil : slotOf($0) }
            let frees = Set(ins.compactMap { $0 }).filter { lastReader[$0] == i && !kept.contains($0) }.sorted()
            var prepared = node
            if node.op == "Conv" {
                for (k, name) in node.inputs.enumerated() { if let v = constants[name] { prepared.knownInputs[k] = v } }
            }
            return Step(node: node, kernel: try GraphOps.compile(prepared), inputs: ins, outputs: outs, frees: frees)
        }
        outputSlots = outputs.map(slotOf)
        // Constants only the folded nodes read are not copied into every run's slots.
        let read = Set(steps.flatMap { $0.inputs.compactMap { $0 } }).union(outputSlots)
        initialSlots = initial.enumerated().map { read.contains($0.offset) ? $0.element : nil }
        // Shape arithmetic left at run time (a dynamic batch: Shape → Slice → Concat → Reshape's target)
        // reads only the shapes of values, which follow from the graph inputs' shapes.
        var shapeOnly = Set<Int>(), shapeSlots = Set(constants.keys.map { slot[$0]! })
        for (i, step) in steps.enumerated() {
            let reads = step.inputs.compactMap { $0 }
            guard step.node.op == "Shape" || (!reads.isEmpty && reads.allSatisfy(shapeSlots.contains)) else { continue }
            shapeOnly.insert(i)
            shapeSlots.formUnion(step.outputs.compactMap { $0 })
        }
        shapeSteps = shapeOnly
        isShapeStep = steps.indices.map(shapeOnly.contains)
        shapeArithmetic = ShapeArithmeticCache()
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
        try run(inputs: inputs.map { input in
            guard let v = feeds[input.name] else { throw GraphError("no value for graph input '\(input.name)'") }
            return v
        }, observe: observe)
    }

    /// Runs the graph on its inputs in declared order: the decode path (no names looked up).
    public func run(inputs given: [GraphValue], observe: ((GraphNode, [GraphValue]) -> Void)? = nil) throws -> [GraphValue] {
        guard given.count == inputs.count else { throw GraphError("the graph takes \(inputs.count) input(s), got \(given.count)") }
        var values = initialSlots
        for k in inputs.indices {
            let input = inputs[k], v = given[k]
            guard v.shape.count == input.dims.count, zip(v.shape, input.dims).allSatisfy({ $1 == nil || $0 == $1 }) else {
                throw GraphError("input '\(input.name)' has shape \(v.shape); the graph takes \(input.dims.map { $0.map(String.init) ?? "N" })")
            }
            values[inputSlots[k]] = v
        }
        let shapeKey = shapeSteps.isEmpty ? [] : inputSlots.map { values[$0]?.shape ?? [] }
        let known = shapeSteps.isEmpty ? nil : shapeArithmetic.values(for: shapeKey)
        if let known { for (s, v) in known { values[s] = v } }
        var computed: [(Int, GraphValue)] = []
        for i in steps.indices {
            let step = steps[i]
            let isShapeStep = isShapeStep[i]
            if isShapeStep && known != nil { continue }
            var args: [GraphValue?] = []
            args.reserveCapacity(step.inputs.count)
            for (k, s) in step.inputs.enumerated() {
                guard let s else { args.append(nil); continue }
                guard let v = values[s] else { throw GraphError("\(step.node.label): input '\(step.node.inputs[k])' has no value") }
                args.append(v)
            }
            let out = try step.kernel(args)
            args = []
            observe?(step.node, out)
            for s in step.frees { values[s] = nil }
            for (s, v) in zip(step.outputs, out) {
                guard let s else { continue }
                values[s] = v
                if isShapeStep { computed.append((s, v)) }
            }
        }
        if known == nil && !shapeSteps.isEmpty { shapeArithmetic.store(computed, for: shapeKey) }
        var results: [GraphValue] = []
        results.reserveCapacity(outputs.count)
        for (name, s) in zip(outputs, outputSlots) {
            guard let v = values[s] else { throw GraphError("graph output '\(name)' has no value") }
            results.append(v)
        }
        return results
    }
}

/// The results of a graph's shape-only steps for the input shapes seen last (a few batch sizes),
/// shared by the threads that run the graph.
final class ShapeArithmeticCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(key: [[Int]], values: [(Int, GraphValue)])] = []

    func values(for key: [[Int]]) -> [(Int, GraphValue)]? {
        lock.lock()
        defer { lock.unlock() }
        return entries.first { $0.key == key }?.values
    }

    func store(_ values: [(Int, GraphValue)], for key: [[Int]]) {
        lock.lock()
        defer { lock.unlock() }
        entries.removeAll { $0.key == key }
        entries.insert((key, values), at: 0)
        if entries.count > 8 { entries.removeLast() }
    }
}
