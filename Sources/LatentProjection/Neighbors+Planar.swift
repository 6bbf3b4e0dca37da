import LatentCore

/// Exact k-nearest neighbours of 2-D points (embeddings) through a uniform grid: each point searches
/// rings of cells outward until no unsearched cell can hold a point nearer than its k-th best.
/// About k·(a few) distance evaluations per point instead of n.
extension NeighborGraph {
    public static func planar(_ y: Tensor, k: Int, threads: Int = 1) -> NeighborGraph {
        precondition(y.rank == 2 && y.shape[1] == 2, "planar neighbours need (n, 2) points, got \(y.shape)")
        let n = y.shape[0]
        precondition(k >= 1 && k < n, "k = \(k) needs at least \(k + 1) points, have \(n)")
        let grid = PlanarGrid(y, pointsPerCell: max(2, k / 2))
        var indices = [Int32](repeating: 0, count: n * k), distances = [Float](repeating: 0, count: n * k)
        indices.withUnsafeMutableBufferPointer { ip in
            distances.withUnsafeMutableBufferPointer { dp in
                let I = UncheckedPointer(ip.baseAddress!), D = UncheckedPointer(dp.baseAddress!)
                parallelRanges(n, threads: threads) { range in
                    var best = SortedNeighbors(k: k)
                    for i in range {
                        best.reset()
                        grid.search(around: y.data[2 * i], y.data[2 * i + 1], into: &best, excluding: i)
                        for q in 0..<k { I.pointer[i * k + q] = Int32(best.index[q]); D.pointer[i * k + q] = best.distance[q].squareRoot() }
                    }
                }
            }
        }
        return NeighborGraph(indices: indices, distances: distances, k: k)
    }
}

/// The k best (squared distance, index) so far, nearest first; ties keep the lower index first.
struct SortedNeighbors {
    let k: Int
    var distance: [Float], index: [Int]
    var filled = 0
    init(k: Int) { self.k = k; distance = .init(repeating: .infinity, count: k); index = .init(repeating: -1, count: k) }
    mutating func reset() { filled = 0; for q in 0..<k { distance[q] = .infinity; index[q] = -1 } }
    var worst: Float { filled < k ? .infinity : distance[k - 1] }

    @inline(__always) mutating func insert(_ d: Float, _ j: Int) {
        guard filled < k || d < distance[k - 1] || (d == distance[k - 1] && j < index[k - 1]) else { return }
        var p = min(filled, k - 1)
        while p > 0 && (distance[p - 1] > d || (distance[p - 1] == d && index[p - 1] > j)) {
            distance[p] = distance[p - 1]; index[p] = index[p - 1]; p -= 1
        }
        distance[p] = d; index[p] = j
        filled = min(k, filled + 1)
    }
}

/// Points bucketed into square cells (CSR by cell), for nearest-neighbour search in the plane.
struct PlanarGrid: Sendable {
    let xs: [Float], ys: [Float]
    let minX: Float, minY: Float, cell: Float
    let columns: Int, rows: Int
    let start: [Int]      // cell c's points are order[start[c]..<start[c + 1]]
    let order: [Int32]

    init(_ y: Tensor, pointsPerCell: Int) {
        let n = y.shape[0]
        xs = (0..<n).map { y.data[2 * $0] }; ys = (0..<n).map { y.data[2 * $0 + 1] }
        minX = xs.min() ?? 0; minY = ys.min() ?? 0
        let w = max((xs.max() ?? 0) - minX, 1e-12), h = max((ys.max() ?? 0) - minY, 1e-12)
        let cells = max(1, n / pointsPerCell)
        cell = max((w * h / Float(cells)).squareRoot(), max(w, h) / 4096)
        columns = min(4096, Int(w / cell) + 1); rows = min(4096, Int(h / cell) + 1)
        var counts = [Int](repeating: 0, count: columns * rows + 1)
        var cellOf = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let cx = min(columns - 1, Int((xs[i] - minX) / cell)), cy = min(rows - 1, Int((ys[i] - minY) / cell))
            cellOf[i] = cy * columns + cx
            counts[cellOf[i] + 1] += 1
        }
        for c in 0..<(columns * rows) { counts[c + 1] += counts[c] }
        start = counts
        var fill = counts, order = [Int32](repeating: 0, count: n)
        for i in 0..<n { order[fill[cellOf[i]]] = Int32(i); fill[cellOf[i]] += 1 }
        self.order = order
    }

    /// Adds the points of rings of cells around (px, py), nearest rings first, until the ring's inner
    /// edge is farther than the current k-th best.
    func search(around px: Float, _ py: Float, into best: inout SortedNeighbors, excluding self: Int) {
        let cx = min(columns - 1, max(0, Int((px - minX) / cell))), cy = min(rows - 1, max(0, Int((py - minY) / cell)))
        var ring = 0
        while true {
            let x0 = cx - ring, x1 = cx + ring, y0 = cy - ring, y1 = cy + ring
            if x0 < 0 && y0 < 0 && x1 >= columns && y1 >= rows { return }
            for gy in max(0, y0)...min(rows - 1, y1) {
                @inline(__always) func visit(_ gx: Int) {
                    for s in start[gy * columns + gx]..<start[gy * columns + gx + 1] {
                        let j = Int(order[s])
                        guard j != self else { continue }
                        let dx = xs[j] - px, dy = ys[j] - py
                        best.insert(dx * dx + dy * dy, j)
                    }
                }
                if gy == y0 || gy == y1 {
                    for gx in max(0, x0)...min(columns - 1, x1) { visit(gx) }
                } else {  // inside rows only the two edge cells belong to this ring
                    if x0 >= 0 { visit(x0) }
                    if x1 < columns && x1 != x0 { visit(x1) }
                }
            }
            // Every cell not yet searched lies at least `ring · cell` away from the query point.
            let reach = Float(ring) * cell
            if best.filled == best.k && best.worst < reach * reach { return }
            ring += 1
        }
    }
}
