import CKernels
import LatentCore

/// Approximate k-nearest neighbours by NN-descent (Dong, Moses & Li, 2011) started from random-projection
/// trees, as pynndescent does for umap-learn on large inputs: points sharing a tree leaf are first
/// guesses, then each round compares every point's neighbours with each other ("a neighbour of a
/// neighbour is likely a neighbour") until few lists change.
///
/// Work is split over threads by fixed blocks of points; the updates a block finds are applied to the
/// neighbour lists in block order, so the same seed gives the same graph at any thread count.
extension NeighborGraph {
    public static func nnDescent(_ x: Tensor, k: Int, seed: UInt64 = 42, threads: Int = 1, trees: Int? = nil,
                                 maxIterations: Int = 12, delta: Float = 0.001) -> NeighborGraph {
        let n = x.shape[0]
        precondition(k >= 1 && k < n, "k = \(k) needs at least \(k + 1) points, have \(n)")
        let input = PaddedRows(x)
        let inputForest = RPForest(input, trees: trees ?? min(8, 3 + Int((Double(n).squareRoot() / 40).rounded())),
                                   leafSize: max(10, k), seed: seed, threads: threads)
        // The search runs on the points renumbered in the first tree's leaf order: near points then sit
        // near each other in memory, and the neighbours of neighbours it reads are mostly in cache
        // (memory latency bound the rounds above ~20,000 points).
        let order = inputForest.orders[0]
        var rank = [Int32](repeating: 0, count: n)
        for (position, i) in order.enumerated() { rank[Int(i)] = Int32(position) }
        let rows = input.permuted(order), forest = inputForest.renumbered(rank)
        let heaps = NeighborHeaps(count: n, k: k)
        heaps.joinLeaves(of: forest, rows: rows, threads: threads)
        heaps.fillWithRandomPoints(seed: seed, rows: rows)
        // At most 40 candidates per point and kind: pynndescent caps them too (at 60).
        let candidates = RoundCandidates(count: n, sample: min(k, 40))
        for _ in 0..<maxIterations {
            let updates = heaps.descentRound(rows: rows, candidates: candidates, threads: threads)
            if Float(updates) < delta * Float(n * k) { break }
        }
        return heaps.sortedGraph(originalIndex: order, position: rank, threads: threads)
    }
}

/// A round's candidates per point (up to `sample` new and `sample` old), kept across rounds: fresh
/// buffers every round were a million points' 136 MB of pages faulted in and zeroed five times over.
final class RoundCandidates: @unchecked Sendable {
    let sample: Int
    let new: UnsafeMutablePointer<Int32>, old: UnsafeMutablePointer<Int32>
    let newCount: UnsafeMutablePointer<Int>, oldCount: UnsafeMutablePointer<Int>

    init(count n: Int, sample: Int) {
        self.sample = sample
        new = .allocate(capacity: n * sample); old = .allocate(capacity: n * sample)
        newCount = .allocate(capacity: n); oldCount = .allocate(capacity: n)
        newCount.initialize(repeating: 0, count: n); oldCount.initialize(repeating: 0, count: n)
    }

    deinit { new.deallocate(); old.deallocate(); newCount.deallocate(); oldCount.deallocate() }
}

/// Per point, a max-heap of its k best (squared distance, index, is-new) so far, in flat buffers.
final class NeighborHeaps: @unchecked Sendable {
    let n: Int, k: Int
    let dist: UnsafeMutablePointer<Float>
    let index: UnsafeMutablePointer<Int32>
    let fresh: UnsafeMutablePointer<Bool>

    init(count n: Int, k: Int) {
        self.n = n; self.k = k
        dist = .allocate(capacity: n * k); dist.initialize(repeating: .infinity, count: n * k)
        index = .allocate(capacity: n * k); index.initialize(repeating: -1, count: n * k)
        fresh = .allocate(capacity: n * k); fresh.initialize(repeating: true, count: n * k)
    }

    deinit { dist.deallocate(); index.deallocate(); fresh.deallocate() }

