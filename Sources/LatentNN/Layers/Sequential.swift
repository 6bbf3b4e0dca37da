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
        forward(x, training: training, through: layers.count)
    }

    /// Runs only the first `count` layers (training fuses a final Sigmoid into its loss).
    public func forward(_ x: Tensor, training: Bool, through count: Int) -> Tensor {
        layers[0..<count].reduce(x) { $1.forward($0, training: training) }
    }

    public func backward(_ dy: Tensor) -> Tensor {
        backward(dy, through: layers.count)
    }

    /// Back-propagates through the first `count` layers (the ones the matching forward ran).
    public func backward(_ dy: Tensor, through count: Int) -> Tensor {
        layers[0..<count].reversed().reduce(dy) { $1.backward($0) }
    }

    /// Back-propagates to the parameters only, for a network fed the data itself: layers before the
    /// first trainable one are skipped and that one computes no input gradient.
    public func backwardToParameters(_ dy: Tensor) {
        guard let first = layers.firstIndex(where: { !$0.parameters.isEmpty }) else { return }
        let d = layers[(first + 1)...].reversed().reduce(dy) { $1.backward($0) }
        layers[first].accumulateParameterGradients(d)
    }

    /// The number of layers before a final Sigmoid, when the block ends in one.
    public var countBeforeFinalSigmoid: Int? {
        layers.last is Sigmoid ? layers.count - 1 : nil
    }

    /// Every trainable parameter with its full dotted name.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { i, layer in layer.parameters.map { ("\(prefix).\(i).\($0.name)", $0) } }
    }

    public var namedBuffers: [(name: String, layer: Layer, local: String, value: Tensor)] {
        layers.enumerated().flatMap { i, layer in layer.buffers.map { ("\(prefix).\(i).\($0.name)", layer, $0.name, $0.value) } }
    }
}
