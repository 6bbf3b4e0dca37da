import Foundation
import CKernels
import LatentCore

/// The layout's stochastic gradient descent, in batch form: every epoch each point's gradient is
/// computed from the embedding as it stood at the start of the epoch, with its negative samples from a
/// stream keyed by (seed, epoch, its group of 32 points). Points are then independent, any thread may
/// take any of them, and the same seed gives the same coordinates at any thread count.
extension UMAP {
    /// Runs the epoch schedule (or until the layout has converged, see `UMAPOptions.convergence`) and
    /// returns how many epochs ran.
    /// The graph's columns and weights are emptied once copied into the layout's own arrays: at a million
    /// points each is ~100 MB, held for nothing through the epochs.
    static func optimize(_ y: inout [Float], graph g: inout Graph, n: Int, a: Float, b: Float, epochs: Int, rateFall: Float,
                         options: UMAPOptions, progress: (Double) -> Void) -> Int {
        // Edges below max/epochs would never be sampled: drop them (umap-learn does the same).
        let maxW = g.weights.max() ?? 1
        let threshold = maxW / Float(epochs)
        // The C kernel reads edge arrays a vector step past the last edge: padded with edges never due.
        let pad = Int(CK_UMAP_LAYOUT_PAD)
        // Filled in place: at a million points each edge array is ~90 MB, and mapped copies of them
        // (and of the graph's columns) were a third of the peak memory.
        let edges = g.weights.count, negRate = Float(options.negativeSampleRate)
        let epochsPerSample = Buffer<Float>(count: edges + pad, repeating: -1)
        let nextSample = Buffer<Float>(count: edges + pad, repeating: .infinity)
        let nextNegative = Buffer<Float>(count: edges + pad, repeating: -1 / negRate)
        for e in 0..<edges where g.weights[e] >= threshold {
            let eps = maxW / g.weights[e]
            epochsPerSample.pointer[e] = eps; nextSample.pointer[e] = eps; nextNegative.pointer[e] = eps / negRate
        }
        g.weights = []
        let columns = Buffer<Int32>(count: edges + pad, repeating: 0)
        g.columns.withUnsafeBufferPointer { columns.pointer.update(from: $0.baseAddress!, count: edges) }
        g.columns = []
        let offsets = Buffer<Int>(g.offsets)
        let position = Buffer<Float>(y), step = Buffer<Float>([Float](repeating: 0, count: 2 * n))
        let layout = ck_umap_layout(
            position: position.pointer, step: step.pointer, offsets: offsets.pointer, columns: columns.pointer,
            epochs_per_sample: epochsPerSample.pointer, next_sample: nextSample.pointer,
            next_negative: nextNegative.pointer, n: n, a: a, b: b, negative_rate: negRate, seed: options.seed)
        // The learning rate falls as (1 − epoch/epochs)^rateFall (1.5 or 2, see `UMAPOptions.epochs`):
        // at the same number of epochs the layout ends with less of the batch updates' jitter than under
        // umap-learn's linear fall (Fashion-MNIST, 5,000 points, 150 epochs: 0.9922 against 0.9909).
        let moved = Buffer(y)  // where the points were at the last look
        var run = epochs
        for epoch in 0..<epochs {
            let rest = 1 - Float(epoch) / Float(epochs)
            // rest · rest for the square: the same bits as before the power became a parameter, so
            // layouts above 25,000 points did not move.
            let alpha = options.learningRate * (rateFall == 2 ? rest * rest : powf(rest, rateFall))
            parallelRanges(n, threads: options.threads) { range in
                let ok = withUnsafePointer(to: layout) { ck_umap_layout_epoch($0, epoch, alpha, range.lowerBound, range.upperBound) }
                precondition(ok != 0, "out of memory in the UMAP layout")
            }
            for t in 0..<(2 * n) { position.pointer[t] += step.pointer[t] }
            if epoch % 50 == 0 { progress(Double(epoch) / Double(epochs)) }
            if let tolerance = options.convergence, (epoch + 1) % convergenceWindow == 0, epoch + 1 < epochs {
                if movement(position.pointer, since: moved, offsets: offsets, columns: columns, n: n, threads: options.threads) < tolerance {
                    run = epoch + 1; break
                }
            }
        }
        y = position.values
        progress(1)
        return run
    }

    /// Epochs between two looks at the layout's movement.
    static let convergenceWindow = 5

    /// How far points moved since the last look (`last`, replaced by the current positions), as a
    /// fraction of how far apart neighbours are: the mean distance moved over the mean length of the
    /// graph's edges, both over every eighth point (a look at all of them cost a twentieth of the epochs'
    /// time at a million points). Summed in fixed chunks of points, the chunks' sums added in chunk
    /// order, so that the stop does not depend on the thread count; the chunks run on threads (at a
    /// million points one serial look cost about a tenth of an epoch).
    static func movement(_ p: UnsafeMutablePointer<Float>, since last: Buffer<Float>, offsets: Buffer<Int>,
                         columns: Buffer<Int32>, n: Int, threads: Int) -> Float {
        let chunk = 8192, chunks = (n + chunk - 1) / chunk
        let sums = Buffer<Double>(count: 3 * chunks, repeating: 0)  // per chunk: moved, edge length, edges
        let P = UncheckedPointer(p)
        parallelFor(chunks, threads: threads) { c in
            let p = P.pointer, q = last.pointer
            var move = 0.0, edge = 0.0, edges = 0
            for i in stride(from: c * chunk, to: min(n, (c + 1) * chunk), by: 8) {
                let dx = p[2 * i] - q[2 * i], dy = p[2 * i + 1] - q[2 * i + 1]
                move += Double((dx * dx + dy * dy).squareRoot())
                q[2 * i] = p[2 * i]; q[2 * i + 1] = p[2 * i + 1]
                for e in offsets.pointer[i]..<offsets.pointer[i + 1] {
                    let j = Int(columns.pointer[e])
                    let ex = p[2 * i] - p[2 * j], ey = p[2 * i + 1] - p[2 * j + 1]
                    edge += Double((ex * ex + ey * ey).squareRoot()); edges += 1
                }
            }
            sums.pointer[3 * c] = move; sums.pointer[3 * c + 1] = edge; sums.pointer[3 * c + 2] = Double(edges)
        }
        var move = 0.0, edge = 0.0, edges = 0.0
        for c in 0..<chunks { move += sums.pointer[3 * c]; edge += sums.pointer[3 * c + 1]; edges += sums.pointer[3 * c + 2] }
        guard edges > 0, edge > 0 else { return .infinity }
        return Float((move / Double((n + 7) / 8)) / (edge / edges))
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
    init(count: Int, repeating value: T) {
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: value, count: count)
    }
    var values: [T] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    deinit { pointer.deinitialize(count: count); pointer.deallocate() }
}