    /// A found pair: `other` may belong in `target`'s list at squared distance `distance` (the C pair
    /// step's type, so that its output is appended as it is).
    typealias Update = ck_nnd_update

    /// Runs `produce` on `blocks` blocks, in chunks of `chunk` blocks: the blocks of a chunk run in
    /// parallel, each appending updates judged against the lists as they stood before the chunk (no list
    /// changes while blocks produce), then the chunk's updates are applied, each thread owning stripes
    /// of target points (see `ck_nnd_deal`) and taking their updates in block order. The chunks bound the
    /// memory the pending updates take (a whole round's at a million points held most of a gigabyte) and
    /// change nothing: an update a later chunk no longer emits would have been rejected when applied.
    /// Their size does not depend on the thread count, so neither does the graph. Returns how many lists
    /// changed.
    func apply(blocks: Int, threads: Int, chunk: Int = 64,
               _ produce: (Int, _ updates: inout [Update]) -> Void) -> Int {
        let parts = max(1, threads)
        // Per block: its updates as produced, then dealt to the parts that apply them (each part then
        // reads its own updates only; scanning all of them for its own cost each thread as much again).
        let slots = UnsafeMutablePointer<[Update]>.allocate(capacity: 2 * chunk)
        slots.initialize(repeating: [], count: 2 * chunk)
        let starts = UnsafeMutablePointer<Int>.allocate(capacity: chunk * (parts + 1))
        defer { slots.deinitialize(count: 2 * chunk); slots.deallocate(); starts.deallocate() }
        let S = UncheckedPointer(slots), T = UncheckedPointer(starts)
        var changed = 0
        for first in stride(from: 0, to: blocks, by: chunk) {
            let count = min(chunk, blocks - first)
            parallelFor(count, threads: threads) { c in
                var local = (S.pointer + c).move()  // moved out, so its storage is reused, not copied
                local.removeAll(keepingCapacity: true)
                produce(first + c, &local)
                let at = T.pointer + c * (parts + 1)
                if parts == 1 {
                    at[0] = 0; at[1] = local.count
                } else {
                    var dealt = (S.pointer + chunk + c).move()
                    dealt.removeAll(keepingCapacity: true)
                    dealt.append(contentsOf: local)  // sized (and overwritten below)
                    local.withUnsafeBufferPointer { from in
                        dealt.withUnsafeMutableBufferPointer { to in
                            if let source = from.baseAddress { ck_nnd_deal(source, from.count, Int32(parts), to.baseAddress!, at) }
                            else { at.update(repeating: 0, count: parts + 1) }
                        }
                    }
                    swap(&local, &dealt)
                    (S.pointer + chunk + c).initialize(to: dealt)
                }
                (S.pointer + c).initialize(to: local)
            }
            var counts = [Int](repeating: 0, count: parts)
            counts.withUnsafeMutableBufferPointer { cp in
                let C = UncheckedPointer(cp.baseAddress!)
                parallelFor(parts, threads: threads) { p in
                    var found = 0
                    for c in 0..<count {
                        let at = T.pointer + c * (parts + 1)
                        S.pointer[c].withUnsafeBufferPointer { updates in
                            guard let first = updates.baseAddress, at[p + 1] > at[p] else { return }
                            found += ck_nnd_apply(self.dist, self.index, self.fresh, self.k, first + at[p], at[p + 1] - at[p])
                        }
                    }
                    C.pointer[p] = found
                }
            }
            changed += counts.reduce(0, +)
        }
        return changed
    }

