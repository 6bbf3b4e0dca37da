import CKernels
import LatentCore

/// The normalisations' inference passes, shared by the native `BatchNorm` layer and imported graphs
/// (BatchNormalization, InstanceNormalization, GroupNormalization, LayerNormalization).
package enum Normalization {
    /// y = a[c]·x + b[c] per channel (axis 1): BatchNorm with its running statistics folded into a and b.
    package static func channelAffine(_ x: Tensor, scale a: [Float], shift b: [Float]) -> Tensor {
        var y = x
        let c = a.count, plane = x.rank > 2 ? x.shape[2...].reduce(1, *) : 1
        let n = x.count / Swift.max(c * plane, 1)
        y.data.withUnsafeMutableBufferPointer { p in
            for i in 0..<n {
                for ch in 0..<c {
                    let base = (i * c + ch) * plane, s = a[ch], t = b[ch]
                    for j in 0..<plane { p[base + j] = p[base + j] * s + t }
                }
            }
        }
        return y
    }

    /// The per-channel (a, b) of BatchNorm's inference pass: a = γ/√(var + ε), b = β − mean·a.
    package static func batchNormAffine(weight: [Float], bias: [Float], mean: [Float], variance: [Float], eps: Float)
        -> (scale: [Float], shift: [Float]) {
        let a = (0..<weight.count).map { weight[$0] / (variance[$0] + eps).squareRoot() }
        return (a, (0..<weight.count).map { bias[$0] - mean[$0] * a[$0] })
    }

    /// Normalises each (image, group of channels) to zero mean and unit variance (biased), then the
    /// per-channel scale and bias, then `activation` (GroupNorm + SiLU in one pass over the data):
    /// InstanceNormalization is groups = channels.
    package static func groups(_ x: Tensor, groups: Int, eps: Float, scale: [Float], bias: [Float],
                               activation: Activation? = nil) -> Tensor {
        let n = x.shape[0], c = x.shape[1], plane = x.shape[2...].reduce(1, *), per = c / groups
        var y = x
        y.data.withUnsafeMutableBufferPointer { buffer in
            let P = UncheckedPointer(buffer.baseAddress!)
            // Groups are independent: split them over the threads when there is enough work.
            parallelRanges(n * groups, threads: x.count >= 1 << 15 ? ComputeThreads.current : 1) { range in
                let p = P.pointer
                for unit in range {
                    let i = unit / groups, g = unit % groups
                    let base = (i * c + g * per) * plane, size = per * plane
                    let count = Float(Swift.max(size, 1))
                    let mean = ck_sum(p + base, size) / count
                    let inv = 1 / (ck_sum_squared_deviation(p + base, size, mean) / count + eps).squareRoot()
                    for ch in 0..<per {
                        let s = scale[g * per + ch] * inv
                        ck_scale_shift(p + base + ch * plane, plane, s, bias[g * per + ch] - mean * s)
                    }
                    activation?.applySerial(p + base, count: size)
                }
            }
        }
        return y
    }

    /// Normalises each row of `width` values (the trailing axes from the normalised axis on), then
    /// scale and bias, each indexed per position in the row.
    package static func layer(_ x: Tensor, rows: Int, width: Int, eps: Float, scale: [Float], scaleIndex: [Int],
                              bias: [Float]?, biasIndex: [Int]?) -> Tensor {
        var y = x
        y.data.withUnsafeMutableBufferPointer { p in
            for r in 0..<rows {
                let base = r * width
                var mean: Float = 0
                for j in 0..<width { mean += p[base + j] }
                mean /= Float(width)
                var v: Float = 0
                for j in 0..<width { let d = p[base + j] - mean; v += d * d }
                let inv = 1 / (v / Float(width) + eps).squareRoot()
                for j in 0..<width {
                    p[base + j] = (p[base + j] - mean) * inv * scale[scaleIndex[j]] + (bias.map { $0[biasIndex![j]] } ?? 0)
                }
            }
        }
        return y
    }
}
