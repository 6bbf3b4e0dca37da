import Foundation
import LatentCore

/// Loss terms, each returning the per-sample value summed over the batch and the gradient.
public enum Losses {
    /// Binary cross-entropy of targets x ∈ [0, 1] against Bernoulli logits ℓ, summed over pixels:
    /// softplus(ℓ) − x·ℓ, computed stably. Gradient w.r.t. ℓ is σ(ℓ) − x. Fusing the decoder's final
    /// sigmoid into the loss avoids log(0) when the decoder saturates.
    /// Returns the total over all elements and dℓ scaled by `scale`.
    public static func bceWithLogits(_ logits: Tensor, _ targets: ArraySlice<Float>, scale: Float) -> (total: Double, grad: Tensor) {
        var grad = logits
        var total = 0.0
        logits.data.withUnsafeBufferPointer { l in
            grad.data.withUnsafeMutableBufferPointer { g in
                var t = targets.startIndex
                for i in 0..<l.count {
                    let li = l[i], xi = targets[t]
                    // One exponential serves both: softplus(l) = max(l, 0) + log1p(e), σ(l) from e = exp(−|l|).
                    let e = expf(-abs(li))
                    total += Double(max(li, 0) + log1pf(e) - xi * li)
                    let s = li >= 0 ? 1 / (1 + e) : e / (1 + e)
                    g[i] = (s - xi) * scale
                    t += 1
                }
            }
        }
        return (total, grad)
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
        var grad = y
        var total = 0.0
        let n = Float(y.count)
        var t = targets.startIndex
        for i in 0..<y.count {
            let d = y.data[i] - targets[t]
            total += Double(d * d)
            grad.data[i] = 2 * d / n * scale
            t += 1
        }
        return (total / Double(y.count), grad)
    }
}
