import CKernels
import LatentCore
@testable import LatentProjection
import Testing

/// The pruned self scan (`NeighborGraph.selfQuery`) against the full scan (`query(x, in: x)`): the same
/// lists, value for value, on inputs with ties and duplicates, at any thread count and in every build.
@Suite struct ExactNeighborTests {
    /// Blobs in `d` dimensions, some rows repeated and some on an integer grid (many equal distances).
    static func input(n: Int, d: Int, seed: UInt64) -> Tensor {
        var rng = SeededRNG(seed: seed)
        let centres = (0..<6).map { _ in (0..<d).map { _ in 8 * rng.nextNormal() } }
        var rows: [[Float]] = []
        for i in 0..<n {
            switch i % 10 {
            case 0 where i > 0: rows.append(rows[i / 2])  // a duplicate of an earlier row
            case 1: rows.append((0..<d).map { _ in Float(rng.nextInt(below: 3)) })  // grid points
            default: rows.append(centres[i % 6].map { $0 + rng.nextNormal() })
            }
        }
        return Tensor(shape: [n, d], data: rows.flatMap { $0 })
    }

    @Test(arguments: [(700, 10, 16), (3000, 3, 9), (1500, 33, 20), (2000, 6, 90)])
    func prunedScanListsWhatTheFullScanLists(n: Int, d: Int, k: Int) {
        let x = Self.input(n: n, d: d, seed: UInt64(n + d))
        let full = NeighborGraph.query(x, in: x, k: k)
        for threads in [1, 2, 3] {
            let pruned = NeighborGraph.selfQuery(x, k: k, threads: threads, kernel: ck_knn_exact_pruned)
            let took = pruned.pruned
            #expect(took, "these blobs leave the bound chunks to skip")
            let same = pruned.idx == full.idx && pruned.dist == full.dist
            #expect(same, "n \(n), d \(d), k \(k), \(threads) threads")
        }
        let baseline = NeighborGraph.selfQuery(x, k: k, threads: 2, kernel: ck_knn_exact_pruned_baseline)
        let same = baseline.idx == full.idx && baseline.dist == full.dist
        #expect(same, "the baseline build")
    }

    /// Rows with no structure to prune by (isotropic Gaussian in 48 dimensions): the full scan runs.
    @Test func unstructuredRowsTakeTheFullScan() {
        var rng = SeededRNG(seed: 4)
        let x = Tensor(shape: [600, 48], data: (0..<(600 * 48)).map { _ in rng.nextNormal() })
        let found = NeighborGraph.selfQuery(x, k: 15, threads: 2, kernel: ck_knn_exact_pruned)
        let took = found.pruned
        #expect(!took)
        let full = NeighborGraph.query(x, in: x, k: 15, threads: 2)
        let same = found.idx == full.idx && found.dist == full.dist
        #expect(same)
    }
}