    /// Every pair of points in a common tree leaf is a first guess: a leaf's members are taken as one
    /// point's new candidates by the round's pair step, which emits each pair both ways in member
    /// order, less those a list's farthest or its members already rule out (which `ck_nnd_apply` would refuse).
    func joinLeaves(of forest: RPForest, rows: PaddedRows, threads: Int) {
        let leaves = forest.leaves, perBlock = 64
        let sample = max(1, leaves.map { $0.end - $0.start }.max() ?? 1)
        _ = apply(blocks: (leaves.count + perBlock - 1) / perBlock, threads: threads) { b, updates in
            let first = b * perBlock, count = min(leaves.count, first + perBlock) - first
            var members = [Int32](repeating: 0, count: count * sample), sizes = [Int](repeating: 0, count: count)
            for slot in 0..<count {
                let leaf = forest.members(of: leaves[first + slot])
                sizes[slot] = leaf.count
                for (r, m) in leaf.enumerated() { members[slot * sample + r] = m }
            }
            let none = [Int](repeating: 0, count: count)
            members.withUnsafeBufferPointer { mp in
                sizes.withUnsafeBufferPointer { sp in
                    none.withUnsafeBufferPointer { np in
                        let round = ck_nnd_round(
                            rows: rows.base, stride: rows.stride, dimension: rows.dimension, k: k, sample: sample,
                            heap_distance: dist, heap_index: index, new_candidates: mp.baseAddress!, old_candidates: mp.baseAddress!,
                            new_count: sp.baseAddress!, old_count: np.baseAddress!)
                        appendPairs(round, points: 0..<count, capacity: count * sample * sample, to: &updates)
                    }
                }
            }
        }
    }

    /// The pair step's updates for `points` of `round`, appended in order, through a buffer of at least
    /// `capacity` updates (the step stops before a point that might not fit, and is called again).
    func appendPairs(_ round: ck_nnd_round, points: Range<Int>, capacity: Int, to updates: inout [Update]) {
        let s = round.sample, capacity = max(capacity, 2 * (s * (s - 1) / 2 + s * s))
        let found = UnsafeMutablePointer<ck_nnd_update>.allocate(capacity: capacity)
        defer { found.deallocate() }
        var i = points.lowerBound, written = 0
        while i < points.upperBound {
            let before = i
            i = withUnsafePointer(to: round) { ck_nnd_pairs($0, i, points.upperBound, found, capacity, &written) }
            // The capacity holds a point's worth at least: no progress is the kernel's scratch refused.
            precondition(i > before, "out of memory in NN-descent")
            updates.append(contentsOf: UnsafeBufferPointer(start: found, count: written))
        }
    }

    /// Points whose lists the trees left short get random others (seeded, in point order).
    func fillWithRandomPoints(seed: UInt64, rows: PaddedRows) {
        var rng = SeededRNG(seed: seed, stream: 3)
        for i in 0..<n {
            var attempts = 0
            while dist[i * k] == .infinity && attempts < 64 * k {
                let j = rng.nextInt(below: n)
                if j != i {
                    var update = Update(target: Int32(i), other: Int32(j), distance: rows.squaredDistance(i, j))
                    _ = ck_nnd_apply(dist, index, fresh, k, &update, 1)
                }
                attempts += 1
            }
        }
    }

