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
    /// The file's opset for the default domain: some ops changed meaning between opsets (Softmax at 13).
    public var opset: Int
    /// An activation the graph folded into this node (a Conv, ConvTranspose or Gemm) at load.
    package var fusedActivation: Activation?
    /// Inputs the graph knows at load (weights), by position, for kernels that prepare them once (a
    /// Conv's Winograd weights).
    package var knownInputs: [Int: GraphValue] = [:]

    public init(name: String, op: String, inputs: [String], outputs: [String], attributes: [String: GraphAttribute] = [:], opset: Int = 22) {
        self.name = name
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.opset = opset
    }

    /// How errors name the node: `node 'Conv_3' (Conv)`.
    package var label: String { "node '\(name)' (\(op))" }
}
