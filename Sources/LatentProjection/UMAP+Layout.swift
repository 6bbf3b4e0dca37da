import Foundation
import CKernels
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
        // The C kernel reads edge arrays a vector step past the last edge: padded with edges never due.
        let pad = Int(CK_UMAP_LAYOUT_PAD)
        let epochsPerSample = Buffer<Float>(g.weights.map { $0 >= threshold ? maxW / $0 : -1 } + [Float](repeating: -1, count: pad))
        // Dropped edges are never due: their next epoch is +∞.
        let nextSample = Buffer<Float>(epochsPerSample.values.map { $0 > 0 ? $0 : .infinity })
        let negRate = Float(options.negativeSampleRate)
        let nextNegative = Buffer<Float>(epochsPerSample.values.map { $0 / negRate })
        let columns = Buffer<Int32>(g.columns + [Int32](repeating: 0, count: pad)), offsets = Buffer<Int>(g.offsets)
        let position = Buffer<Float>(y), step = Buffer<Float>([Float](repeating: 0, count: 2 * n))
        let layout = ck_umap_layout(
            position: position.pointer, step: step.pointer, offsets: offsets.pointer, columns: columns.pointer,
            epochs_per_sample: epochsPerSample.pointer, next_sample: nextSample.pointer,
            next_negative: nextNegative.pointer, n: n, a: a, b: b, negative_rate: negRate, seed: options.seed)
        for epoch in 0..<epochs {
            let alpha = options.learningRate * (1 - Float(epoch) / Float(epochs))
            parallelRanges(n, threads: options.threads) { range in
                let ok = withUnsafePointer(to: layout) { ck_umap_layout_epoch($0, epoch, alpha, range.lowerBound, range.upperBound) }
                precondition(ok != 0, "out of memory in the UMAP layout")
            }
            for t in 0..<(2 * n) { position.pointer[t] += step.pointer[t] }
            if epoch % 50 == 0 { progress(Double(epoch) / Double(epochs)) }
        }
        y = position.values
        progress(1)
    }

    /// Which build of the layout kernel this CPU runs: "AVX2" or "baseline" (the same coordinates either way).
    public static var layoutKernel: String {
        ck_umap_layout_uses_avx512() != 0 ? "AVX-512" : ck_umap_layout_uses_avx2() != 0 ? "AVX2" : "baseline"
    }

    @inline(__always) static func clip(_ v: Float) -> Float { min(4, max(-4, v)) }
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
