import CKernels
import Foundation
import LatentCore

/// The element-wise activations, applied in place over a buffer: what a native layer's forward pass,
/// an imported graph's node and a convolution's fused epilogue all run. Large buffers are split over the
/// compute threads (element-wise, so the bits do not depend on the split).
package enum Activation: Sendable, Equatable {
    case relu
    case leakyRelu(slope: Float)
    case sigmoid
    case tanh
    /// x · sigmoid(x) (SiLU, "swish"): diffusers' decoders end every norm with it.
    case silu
    case elu(alpha: Float)
    case selu(alpha: Float, gamma: Float)
    case gelu
    /// GELU's tanh approximation.
    case geluTanh
    case softplus
    case hardSigmoid(alpha: Float, beta: Float)
    case hardSwish
    case mish
    case softsign
    case clip(low: Float, high: Float)

    /// Applies the activation to `count` floats at `p`.
    package func apply(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let P = UncheckedPointer(p)
        elementwiseRanges(count) { r in self.applySerial(P.pointer + r.lowerBound, count: r.count) }
    }

    /// The activation of `x` in a fresh tensor (`x` is left as it is: a layer before may still hold it).
    package func forward(_ x: Tensor) -> Tensor {
        guard x.count > 0 else { return x }
        var y = Tensor.uninitialized(shape: x.shape)
        y.data.withUnsafeMutableBufferPointer { out in
            x.data.withUnsafeBufferPointer { inp in
                let X = UncheckedConst(inp.baseAddress!), Y = UncheckedPointer(out.baseAddress!)
                elementwiseRanges(inp.count) { r in
                    if self == .relu {  // one pass: read x, write y
                        ck_relu(X.pointer + r.lowerBound, Y.pointer + r.lowerBound, r.count)
                    } else {
                        (Y.pointer + r.lowerBound).update(from: X.pointer + r.lowerBound, count: r.count)
                        self.applySerial(Y.pointer + r.lowerBound, count: r.count)
                    }
                }
            }
        }
        return y
    }

    /// `apply` on the calling thread (a convolution's chunk worker).
    package func applySerial(_ p: UnsafeMutablePointer<Float>, count n: Int) {
        switch self {
        case .relu: ck_relu(p, p, n)
        case .sigmoid: ck_sigmoid(p, n)
        case .tanh: ck_tanh(p, n)
        case .silu: ck_silu(p, n)
        case .leakyRelu(let s): for i in 0..<n where p[i] < 0 { p[i] *= s }
        case .elu(let a): for i in 0..<n where p[i] < 0 { p[i] = a * (expf(p[i]) - 1) }
        case .selu(let a, let g): for i in 0..<n { p[i] = g * (p[i] > 0 ? p[i] : a * (expf(p[i]) - 1)) }
        case .gelu: for i in 0..<n { p[i] = 0.5 * p[i] * (1 + erff(p[i] * 0.70710678118654752)) }
        case .geluTanh:
            for i in 0..<n { let x = p[i]; p[i] = 0.5 * x * (1 + tanhf(0.7978845608 * (x + 0.044715 * x * x * x))) }
        case .softplus: for i in 0..<n where p[i] <= 20 { p[i] = log1pf(expf(p[i])) }
        case .hardSigmoid(let a, let b): for i in 0..<n { p[i] = Swift.min(1, Swift.max(0, a * p[i] + b)) }
        case .hardSwish: for i in 0..<n { p[i] *= Swift.min(1, Swift.max(0, p[i] / 6 + 0.5)) }
        case .mish: for i in 0..<n { p[i] *= tanhf(p[i] > 20 ? p[i] : log1pf(expf(p[i]))) }
        case .softsign: for i in 0..<n { p[i] /= 1 + abs(p[i]) }
        case .clip(let lo, let hi): for i in 0..<n { p[i] = Swift.min(Swift.max(p[i], lo), hi) }
        }
    }
}

/// Splits an element-wise pass over `count` elements between the compute threads when it is large
/// enough to pay for the hand-over (a training batch's activations), else runs it inline.
package func elementwiseRanges(_ count: Int, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    parallelRanges(count, threads: count >= 1 << 16 ? ComputeThreads.current : 1, body)
}
