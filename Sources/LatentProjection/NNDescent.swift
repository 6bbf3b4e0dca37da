import LatentCore

/// Approximate k-nearest neighbours by NN-descent (Dong, Moses & Li, 2011), as pynndescent does for
/// umap-learn on large inputs: start from random neighbours and repeatedly compare each point's
/// neighbours with each other ("a neighbour of a neighbour is likely a neighbour") until few lists change.
/// Single-threaded and seeded, so the result repeats exactly.
extension NeighborGraph {
    public static func nnDescent(_ x: Tensor, k: Int, seed: UInt64 = 42, maxIterations: Int = 12, delta: Float = 0.001) -> NeighborGraph {
        let n = x.shape[0], d = x.shape[1]
        precondition(k >= 1 && k < n, "k = \(k) needs at least \(k + 1) points, have \(n)")
        var rng = SeededRNG(seed: seed, stream: 3)
        // Per point: a max-heap of (squared distance, index, is-new) of size k.
        var dist = [Float](repeating: .infinity, count: n * k)
        var index = [Int32](repeating: -1, count: n * k)
        var fresh = [Bool](repeating: true, count: n * k)

        let data = UnsafeMutableBufferPointer<Float>.allocate(capacity: n * d)
        _ = data.initialize(from: x.data)
        defer { data.deallocate() }
        @inline(__always) func sqdist(_ a: Int, _ b: Int) -> Float {
            let pa = data.baseAddress! + a * d, pb = data.baseAddress! + b * d
            var s: Float = 0
            for t in 0..<d { let v = pa[t] - pb[t]; s += v * v }
            return s
        }

        /// Inserts j into i's heap if closer than its farthest and not already there; true when it changed.
        @discardableResult
        func push(_ i: Int, _ j: Int, _ dij: Float) -> Bool {
            let base = i * k
            guard dij < dist[base] else { return false }
            for r in 0..<k where index[base + r] == Int32(j) { return false }
            // Replace the root (the farthest), then sift down.
            var pos = 0
            while true {
                let l = 2 * pos + 1, r = l + 1
                var largest = pos
                var largestD = dij
                if l < k && dist[base + l] > largestD { largest = l; largestD = dist[base + l] }
                if r < k && dist[base + r] > largestD { largest = r }
                if largest == pos { break }
                dist[base + pos] = dist[base + largest]; index[base + pos] = index[base + largest]; fresh[base + pos] = fresh[base + largest]
                pos = largest
            }
            dist[base + pos] = dij; index[base + pos] = Int32(j); fresh[base + pos] = true
            return true
        }

        for i in 0..<n {
            var added = 0
            while added < k {
                let j = rng.nextInt(below: n)
                if j != i && push(i, j, sqdist(i, j)) { added += 1 }
            }
        }
        let sample = k
        for _ in 0..<maxIterations {
            // Candidate lists: new and old neighbours, both directions, capped at `sample` per point.
            var newCand = [[Int32]](repeating: [], count: n), oldCand = [[Int32]](repeating: [], count: n)
            for i in 0..<n {
                for r in 0..<k {
                    let j = Int(index[i * k + r])
                    guard j >= 0 else { continue }
                    if fresh[i * k + r] {
                        if newCand[i].count < sample { newCand[i].append(Int32(j)); fresh[i * k + r] = false }
                        if newCand[j].count < sample { newCand[j].append(Int32(i)) }
                    } else {
                        if oldCand[i].count < sample { oldCand[i].append(Int32(j)) }
                        if oldCand[j].count < sample { oldCand[j].append(Int32(i)) }
                    }
                }
            }
            var updates = 0
            for i in 0..<n {
                let news = newCand[i], olds = oldCand[i]
                for (a, p) in news.enumerated() {
                    for q in news[(a + 1)...] where p != q {
                        let dpq = sqdist(Int(p), Int(q))
                        if push(Int(p), Int(q), dpq) { updates += 1 }
                        if push(Int(q), Int(p), dpq) { updates += 1 }
                    }
                    for q in olds where p != q {
                        let dpq = sqdist(Int(p), Int(q))
                        if push(Int(p), Int(q), dpq) { updates += 1 }
                        if push(Int(q), Int(p), dpq) { updates += 1 }
                    }
                }
            }
            if Float(updates) < delta * Float(n * k) { break }
        }
        // Sort each heap into nearest-first order with Euclidean distances.
        var outIndex = [Int32](repeating: 0, count: n * k), outDist = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            let order = (0..<k).sorted { dist[i * k + $0] < dist[i * k + $1] || (dist[i * k + $0] == dist[i * k + $1] && index[i * k + $0] < index[i * k + $1]) }
            for (r, s) in order.enumerated() {
                outIndex[i * k + r] = index[i * k + s]
                outDist[i * k + r] = dist[i * k + s].squareRoot()
            }
        }
        return NeighborGraph(indices: outIndex, distances: outDist, k: k)
    }
}
