import CKernels
import Foundation
import LatentCore

/// Loss terms, each returning the per-sample value summed over the batch and the gradient.
public enum Losses {
    /// Binary cross-entropy of targets x ∈ [0, 1] against Bernoulli logits ℓ, summed over pixels:
    /// softplus(ℓ) − x·ℓ, computed stably. Gradient w.r.t. ℓ is σ(ℓ) − x. Fusing the decoder's final
    /// sigmoid into the loss avoids log(0) when the decoder saturates.
    /// Returns the total over all elements and dℓ scaled by `scale`.
    public static func bceWithLogits(_ logits: Tensor, _ targets: ArraySlice<Float>, scale: Float) -> (total: Double, grad: Tensor) {
        precondition(targets.count == logits.count, "\(targets.count) targets for \(logits.count) logits")
        return blockwise(logits, targets) { l, t, g, count in ck_bce_with_logits(l, t, g, count, scale) }
    }

    /// A loss over every element whose C kernel writes the gradient and returns its block's total, run in
    /// fixed blocks of 16K elements whose totals are added in order: the same total at any thread count.
    static func blockwise(_ y: Tensor, _ targets: ArraySlice<Float>,
                          _ kernel: @Sendable (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Double)
        -> (total: Double, grad: Tensor) {
        var grad = Tensor.uninitialized(shape: y.shape)
        let n = y.count
        guard n > 0 else { return (0, grad) }
        let block = 1 << 14, blocks = (n + block - 1) / block
        var partial = [Double](repeating: 0, count: blocks)
        y.data.withUnsafeBufferPointer { yb in
            targets.withUnsafeBufferPointer { t in
                grad.data.withUnsafeMutableBufferPointer { g in
                    partial.withUnsafeMutableBufferPointer { s in
                        let Y = UncheckedConst(yb.baseAddress!), T = UncheckedConst(t.baseAddress!)
                        let G = UncheckedPointer(g.baseAddress!), S = UncheckedPointer(s.baseAddress!)
                        parallelFor(blocks, threads: n >= 1 << 16 ? ComputeThreads.current : 1) { b in
                            let at = b * block
                            S.pointer[b] = kernel(Y.pointer + at, T.pointer + at, G.pointer + at, min(block, n - at))
                        }
                    }
                }
            }
        }
        return (partial.reduce(0, +), grad)
    }

    /// KL(N(μ, σ²) ‖ N(0, 1)) summed over dimensions and samples: −½ Σ (1 + log σ² − μ² − σ²).
    /// Returns the total and the gradients w.r.t. μ and log σ², scaled by `scale`.
    public static func gaussianKL(mu: Tensor, logvar: Tensor, scale: Float) -> (total: Double, dMu: Tensor, dLogvar: Tensor) {
        var total = 0.0
        var dMu = mu, dLogvar = logvar
        for i in 0..<mu.count {
            let m = mu.data[i], lv = logvar.data[i], e = expf(lv)
            total += Double(-0.5 * (1 + lv - m * m - e))
            dMu.data[i] = m * scale
            dLogvar.data[i] = 0.5 * (e - 1) * scale
        }
        return (total, dMu, dLogvar)
    }

    /// Mean squared error over all elements and its gradient (2(y − t)/n) scaled by `scale`.
    public static func mse(_ y: Tensor, _ targets: ArraySlice<Float>, scale: Float = 1) -> (mean: Double, grad: Tensor) {
        precondition(targets.count == y.count, "\(targets.count) targets for \(y.count) values")
        guard y.count > 0 else { return (.nan, Tensor.uninitialized(shape: y.shape)) }
        let count = Float(y.count)
        let (total, grad) = blockwise(y, targets) { y, t, g, n in ck_squared_error(y, t, g, n, count, scale) }
        return (total / Double(y.count), grad)
    }
}
