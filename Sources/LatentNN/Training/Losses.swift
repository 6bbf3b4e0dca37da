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
        var grad = Tensor.uninitialized(shape: logits.shape)
        let n = logits.count
        guard n > 0 else { return (0, grad) }
        // Fixed blocks, each block's total added in order: the same total at any thread count.
        let block = 1 << 14, blocks = (n + block - 1) / block
        var partial = [Double](repeating: 0, count: blocks)
        logits.data.withUnsafeBufferPointer { l in
            targets.withUnsafeBufferPointer { t in
                grad.data.withUnsafeMutableBufferPointer { g in
                    partial.withUnsafeMutableBufferPointer { s in
                        let L = UncheckedConst(l.baseAddress!), T = UncheckedConst(t.baseAddress!)
                        let G = UncheckedPointer(g.baseAddress!), S = UncheckedPointer(s.baseAddress!)
                        parallelFor(blocks, threads: n >= 1 << 16 ? ComputeThreads.current : 1) { b in
                            let at = b * block, count = min(block, n - at)
                            S.pointer[b] = ck_bce_with_logits(L.pointer + at, T.pointer + at, G.pointer + at, count, scale)
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
        var grad = Tensor.uninitialized(shape: y.shape)
        let n = y.count
        guard n > 0 else { return (.nan, grad) }
        // As the cross-entropy: fixed blocks, their totals added in order, the same at any thread count.
        let block = 1 << 14, blocks = (n + block - 1) / block, count = Float(n)
        var partial = [Double](repeating: 0, count: blocks)
        y.data.withUnsafeBufferPointer { yb in
            targets.withUnsafeBufferPointer { t in
                grad.data.withUnsafeMutableBufferPointer { g in
                    partial.withUnsafeMutableBufferPointer { s in
                        let Y = UncheckedConst(yb.baseAddress!), T = UncheckedConst(t.baseAddress!)
                        let G = UncheckedPointer(g.baseAddress!), S = UncheckedPointer(s.baseAddress!)
                        parallelFor(blocks, threads: n >= 1 << 16 ? ComputeThreads.current : 1) { b in
                            let at = b * block
                            S.pointer[b] = ck_squared_error(Y.pointer + at, T.pointer + at, G.pointer + at, min(block, n - at),
                                                            count, scale)
                        }
                    }
                }
            }
        }
        return (partial.reduce(0, +) / Double(n), grad)
    }
}