    /// Each point's candidates for a round, new and old: the points it lists and the points that list
    /// it, in the order of one pass over the lists in point order, at most `sample` of each kind; the
    /// new ones it lists are marked old. Threads own ranges of points and each reads every list in
    /// point order, taking the entries that touch its own points, so each point's candidates are those
    /// of the one pass (which ran alone, on one core, for a tenth of a million points' search). Every
    /// thread reads the flags as they stood before the round.
    func gatherCandidates(into c: RoundCandidates, threads: Int) {
        let n = self.n, k = self.k, sample = c.sample
        let wasFresh = UnsafeMutablePointer<Bool>.allocate(capacity: n * k)
        wasFresh.initialize(from: fresh, count: n * k)
        defer { wasFresh.deallocate() }
        let W = UncheckedConst(UnsafePointer(wasFresh)), I = UncheckedConst(UnsafePointer(index)), F = UncheckedPointer(fresh)
        parallelRanges(n, threads: threads) { owned in
            let newCand = c.new, oldCand = c.old, newCount = c.newCount, oldCount = c.oldCount
            (newCount + owned.lowerBound).update(repeating: 0, count: owned.count)
            (oldCount + owned.lowerBound).update(repeating: 0, count: owned.count)
            for i in 0..<n {
                let ownsI = owned.contains(i)
                for e in (i * k)..<(i * k + k) {
                    let j = I.pointer[e]
                    guard j >= 0 else { continue }
                    let jj = Int(j), ownsJ = owned.contains(jj)
                    guard ownsI || ownsJ else { continue }
                    if W.pointer[e] {
                        if ownsI && newCount[i] < sample {
                            newCand[i * sample + newCount[i]] = j; newCount[i] += 1; F.pointer[e] = false
                        }
                        if ownsJ && newCount[jj] < sample { newCand[jj * sample + newCount[jj]] = Int32(i); newCount[jj] += 1 }
                    } else {
                        if ownsI && oldCount[i] < sample { oldCand[i * sample + oldCount[i]] = j; oldCount[i] += 1 }
                        if ownsJ && oldCount[jj] < sample { oldCand[jj * sample + oldCount[jj]] = Int32(i); oldCount[jj] += 1 }
                    }
                }
            }
        }
    }

    /// One round of NN-descent: new candidates against each other and against old ones, in both
    /// directions (a point's neighbours and the points that list it), at most `sample` of each kind per point.
    func descentRound(rows: PaddedRows, candidates c: RoundCandidates, threads: Int) -> Int {
        gatherCandidates(into: c, threads: threads)
        let blockSize = 256, sample = c.sample
        let round = UncheckedSendable(ck_nnd_round(
            rows: rows.base, stride: rows.stride, dimension: rows.dimension, k: k, sample: sample, heap_distance: dist,
            heap_index: index, new_candidates: c.new, old_candidates: c.old, new_count: c.newCount, old_count: c.oldCount))
        return apply(blocks: (n + blockSize - 1) / blockSize, threads: threads) { b, updates in
            appendPairs(round.value, points: (b * blockSize)..<min(n, (b + 1) * blockSize),
                        capacity: 4 * blockSize * sample * sample, to: &updates)
        }
    }

    /// Each list nearest first (ties by index), with Euclidean distances, in the input's numbering:
    /// point p here is input point originalIndex[p]; input point i is point position[i] here. Points
    /// are split over threads (each list is sorted on its own; at a million points the serial loop, an
    /// array and a sort closure per point, took seconds).
    func sortedGraph(originalIndex: [Int32], position: [Int32], threads: Int = 1) -> NeighborGraph {
        var outIndex = [Int32](repeating: 0, count: n * k), outDist = [Float](repeating: 0, count: n * k)
        let k = self.k
        outIndex.withUnsafeMutableBufferPointer { ip in
            outDist.withUnsafeMutableBufferPointer { dp in
                originalIndex.withUnsafeBufferPointer { op in
                    position.withUnsafeBufferPointer { pp in
                        let OI = UncheckedPointer(ip.baseAddress!), OD = UncheckedPointer(dp.baseAddress!)
                        let O = UncheckedConst(op.baseAddress!), P = UncheckedConst(pp.baseAddress!)
                        parallelRanges(n, threads: threads) { points in
                            var list = [(distance: Float, original: Int32, index: Int32)]()
                            list.reserveCapacity(k)
                            for i in points {
                                let p = Int(P.pointer[i])
                                list.removeAll(keepingCapacity: true)
                                for r in 0..<k {
                                    let j = self.index[p * k + r]
                                    list.append((self.dist[p * k + r], j < 0 ? Int32.max : O.pointer[Int(j)], j))
                                }
                                list.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.original < $1.original) }
                                for (r, e) in list.enumerated() {
                                    OI.pointer[i * k + r] = e.index < 0 ? -1 : e.original
                                    OD.pointer[i * k + r] = e.distance.squareRoot()
                                }
                            }
                        }
                    }
                }
            }
        }
        return NeighborGraph(indices: outIndex, distances: outDist, k: k)
    }
}
