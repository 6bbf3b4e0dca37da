import LatentCore

/// (N, …) → (N, ∏…): PyTorch's `nn.Flatten()`.
public final class Flatten: Layer {
    private var inputShape: [Int] = []
    public init() {}
    public var spec: OpSpec { .flatten }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        inputShape = x.shape
        return x.reshaped([x.shape[0], -1])
    }

    public func backward(_ dy: Tensor) -> Tensor { dy.reshaped(inputShape) }
}

/// (N, ∏shape) → (N, shape…): PyTorch's `nn.Unflatten(1, shape)`.
public final class Unflatten: Layer {
    public let shape: [Int]
    public init(_ shape: [Int]) { self.shape = shape }
    public var spec: OpSpec { .unflatten(shape) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        requireShape(x.rank == 2 && x.shape[1] == shape.reduce(1, *), "Unflatten(\(shape)) got input \(x.shape)")
        return x.reshaped([x.shape[0]] + shape)
    }

    public func backward(_ dy: Tensor) -> Tensor { dy.reshaped([dy.shape[0], -1]) }
}
