import CKernels
import LatentCore

/// Random-projection trees (as pynndescent builds them for its first guesses): each node splits its
/// points by the hyperplane halfway between two of them, chosen at random, until a leaf holds at most
/// `leafSize` points. Points that share a leaf are likely near each other.
struct RPForest: Sendable {
    /// Per tree, the point indices reordered so each leaf is a contiguous run.
    let orders: [[Int32]]
    /// (tree, start, end) of every leaf.
    let leaves: [(tree: Int, start: Int, end: Int)]

    func members(of leaf: (tree: Int, start: Int, end: Int)) -> ArraySlice<Int32> { orders[leaf.tree][leaf.start..<leaf.end] }

    /// The same trees over the points renumbered: point i becomes newIndex[i].
    func renumbered(_ newIndex: [Int32]) -> RPForest {
        RPForest(orders: orders.map { $0.map { newIndex[Int($0)] } }, leaves: leaves)
    }

    private init(orders: [[Int32]], leaves: [(tree: Int, start: Int, end: Int)]) {
        self.orders = orders; self.leaves = leaves
    }

    init(_ rows: PaddedRows, trees: Int, leafSize: Int, seed: UInt64, threads: Int) {
        var built = [([Int32], [(Int, Int)])](repeating: ([], []), count: trees)
        built.withUnsafeMutableBufferPointer { bp in
            let B = UncheckedPointer(bp.baseAddress!)
            parallelFor(trees, threads: threads) { t in
                B.pointer[t] = Self.tree(rows, leafSize: leafSize, rng: SeededRNG(seed: seed, stream: 100 + UInt64(t)))
            }
        }
        orders = built.map(\.0)
        leaves = built.enumerated().flatMap { t, tree in tree.1.map { (tree: t, start: $0.0, end: $0.1) } }
    }

    static func tree(_ rows: PaddedRows, leafSize: Int, rng: SeededRNG) -> ([Int32], [(Int, Int)]) {
        var rng = rng
        let n = rows.count, stride = rows.stride
        var order = (0..<n).map(Int32.init)
        var leaves: [(Int, Int)] = []
        var pending = [(0, n)]
        // Raw buffers: arrays written inside the loops below went through exclusivity checks per access.
        let normal = UnsafeMutablePointer<Float>.allocate(capacity: stride)
        let right = UnsafeMutablePointer<Int32>.allocate(capacity: n)
        let margins = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { normal.deallocate(); right.deallocate(); margins.deallocate() }
        order.withUnsafeMutableBufferPointer { op in
            let order = op.baseAddress!
            while let (start, end) = pending.popLast() {
                let size = end - start
                if size <= leafSize { leaves.append((start, end)); continue }
                let l = Int(order[start + rng.nextInt(below: size)])
                var r = Int(order[start + rng.nextInt(below: size - 1)])
                if r == l { r = Int(order[end - 1]) }
                // normal = x_l − x_r, offset = −normal · (x_l + x_r) / 2
                var offset: Float = 0
                let pl = rows.row(l), pr = rows.row(r)
                for t in 0..<stride { normal[t] = pl[t] - pr[t]; offset -= normal[t] * (pl[t] + pr[t]) / 2 }
                ck_rp_margins(rows.base, stride, order + start, size, normal, offset, margins)
                // A stable partition without branches on the side: each point is written to both the
                // left run (in place: it never overtakes the reads) and the right one (aside), and only
                // the run it belongs to advances. Which side a point falls on is a coin toss to the
                // branch predictor, and a swapping partition mispredicted about half of the points.
                var left = 0, rightCount = 0
                for s in start..<end {
                    let margin = margins[s - start]
                    let goesLeft = margin == 0 ? rng.next() & 1 == 0 : margin > 0
                    let o = order[s], step = goesLeft ? 1 : 0
                    order[start + left] = o
                    right[rightCount] = o
                    left += step
                    rightCount += 1 - step
                }
                (order + start + left).update(from: right, count: rightCount)
                // A degenerate cut (duplicates, or every point on one side) splits the run in half instead.
                let mid = left == 0 || left == size ? start + size / 2 : start + left
                pending.append((mid, end))
                pending.append((start, mid))
            }
        }
        return (order, leaves)
    }
}
