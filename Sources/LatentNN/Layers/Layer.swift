import LatentCore

/// A trainable tensor and its gradient. Gradients accumulate with `+=` during backward passes and are
/// zeroed explicitly by the optimiser step, as in PyTorch.
public final class Parameter {
    /// The local name (`weight`, `bias`; `block.1.weight` inside a residual block); a model prefixes it
    /// with the layer's dotted path.
    public internal(set) var name: String
    public var value: Tensor { didSet { version &+= 1 } }
    /// Bumped by every change of `value` (an optimiser step, a load): what a layer caching a function
    /// of its weights (Winograd's transform) compares against.
    public private(set) var version = 0
    public var grad: Tensor

    public init(_ name: String, _ value: Tensor) {
        self.name = name
        self.value = value
        self.grad = Tensor(zeros: value.shape)
    }

    public func zeroGrad() {
        grad.data.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

/// One step of a network: a forward/backward pair in PyTorch's layouts.
///
/// `forward` keeps what `backward` needs (the input or output; a layer may keep less after an inference
/// pass, `training` false, which no backward follows); `backward` takes dL/dy, adds the parameter gradients
/// into `Parameter.grad` and returns dL/dx. A layer is used by one thread at a time.
public protocol Layer: AnyObject {
    /// `training` switches BatchNorm between batch statistics and running statistics.
    func forward(_ x: Tensor, training: Bool) -> Tensor
    func backward(_ dy: Tensor) -> Tensor
    /// `backward` without dL/dx, for the first trainable layer of a network, whose input (the data)
    /// needs no gradient: as PyTorch's autograd, skip that product (for a 784→512 first layer, an
    /// eighth of an MLP VAE's training arithmetic).
    func accumulateParameterGradients(_ dy: Tensor)
    /// Trainable tensors, under their local names.
    var parameters: [Parameter] { get }
    /// Non-trainable state saved with the model (BatchNorm's running statistics), under local names.
    var buffers: [(name: String, value: Tensor)] { get }
    /// Restores a buffer read from a model file.
    func setBuffer(_ name: String, _ value: Tensor)
    /// The op as written in a model file's config.
    var spec: OpSpec { get }
}

extension Layer {
    public func accumulateParameterGradients(_ dy: Tensor) { _ = backward(dy) }
    public var parameters: [Parameter] { [] }
    public var buffers: [(name: String, value: Tensor)] { [] }
    public func setBuffer(_ name: String, _ value: Tensor) {}
}

/// Shape checks between layers are programming or model-file errors caught earlier by the config
/// validation; a mismatch here means a bug, so it stops with a message naming the layer.
@inline(__always)
func requireShape(_ ok: Bool, _ message: @autoclosure () -> String) {
    precondition(ok, message())
}
