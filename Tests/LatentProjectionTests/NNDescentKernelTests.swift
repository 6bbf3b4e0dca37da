import CKernels
import LatentCore
@testable import LatentProjection
import Testing

/// NN-descent's C steps (`ck_nnd_pairs`, `ck_rp_margins`) against plain Swift written from their
/// contracts, and the build the CPU gets against the baseline build, bit for bit.
@Suite struct NNDescentKernelTests {
    /// Random rows (`dimension` values padded to a multiple of 8), heaps with random members and a farthest
    /// distance per point, and per point up to `sample` new and old candidates (some repeated, some
    /// the point's own neighbours, so that every filter of the contract is exercised).
    struct Case {
        let n = 300, k = 6, sample: Int
        let rows: PaddedRows
        var heapDistance: [Float] = [], heapIndex: [Int32] = []
        var newCandidates: [Int32] = [], oldCandidates: [Int32] = []
        var newCount: [Int] = [], oldCount: [Int] = []

        init(seed: UInt64, dimension: Int = 10, sample: Int = 6) {
            self.sample = sample
            var rng = SeededRNG(seed: seed)
            rows = PaddedRows(Tensor(shape: [n, dimension], data: (0..<(n * dimension)).map { _ in rng.nextNormal() }))
            for _ in 0..<n {
                // the root (farthest) first; the rest are only read by the listed check
                heapDistance.append(4 + 30 * rng.nextFloat())
                heapDistance.append(contentsOf: (1..<k).map { _ in rng.nextFloat() })
                heapIndex.append(contentsOf: (0..<k).map { _ in Int32(rng.nextInt(below: n)) })
                let nn = rng.nextInt(below: sample + 1), no = rng.nextInt(below: sample + 1)
                newCount.append(nn); oldCount.append(no)
                newCandidates.append(contentsOf: (0..<sample).map { _ in Int32(rng.nextInt(below: n)) })
                oldCandidates.append(contentsOf: (0..<sample).map { _ in Int32(rng.nextInt(below: n)) })
            }
        }

        /// The updates of points first ..< end, from the contract.
        func reference(_ first: Int, _ end: Int) -> [[Float]] {
            func lists(_ i: Int, _ j: Int) -> Bool { heapIndex[(i * k)..<((i + 1) * k)].contains(Int32(j)) }
            var out: [[Float]] = []
            for i in first..<end {
                let news = (0..<newCount[i]).map { Int(newCandidates[i * sample + $0]) }
                let olds = (0..<oldCount[i]).map { Int(oldCandidates[i * sample + $0]) }
                for (a, p) in news.enumerated() {
                    for q in news[(a + 1)...] + olds where p != q {
                        let d = rows.squaredDistance(p, q)
                        if d < heapDistance[p * k] && !lists(p, q) { out.append([Float(p), Float(q), d]) }
                        if d < heapDistance[q * k] && !lists(q, p) { out.append([Float(q), Float(p), d]) }
                    }
                }
            }
            return out
        }

