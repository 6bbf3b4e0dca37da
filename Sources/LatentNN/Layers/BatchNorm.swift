import LatentCore
import LatentOps

/// Batch normalisation over the channel axis: PyTorch's `nn.BatchNorm1d` for x (N, C) and
/// `nn.BatchNorm2d` for x (N, C, H, W). weight γ (C), bias β (C); buffers running_mean, running_var (C)
/// and num_batches_tracked (scalar, stored as I64). Training uses the batch's biased variance to
/// normalise and updates the running variance with the unbiased one, as PyTorch does.
public final class BatchNorm: Layer {
    public let features: Int
    public let spatial: Bool  // 2d (N, C, H, W) or 1d (N, C)
    public let eps: Float, momentum: Float
    public let weight: Parameter, bias: Parameter
    public private(set) var runningMean: Tensor
    public private(set) var runningVar: Tensor
    public private(set) var batchesTracked = 0
    // Saved for backward.
    private var normalized = Tensor(zeros: [0])
    private var inverseStd: [Float] = []
    private var usedBatchStatistics = false
    /// The input of an inference pass (backward recomputes x̂ from it, which training never needs).
    private var inferenceInput: Tensor?

    public init(features: Int, spatial: Bool, eps: Float = 1e-5, momentum: Float = 0.1) {
        self.features = features
        self.spatial = spatial
        self.eps = eps
        self.momentum = momentum
        weight = Parameter("weight", Tensor(shape: [features], repeating: 1))
        bias = Parameter("bias", Tensor(zeros: [features]))
        runningMean = Tensor(zeros: [features])
        runningVar = Tensor(shape: [features], repeating: 1)
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [(name: String, value: Tensor)] {
        [("running_mean", runningMean), ("running_var", runningVar),
         ("num_batches_tracked", Tensor(shape: [], data: [Float(batchesTracked)]))]
    }

    public func setBuffer(_ name: String, _ value: Tensor) {
        switch name {
        case "running_mean": runningMean = value
        case "running_var": runningVar = value
        case "num_batches_tracked": batchesTracked = Int(value.data.first ?? 0)
        default: break
        }
    }

    public var spec: OpSpec { spatial ? .batchNorm2d(features: features, eps: eps, momentum: momentum)
                                      : .batchNorm1d(features: features, eps: eps, momentum: momentum) }

    /// (batch, plane) sizes: values of channel c sit at b·C·plane + c·plane + i.
    private func layout(_ x: Tensor) -> (n: Int, plane: Int) {
        requireShape(x.shape.count >= 2 && x.shape[1] == features, "BatchNorm(\(features)) got input \(x.shape)")
        return (x.shape[0], spatial ? x.shape[2...].reduce(1, *) : 1)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (n, plane) = layout(x)
        let count = n * plane
        usedBatchStatistics = training
        guard training else {
            // Running statistics: the op library's per-channel affine (what an imported graph runs).
            inferenceInput = x
            inverseStd = runningVar.data.map { 1 / ($0 + eps).squareRoot() }
            let (a, b) = Normalization.batchNormAffine(weight: weight.value.data, bias: bias.value.data, mean: runningMean.data,
                                                       variance: runningVar.data, eps: eps)
            return Normalization.channelAffine(x, scale: a, shift: b)
        }
        inferenceInput = nil
        var mean = runningMean.data, variance = runningVar.data
        for c in 0..<features {
            var s = 0.0, s2 = 0.0
            for b in 0..<n {
                let base = (b * features + c) * plane
                for i in 0..<plane { let v = Double(x.data[base + i]); s += v; s2 += v * v }
            }
            let m = s / Double(count)
            let v = max(0, s2 / Double(count) - m * m)
            mean[c] = Float(m)
            variance[c] = Float(v)
            let unbiased = count > 1 ? v * Double(count) / Double(count - 1) : v
            runningMean.data[c] = (1 - momentum) * runningMean.data[c] + momentum * Float(m)
            runningVar.data[c] = (1 - momentum) * runningVar.data[c] + momentum * Float(unbiased)
        }
        batchesTracked += 1
        inverseStd = variance.map { 1 / ($0 + eps).squareRoot() }
        var xhat = x
        var y = x
        for b in 0..<n {
            for c in 0..<features {
                let base = (b * features + c) * plane
                let m = mean[c], s = inverseStd[c], g = weight.value.data[c], beta = bias.value.data[c]
                for i in 0..<plane {
                    let h = (x.data[base + i] - m) * s
                    xhat.data[base + i] = h
                    y.data[base + i] = g * h + beta
                }
            }
        }
        normalized = xhat
        return y
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let (n, plane) = layout(dy)
        if let x = inferenceInput {
            normalized = x
            for b in 0..<n {
                for c in 0..<features {
                    let base = (b * features + c) * plane, m = runningMean.data[c], s = inverseStd[c]
                    for i in 0..<plane { normalized.data[base + i] = (x.data[base + i] - m) * s }
                }
            }
            inferenceInput = nil
        }
        let count = Float(n * plane)
        var dx = dy
        for c in 0..<features {
            var sumDy: Float = 0, sumDyXhat: Float = 0
            for b in 0..<n {
                let base = (b * features + c) * plane
                for i in 0..<plane { sumDy += dy.data[base + i]; sumDyXhat += dy.data[base + i] * normalized.data[base + i] }
            }
            weight.grad.data[c] += sumDyXhat
            bias.grad.data[c] += sumDy
            let g = weight.value.data[c], s = inverseStd[c]
            for b in 0..<n {
                let base = (b * features + c) * plane
                for i in 0..<plane {
                    if usedBatchStatistics {
                        // d/dx of γ·(x − μ_B)/σ_B + β with μ_B, σ_B depending on x.
                        dx.data[base + i] = g * s / count
                            * (count * dy.data[base + i] - sumDy - normalized.data[base + i] * sumDyXhat)
                    } else {
                        dx.data[base + i] = g * s * dy.data[base + i]
                    }
                }
            }
        }
        return dx
    }
}
