import LatentCore

/// Layers applied in order, named as PyTorch's `nn.Sequential` names them: `prefix.i.weight` where
/// i counts every op, parameter-free ones included.
public final class Sequential {
    public let prefix: String
    public let layers: [Layer]

    public init(prefix: String, layers: [Layer]) {
        self.prefix = prefix
        self.layers = layers
    }

    public convenience init(prefix: String, specs: [OpSpec], rng: inout SeededRNG) {
        self.init(prefix: prefix, layers: specs.map { $0.makeLayer(rng: &rng) })
    }

    public var specs: [OpSpec] { layers.map(\.spec) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        layers.reduce(x) { $1.forward($0, training: training) }
    }

    public func backward(_ dy: Tensor) -> Tensor {
        layers.reversed().reduce(dy) { $1.backward($0) }
    }

    /// Every trainable parameter with its full dotted name.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { i, layer in layer.parameters.map { ("\(prefix).\(i).\($0.name)", $0) } }
    }

    public var namedBuffers: [(name: String, layer: Layer, local: String, value: Tensor)] {
        layers.enumerated().flatMap { i, layer in layer.buffers.map { ("\(prefix).\(i).\($0.name)", layer, $0.name, $0.value) } }
    }
}