        /// The updates through a C entry point, `capacity` at a time.
        func run(_ first: Int, _ end: Int, capacity: Int, level: Int? = nil) -> [[Float]] {
            heapDistance.withUnsafeBufferPointer { hd in
                heapIndex.withUnsafeBufferPointer { hi in
                    newCandidates.withUnsafeBufferPointer { nc in
                        oldCandidates.withUnsafeBufferPointer { oc in
                            newCount.withUnsafeBufferPointer { ncount in
                                oldCount.withUnsafeBufferPointer { ocount in
                                    var round = ck_nnd_round(
                                        rows: rows.base, stride: rows.stride, dimension: rows.dimension, k: k, sample: sample, heap_distance: hd.baseAddress!,
                                        heap_index: hi.baseAddress!, new_candidates: nc.baseAddress!, old_candidates: oc.baseAddress!,
                                        new_count: ncount.baseAddress!, old_count: ocount.baseAddress!)
                                    var found = [ck_nnd_update](repeating: ck_nnd_update(), count: capacity)
                                    var out: [[Float]] = [], i = first, written = 0
                                    while i < end {
                                        let before = i
                                        i = level.map { ck_nnd_pairs_at($0, &round, i, end, &found, capacity, &written) }
                                            ?? ck_nnd_pairs(&round, i, end, &found, capacity, &written)
                                        out += found.prefix(written).map { [Float($0.target), Float($0.other), $0.distance] }
                                        if i == before { return out }  // no progress: capacity below one point's worth
                                    }
                                    return out
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Dimensions of one, two and three 8-float blocks: the kernel sums across candidates in the order
    /// `PaddedRows.squaredDistance` sums a row pair, the two accumulators and a third block included.
    /// Up to 12 candidates a point fill two vectors of 8 or one of 16; up to 26, four of 8 or two of 16.
    @Test(arguments: [(3, 6), (10, 6), (21, 6), (10, 13)]) func pairsFollowTheContractInEveryBuild(dimension: Int, sample: Int) {
        let c = Case(seed: 5, dimension: dimension, sample: sample)
        let most = 2 * (c.sample * (c.sample - 1) / 2 + c.sample * c.sample)
        let expected = c.reference(0, c.n)
        #expect(expected.count > 100)
        #expect(c.run(0, c.n, capacity: 100_000) == expected)
        for level in 0...ck_direct_best_level() { #expect(c.run(0, c.n, capacity: 100_000, level: level) == expected) }
        // a buffer of one point's worth: the calls stop before each point that might not fit, and resume
        #expect(c.run(0, c.n, capacity: most) == expected)
        #expect(c.run(17, 90, capacity: most + 5) == c.reference(17, 90))
        // less than one point's worth: no point is taken (and none is half done)
        #expect(c.run(0, c.n, capacity: most - 1).isEmpty)
    }

    @Test func marginsAreTheSwiftDotInEveryBuild() {
        let c = Case(seed: 9)
        var rng = SeededRNG(seed: 3)
        let normal = (0..<c.rows.stride).map { t in t < 10 ? rng.nextNormal() : 0 }
        let order = (0..<c.n).map { _ in Int32(rng.nextInt(below: c.n)) }
        let offset: Float = 0.37
        let expected = order.map { i in normal.withUnsafeBufferPointer { dot($0.baseAddress!, c.rows.row(Int(i)), c.rows.stride) } + offset }
        var margins = [Float](repeating: 0, count: c.n), baseline = margins
        ck_rp_margins(c.rows.base, c.rows.stride, order, c.n, normal, offset, &margins)
        ck_rp_margins_baseline(c.rows.base, c.rows.stride, order, c.n, normal, offset, &baseline)
        #expect(margins == expected)
        #expect(baseline == expected)
    }

    /// Updates applied to max-heaps: each target keeps its k nearest distinct others (plain sets here),
    /// the heap property holds, entrants are marked new and kept entries keep their marks, and points
    /// no update targets are left alone.
    @Test func applyKeepsEachTargetsNearestDistinctOthers() {
        let n = 40, k = 5, lo: Int32 = 8, hi: Int32 = 31  // updates target lo ..< hi only
        var rng = SeededRNG(seed: 11)
        var dist = [Float](repeating: .infinity, count: n * k), index = [Int32](repeating: -1, count: n * k)
        var fresh = [Bool](repeating: false, count: n * k)
        var want = [[Int32: Float]](repeating: [:], count: n)
        var total = 0
        for round in 0..<6 {
            // few others, so that pairs already listed come again (at their one distance); no two others
            // of a target equally far (the fraction is the other's own), so the nearest k are one set
            let updates = (0..<400).map { _ in
                let target = Int(lo) + rng.nextInt(below: Int(hi - lo)), other = rng.nextInt(below: 12)
                return ck_nnd_update(target: Int32(target), other: Int32(other),
                                     distance: Float((target * 31 + other * 17 + round) % 23) + Float(other) / 16)
            }
            let entered = ck_nnd_apply(&dist, &index, &fresh, k, updates, updates.count)
            var expected = 0, entrants = Set<[Int32]>()
            for u in updates {
                var list = want[Int(u.target)]
                let farthest = list.count < k ? Float.infinity : list.values.max()!
                guard u.distance < farthest, list[u.other] == nil else { continue }
                if list.count == k, let worst = list.first(where: { $0.value == farthest })?.key { list[worst] = nil }
                list[u.other] = u.distance
                want[Int(u.target)] = list
                entrants.insert([u.target, u.other])
                expected += 1
            }
            #expect(entered == expected, "round \(round)")
            total += entered
            for i in 0..<n {
                let row = (i * k)..<(i * k + k)
                let listed = Dictionary(uniqueKeysWithValues: row.filter { index[$0] >= 0 }.map { (index[$0], dist[$0]) })
                #expect(listed == want[i], "point \(i), round \(round)")
                for r in 1..<k { #expect(dist[i * k] >= dist[i * k + r]) }
                for e in row where index[e] >= 0 { #expect(fresh[e] == entrants.contains([Int32(i), index[e]]), "point \(i), round \(round)") }
                if i < Int(lo) || i >= Int(hi) { #expect(row.allSatisfy { index[$0] == -1 }) }
            }
            for e in 0..<(n * k) { fresh[e] = false }
        }
        #expect(total > 100)
    }

    /// Updates dealt to the threads that apply them: every update once, each part's group holding
    /// exactly the targets whose stripe of 64 points is that part modulo the parts, in the given order.
    @Test func dealGroupsUpdatesByTargetStripeInOrder() {
        var rng = SeededRNG(seed: 5)
        let updates = (0..<3000).map { u in
            ck_nnd_update(target: Int32(rng.nextInt(below: 1000)), other: Int32(u), distance: Float(u))
        }
        for parts in [1, 2, 3, 7] {
            var out = [ck_nnd_update](repeating: ck_nnd_update(target: -1, other: -1, distance: 0), count: updates.count)
            var starts = [Int](repeating: -1, count: parts + 1)
            ck_nnd_deal(updates, updates.count, Int32(parts), &out, &starts)
            #expect(starts.first == 0 && starts.last == updates.count)
            for p in 0..<parts {
                let group = out[starts[p]..<starts[p + 1]].map(\.other)
                let want = updates.filter { Int($0.target) / 64 % parts == p }.map(\.other)
                #expect(group == want, "part \(p) of \(parts)")
            }
        }
    }
}
