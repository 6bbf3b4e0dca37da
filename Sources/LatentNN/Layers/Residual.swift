import LatentCore

/// y = x + block(x) (He et al., 2016), as VQ-VAE encoders and decoders stack them (van den Oord et al.,
/// 2017: ReLU – 3×3 conv – ReLU – 1×1 conv). Parameters are named as those of a PyTorch module holding
/// `self.block = nn.Sequential(…)`: `encoder.3.block.1.weight`.
public final class Residual: Layer {
    let block: Sequential

    public init(_ specs: [OpSpec], rng: inout SeededRNG) {
        block = Sequential(prefix: "block", specs: specs, rng: &rng)
        for (name, p) in block.namedParameters { p.name = name }
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var y = block.forward(x, training: training)
        requireShape(y.shape == x.shape, "residual block changes the shape \(x.shape) to \(y.shape)")
        y.add(x)
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        var dx = block.backward(dy)
        dx.add(dy)
        return dx
    }

    public var parameters: [Parameter] { block.namedParameters.map(\.parameter) }
    public var buffers: [(name: String, value: Tensor)] { block.namedBuffers.map { ($0.name, $0.value) } }
    public func setBuffer(_ name: String, _ value: Tensor) {
        for b in block.namedBuffers where b.name == name { b.layer.setBuffer(b.local, value) }
    }
    public var spec: OpSpec { .residual(block.specs) }
}
