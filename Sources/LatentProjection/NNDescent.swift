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
        // Per point: a max-heap of (squared distance, index, is-new) of size k, in flat unchecked buffers.
        let dist = UnsafeMutablePointer<Float>.allocate(capacity: n * k)
        let index = UnsafeMutablePointer<Int32>.allocate(capacity: n * k)
        let fresh = UnsafeMutablePointer<Bool>.allocate(capacity: n * k)
        dist.initialize(repeating: .infinity, count: n * k)
        index.initialize(repeating: -1, count: n * k)
        fresh.initialize(repeating: true, count: n * k)
        let data = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
        data.initialize(from: x.data, count: n * d)
        // Candidate lists (new and old, both directions), at most `sample` per point.
        let sample = k
        let newCand = UnsafeMutablePointer<Int32>.allocate(capacity: n * sample)
        let oldCand = UnsafeMutablePointer<Int32>.allocate(capacity: n * sample)
        let newCount = UnsafeMutablePointer<Int>.allocate(capacity: n)
        let oldCount = UnsafeMutablePointer<Int>.allocate(capacity: n)
        defer {
            dist.deallocate(); index.deallocate(); fresh.deallocate(); data.deallocate()
            newCand.deallocate(); oldCand.deallocate(); newCount.deallocate(); oldCount.deallocate()
        }

        @inline(__always) func sqdist(_ a: Int, _ b: Int) -> Float {
            let pa = data + a * d, pb = data + b * d
            var s: Float = 0
            for t in 0..<d { let v = pa[t] - pb[t]; s += v * v }
            return s
        }

        /// Inserts j into i's heap if closer than its farthest and not already there; true when it changed.
        @inline(__always) @discardableResult
        func push(_ i: Int, _ j: Int32, _ dij: Float) -> Bool {
            let hd = dist + i * k, hi = index + i * k, hf = fresh + i * k
            guard dij < hd[0] else { return false }
            for r in 0..<k where hi[r] == j { return false }
            var pos = 0
            while true {
                let l = 2 * pos + 1, r = l + 1
                var largest = pos
                var largestD = dij
                if l < k && hd[l] > largestD { largest = l; largestD = hd[l] }
                if r < k && hd[r] > largestD { largest = r }
                if largest == pos { break }
                hd[pos] = hd[largest]; hi[pos] = hi[largest]; hf[pos] = hf[largest]
                pos = largest
            }
            hd[pos] = dij; hi[pos] = j; hf[pos] = true
            return true
        }

        for i in 0..<n {
            var added = 0
            while added < k {
                let j = rng.nextInt(below: n)
                if j != i && push(i, Int32(j), sqdist(i, j)) { added += 1 }
            }
        }
        for _ in 0..<maxIterations {
            newCount.initialize(repeating: 0, count: n)
            oldCount.initialize(repeating: 0, count: n)
            @inline(__always) func add(_ list: UnsafeMutablePointer<Int32>, _ counts: UnsafeMutablePointer<Int>, _ i: Int, _ j: Int32) {
                if counts[i] < sample { list[i * sample + counts[i]] = j; counts[i] += 1 }
            }
            for i in 0..<n {
                for r in 0..<k {
                    let j = index[i * k + r]
                    guard j >= 0 else { continue }
                    if fresh[i * k + r] {
                        if newCount[i] < sample { add(newCand, newCount, i, j); fresh[i * k + r] = false }
                        add(newCand, newCount, Int(j), Int32(i))
                    } else {
                        add(oldCand, oldCount, i, j)
                        add(oldCand, oldCount, Int(j), Int32(i))
                    }
                }
            }
            var updates = 0
            for i in 0..<n {
                let news = newCand + i * sample, olds = oldCand + i * sample
                let nn = newCount[i], no = oldCount[i]
                for a in 0..<nn {
                    let p = news[a]
                    for c in (a + 1)..<max(a + 1, nn) {
                        let q = news[c]
                        guard p != q else { continue }
                        let dpq = sqdist(Int(p), Int(q))
                        if push(Int(p), q, dpq) { updates += 1 }
                        if push(Int(q), p, dpq) { updates += 1 }
                    }
                    for c in 0..<no {
                        let q = olds[c]
                        guard p != q else { continue }
                        let dpq = sqdist(Int(p), Int(q))
                        if push(Int(p), q, dpq) { updates += 1 }
                        if push(Int(q), p, dpq) { updates += 1 }
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
