import CKernels
import Foundation
import LatentCore
@testable import LatentProjection
import Testing

@Suite struct TSNETests {
    @Test func affinitiesAreSymmetricSumToOneAndMatchThePerplexity() {
        let (x, _) = UMAPTests.blobs(perClass: 20)
        let knn = NeighborGraph.exact(x, k: 30)
        let p = TSNE.affinities(knn, perplexity: 10, threads: 2)
        var entries: [Int: Float] = [:]
        for i in 0..<(p.offsets.count - 1) { for e in p.offsets[i]..<p.offsets[i + 1] { entries[i * 1000 + Int(p.columns[e])] = p.weights[e] } }
        #expect(abs(p.weights.reduce(0, +) - 1) < 1e-4)
        for (key, w) in entries { #expect(entries[(key % 1000) * 1000 + key / 1000] == w) }
        // Every row's conditional distribution has perplexity 10: exp(entropy) = 10.
        let conditional = TSNE.conditionalAffinities(knn, perplexity: 10, threads: 1)
        for i in [0, 17, 150] {
            let row = conditional[(i * 30)..<((i + 1) * 30)].map(Double.init)
            let entropy = -row.map { $0 > 0 ? $0 * log($0) : 0 }.reduce(0, +)
            #expect(abs(row.reduce(0, +) - 1) < 1e-5)
            #expect(abs(exp(entropy) - 10) < 1e-2, "row \(i): perplexity \(exp(entropy))")
        }
    }

    @Test func barnesHutWithThetaZeroIsTheExactSum() {
        var rng = SeededRNG(seed: 3)
        let y = (0..<400).map { _ in rng.nextNormal() * 3 }
        let tree = QuadTree(y)
        for i in [0, 57, 199] {
            let (r0, r1, z) = tree.repulsion(at: y[2 * i], y[2 * i + 1], excluding: i, theta: 0)
            var e0: Float = 0, e1: Float = 0, ez = 0.0
            for j in 0..<200 where j != i {
                let d0 = y[2 * i] - y[2 * j], d1 = y[2 * i + 1] - y[2 * j + 1], q = 1 / (1 + d0 * d0 + d1 * d1)
                ez += Double(q); e0 += q * q * d0; e1 += q * q * d1
            }
            #expect(abs(z - ez) < 1e-3 * ez && abs(r0 - e0) < 1e-3 * max(1, abs(e0)) && abs(r1 - e1) < 1e-3 * max(1, abs(e1)))
            // θ = 0.5 stays close
            let (_, _, zApprox) = tree.repulsion(at: y[2 * i], y[2 * i + 1], excluding: i, theta: 0.5)
            #expect(abs(zApprox - ez) < 0.05 * ez)
        }
        // Coincident points do not recurse forever and count as neighbours at distance 0.
        let same = QuadTree([Float](repeating: 1, count: 40))
        #expect(same.repulsion(at: 1, 1, excluding: 0, theta: 0.5).2 == 19)
    }

    /// 500 copies of one point beside 60 others: the copies are one leaf taken as one mass (each query
    /// used to sum all 500), and the sums stay the exact ones, from inside the clump and from outside.
    @Test func coincidentPointsAreOneMass() {
        var rng = SeededRNG(seed: 4)
        let y = [Float](repeating: 0.5, count: 1000) + (0..<120).map { _ in rng.nextNormal() * 5 }
        let tree = QuadTree(y)
        let clumps = tree.nodes.filter { $0.children == 0 && $0.end - $0.start > 16 }
        #expect(clumps.count == 1 && clumps.first.map { $0.end - $0.start } == 500)
        for i in [0, 499, 500, 559] {
            let (r0, r1, z) = tree.repulsion(at: y[2 * i], y[2 * i + 1], excluding: i, theta: 0)
            var e0 = 0.0, e1 = 0.0, ez = 0.0
            for j in 0..<560 where j != i {
                let d0 = Double(y[2 * i] - y[2 * j]), d1 = Double(y[2 * i + 1] - y[2 * j + 1]), q = 1 / (1 + d0 * d0 + d1 * d1)
                ez += q; e0 += q * q * d0; e1 += q * q * d1
            }
            #expect(abs(z - ez) < 1e-4 * ez, "point \(i): Z \(z) vs \(ez)")
            #expect(abs(Double(r0) - e0) < 1e-3 * max(1, abs(e0)) && abs(Double(r1) - e1) < 1e-3 * max(1, abs(e1)), "point \(i)")
        }
    }

    /// Either repulsion (Barnes–Hut, FFT interpolation): clusters apart, the same bits at 1 and 2 threads.
    @Test(arguments: [TSNERepulsion.barnesHut, .fft])
    func embeddingSeparatesClustersAndRepeatsAcrossThreadCounts(_ repulsion: TSNERepulsion) {
        let (x, labels) = UMAPTests.blobs(perClass: 40)
        var options = TSNEOptions()
        options.iterations = repulsion == .fft ? 300 : 400
        options.perplexity = 15
        options.repulsion = repulsion
        options.threads = 1
        let one = TSNE.fit(x, options: options)
        options.threads = 2
        let two = TSNE.fit(x, options: options)
        #expect(one.embedding == two.embedding)  // bit for bit
        #expect(one.embedding.data.allSatisfy { $0.isFinite })
        let t = EmbeddingQuality.trustworthiness(original: x, embedding: one.embedding, k: 10)
        #expect(t > 0.95, "trustworthiness \(t)")
        #expect(ExactNeighbors.labelAccuracy(one.embedding, labels: labels, k: 10) > 0.97)
    }

    /// The attraction Σ_j p_ij (y_i − y_j)/(1 + d²) of every point against a sum in Double, on rows of
    /// 0 to 40 entries (whole sixteen-lane steps and tails); every build gives the same bits.
    @Test func attractionIsTheSumOverEachRowInEveryBuild() {
        var rng = SeededRNG(seed: 8)
        let n = 60
        let y = (0..<(2 * n)).map { _ in rng.nextNormal() * 4 }
        var offsets = [0], columns: [Int32] = [], weights: [Float] = []
        for i in 0..<n {
            for _ in 0..<((i * 7) % 41) { columns.append(Int32(rng.nextInt(below: n))); weights.append(rng.nextFloat()) }
            offsets.append(columns.count)
        }
        var out = [Float](repeating: 0, count: 2 * n)
        ck_tsne_attract(y, offsets, columns, weights, &out, 0, n)
        for i in 0..<n {
            var a0 = 0.0, a1 = 0.0
            for e in offsets[i]..<offsets[i + 1] {
                let j = Int(columns[e]), d0 = Double(y[2 * i] - y[2 * j]), d1 = Double(y[2 * i + 1] - y[2 * j + 1])
                let q = Double(weights[e]) / (1 + d0 * d0 + d1 * d1)
                a0 += q * d0; a1 += q * d1
            }
            #expect(abs(Double(out[2 * i]) - a0) < 1e-5 * max(1, abs(a0)) && abs(Double(out[2 * i + 1]) - a1) < 1e-5 * max(1, abs(a1)), "point \(i)")
        }
        for level in 0...ck_direct_best_level() {
            var other = [Float](repeating: .nan, count: 2 * n)
            ck_tsne_attract_at(level, y, offsets, columns, weights, &other, 0, n)
            #expect(other == out, "level \(level)")
        }
    }
}
