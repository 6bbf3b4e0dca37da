import CKernels
import Foundation
import LatentCore

/// Adam (Kingma & Ba, 2015) with bias correction; AdamW's decoupled weight decay when `weightDecay` > 0
/// (Loshchilov & Hutter, 2019). Matches `torch.optim.Adam` / `AdamW` update for update.
public final class Adam {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    public private(set) var step = 0
    private let parameters: [Parameter]
    private var m: [[Float]]
    private var v: [[Float]]

    public init(_ parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8, weightDecay: Float = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        m = parameters.map { [Float](repeating: 0, count: $0.value.count) }
        v = m
    }

    /// One update from the accumulated gradients, which are then zeroed. Large parameters are split
    /// over `ComputeThreads.current` threads (element-wise, so the result is the same at any count).
    public func update() {
        step += 1
        let c1 = 1 - powf(beta1, Float(step)), c2 = 1 - powf(beta2, Float(step))
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = eps, decay = 1 - learningRate * weightDecay
        let threads = ComputeThreads.current
        for (pi, p) in parameters.enumerated() {
            p.value.data.withUnsafeMutableBufferPointer { w in
                p.grad.data.withUnsafeMutableBufferPointer { g in
                    m[pi].withUnsafeMutableBufferPointer { m in
                        v[pi].withUnsafeMutableBufferPointer { v in
                            guard w.count > 0 else { return }
                            let W = UncheckedPointer(w.baseAddress!), G = UncheckedPointer(g.baseAddress!)
                            let M = UncheckedPointer(m.baseAddress!), V = UncheckedPointer(v.baseAddress!)
                            parallelRanges(w.count, threads: w.count >= Self.splitSize ? threads : 1) { range in
                                let at = range.lowerBound
                                ck_adam(W.pointer + at, G.pointer + at, M.pointer + at, V.pointer + at, range.count,
                                        b1, b2, c1, c2, lr, eps, decay)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Parameters of at least this many elements are updated on several threads.
    static let splitSize = 1 << 15

    /// Forgets the moments of some rows of a parameter (used when dead codebook entries are restarted).
    public func resetMoments(of parameter: Parameter, rows: [Int], rowSize: Int) {
        guard let pi = parameters.firstIndex(where: { $0 === parameter }) else { return }
        for r in rows {
            for j in 0..<rowSize { m[pi][r * rowSize + j] = 0; v[pi][r * rowSize + j] = 0 }
        }
    }
}
