import Foundation
import LatentCore

/// The layout's stochastic gradient descent, in batch form: every epoch each point's gradient is
/// computed from the embedding as it stood at the start of the epoch, with its random numbers from a
/// stream keyed by (seed, epoch, point). Points are then independent, any thread may take any of them,
/// and the same seed gives the same coordinates at any thread count.
extension UMAP {
    static func optimize(_ y: inout [Float], graph g: Graph, n: Int, a: Float, b: Float, epochs: Int,
                         options: UMAPOptions, progress: (Double) -> Void) {
        // Edges below max/epochs would never be sampled: drop them (umap-learn does the same).
        let maxW = g.weights.max() ?? 1
        let threshold = maxW / Float(epochs)
        let epochsPerSample = Buffer<Float>(g.weights.map { $0 >= threshold ? maxW / $0 : -1 })
        // Dropped edges are never due: their next epoch is +∞.
        let nextSample = Buffer<Float>(epochsPerSample.values.map { $0 > 0 ? $0 : .infinity })
        let negRate = Float(options.negativeSampleRate)
        let nextNegative = Buffer<Float>(epochsPerSample.values.map { $0 / negRate })
        let columns = Buffer<Int32>(g.columns), offsets = Buffer<Int>(g.offsets)
        let position = Buffer<Float>(y), step = Buffer<Float>([Float](repeating: 0, count: 2 * n))
        let table = PowTable(b), exponents = Buffer<Float>(table.exponent), mantissas = Buffer<Float>(table.mantissa)
        let seed = options.seed, twoB = 2 * b
        for epoch in 0..<epochs {
            let alpha = options.learningRate * (1 - Float(epoch) / Float(epochs))
            let e = Float(epoch)
            parallelRanges(n, threads: options.threads) { range in
                let Y = position.pointer, EPS = epochsPerSample.pointer, NS = nextSample.pointer, NN = nextNegative.pointer
                let PE = exponents.pointer, PM = mantissas.pointer
                for i in range {
                    let yi0 = Y[2 * i], yi1 = Y[2 * i + 1]
                    var g0: Float = 0, g1: Float = 0
                    // Attraction along the edges due this epoch; each also owes its share of negative samples.
                    var negatives = 0
                    for edge in offsets.pointer[i]..<offsets.pointer[i + 1] where NS[edge] <= e {
                        let eps = EPS[edge]
                        let j = Int(columns.pointer[edge])
                        let d0 = yi0 - Y[2 * j], d1 = yi1 - Y[2 * j + 1]
                        let dsq = d0 * d0 + d1 * d1
                        if dsq > 0 {
                            let pw = table.pow(dsq, PE, PM)
                            let coeff = (-2 * a * b) * pw / (dsq * (a * pw + 1))
                            g0 += clip(coeff * d0); g1 += clip(coeff * d1)
                        }
                        NS[edge] += eps
                        let negEps = eps / negRate
                        let samples = max(0, Int((e - NN[edge]) / negEps))
                        NN[edge] += Float(samples) * negEps
                        negatives += samples
                    }
                    // Repulsion from random points: one loop of known length for all of them (which edge
                    // owed a sample does not change what it is).
                    var rng = LayoutRandom(seed: seed, epoch: epoch, point: i)
                    for _ in 0..<negatives {
                        let k = rng.next(below: n)
                        guard k != i else { continue }
                        let q0 = yi0 - Y[2 * k], q1 = yi1 - Y[2 * k + 1]
                        let qsq = q0 * q0 + q1 * q1
                        if qsq > 0 {
                            let coeff = twoB / ((0.001 + qsq) * (a * table.pow(qsq, PE, PM) + 1))
                            g0 += clip(coeff * q0); g1 += clip(coeff * q1)
                        } else {  // coincident points push apart by the clip limit, as in umap-learn
                            g0 += 4; g1 += 4
                        }
                    }
                    step.pointer[2 * i] = g0 * alpha
                    step.pointer[2 * i + 1] = g1 * alpha
                }
            }
            for t in 0..<(2 * n) { position.pointer[t] += step.pointer[t] }
            if epoch % 50 == 0 { progress(Double(epoch) / Double(epochs)) }
        }
        y = position.values
        progress(1)
    }

    @inline(__always) static func clip(_ v: Float) -> Float { min(4, max(-4, v)) }

    /// x^b for a fixed b from two small tables: 2^(e·b) per binary exponent e, and (1 + m)^b for the top
    /// 8 bits of the mantissa with linear interpolation (relative error < 2e-5). libm's powf would be
    /// most of the SGD's time; polynomial approximations of log2 and exp2 took three times this.
    struct PowTable {
        let exponent: [Float]   // 256 entries: 2^((e − 127)·b)
        let mantissa: [Float]   // 257 entries: (1 + i/256)^b

        init(_ b: Float) {
            exponent = (0..<256).map { powf(2, Float($0 - 127) * b) }
            mantissa = (0...256).map { powf(1 + Float($0) / 256, b) }
        }

        @inline(__always) func pow(_ x: Float, _ e: UnsafePointer<Float>, _ m: UnsafePointer<Float>) -> Float {
            let bits = x.bitPattern
            let ei = Int((bits >> 23) & 0xFF)
            let top = Int((bits >> 15) & 0xFF)
            let frac = Float(bits & 0x7FFF) * (1 / 32768)
            let lo = m[top], hi = m[top + 1]
            return e[ei] * (lo + (hi - lo) * frac)
        }

        /// The same from the tables as arrays (for code outside the hot loop).
        func pow(_ x: Float) -> Float {
            exponent.withUnsafeBufferPointer { e in mantissa.withUnsafeBufferPointer { m in pow(x, e.baseAddress!, m.baseAddress!) } }
        }
    }
}

/// The layout's per-(epoch, point) random stream: one SplitMix64 step of the key seeds a 64-bit LCG
/// (Knuth's MMIX constants) whose high bits pick sample indices. Negative sampling needs only roughly
/// uniform indices, and this costs a multiply per draw instead of xoshiro's dozen operations.
struct LayoutRandom {
    var state: UInt64

    @inline(__always) init(seed: UInt64, epoch: Int, point: Int) {
        var z = seed &+ (UInt64(epoch) << 32 | UInt64(point)) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        state = z ^ (z >> 31)
    }

    /// Uniform in 0..<bound (bound < 2^32), by the high 32 bits times the bound (Lemire's reduction).
    @inline(__always) mutating func next(below bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(((state >> 32) &* UInt64(bound)) >> 32)
    }
}

/// A heap copy of an array whose elements parallel workers read, or write at disjoint places.
final class Buffer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    let count: Int
    init(_ values: [T]) {
        count = values.count
        pointer = .allocate(capacity: max(1, count))
        values.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: count) }
    }
    var values: [T] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    deinit { pointer.deinitialize(count: count); pointer.deallocate() }
}
