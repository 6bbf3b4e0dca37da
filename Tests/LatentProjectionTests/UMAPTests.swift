import Foundation
import LatentCore
import CKernels
@testable import LatentProjection
import Testing

/// Quality floors on fixed data, never exact coordinates (as umap-learn's own tests do).
@Suite struct UMAPTests {
    /// Ten Gaussian blobs in 10 dimensions, 60 points each, seeded.
    static func blobs(perClass: Int = 60, dims: Int = 10) -> (x: Tensor, labels: [Int]) {
        var rng = SeededRNG(seed: 11)
        let centers = (0..<10).map { _ in (0..<dims).map { _ in 6 * rng.nextNormal() } }
        var data: [Float] = [], labels: [Int] = []
        for c in 0..<10 {
            for _ in 0..<perClass {
                data += centers[c].map { $0 + rng.nextNormal() }
                labels.append(c)
            }
        }
        return (Tensor(shape: [10 * perClass, dims], data: data), labels)
    }

    @Test func abCurveMatchesUmapLearn() {
        // umap-learn's find_ab_params(1.0, 0.1) gives a ≈ 1.577, b ≈ 0.895.
        let (a, b) = UMAP.fitAB(minDist: 0.1, spread: 1)
        #expect(abs(a - 1.577) < 0.01 && abs(b - 0.895) < 0.005)
        let (a2, b2) = UMAP.fitAB(minDist: 0.5, spread: 1)
        #expect(a2 < a && b2 > b)  // a wider min_dist flattens the curve near 0
    }

    @Test func layoutPowerIsAccurate() {
        for b: Float in [0.5, 0.79, 0.895, 1, 1.5, 1.93] {
            for x: Float in [1e-30, 1e-6, 0.01, 0.3, 0.5, 0.7071, 0.7072, 1, 1.4142, 1.4143, 1.7, 2.5, 100, 1e5, 3e7] {
                let exact = pow(Double(x), Double(b)), approx = Double(ck_umap_pow(x, b))
                if exact < 1e-37 {  // below float's normal range the result stops at 2^-126
                    #expect(approx > 0 && approx < 1e-37, "\(x)^\(b)")
                } else {
                    #expect(abs(approx / exact - 1) < 3e-6, "\(x)^\(b)")
                }
            }
            // Zero reads as the smallest normal number: tiny, finite and positive.
            #expect(ck_umap_pow(0, b) > 0 && ck_umap_pow(0, b) < 1e-10)
        }
    }

    @Test func exactNeighboursMatchABruteForceSearchInDoubles() {
        // 203 rows (not a multiple of the scan's 16), 3 columns far from the origin (the scan centres
        // them), and duplicated rows: ties go to the lower index.
        var rng = SeededRNG(seed: 9)
        var rows = (0..<200).map { _ in (0..<3).map { _ in 1000 + rng.nextNormal() } }
        rows += [rows[5], rows[5], rows[17]]
        let x = Tensor(shape: [rows.count, 3], data: rows.flatMap { $0 })
        let k = 7
        for threads in 1...2 {
            let graph = NeighborGraph.exact(x, k: k, threads: threads)
            for i in rows.indices {
                let d = rows.indices.map { j in zip(rows[i], rows[j]).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) } }
                let truth = rows.indices.filter { $0 != i }.sorted { d[$0] < d[$1] || (d[$0] == d[$1] && $0 < $1) }.prefix(k)
                #expect(graph.indices[(i * k)..<((i + 1) * k)].map(Int.init) == Array(truth), "row \(i)")
                for (r, j) in truth.enumerated() { #expect(abs(Double(graph.distances[i * k + r]) - d[j].squareRoot()) < 1e-3) }
            }
        }
        // Every row of the data, when k is all of it.
        let all = NeighborGraph.query(x, in: x, k: rows.count)
        #expect(all.idx[0..<rows.count].sorted() == Array(rows.indices))
    }

    @Test func nnDescentFindsNearlyTheExactNeighbours() {
        // 3,000 points in 10-D: a Gaussian cloud (no cluster structure to lean on).
        var rng = SeededRNG(seed: 21)
        let x = Tensor.randomNormal(shape: [3000, 10], using: &rng)
        let exact = NeighborGraph.exact(x, k: 15), approx = NeighborGraph.nnDescent(x, k: 15)
        var found = 0
        for i in 0..<3000 {
            let truth = Set(exact.indices[(i * 15)..<((i + 1) * 15)])
            found += approx.indices[(i * 15)..<((i + 1) * 15)].filter { truth.contains($0) }.count
        }
        let recall = Double(found) / Double(3000 * 15)
        #expect(recall > 0.95, "recall \(recall)")
        // Lists are sorted nearest first, never contain the point itself, and repeat for a seed.
        #expect((0..<3000).allSatisfy { i in !approx.indices[(i * 15)..<((i + 1) * 15)].contains(Int32(i)) })
        #expect((0..<3000).allSatisfy { i in zip(approx.distances[(i * 15)..<((i + 1) * 15 - 1)], approx.distances[(i * 15 + 1)..<((i + 1) * 15)]).allSatisfy { $0 <= $1 } })
        #expect(NeighborGraph.nnDescent(x, k: 15).indices == approx.indices)
        // The parallel rounds apply updates in block order: the thread count does not change the graph.
        #expect(NeighborGraph.nnDescent(x, k: 15, threads: 2).indices == approx.indices)
        #expect(NeighborGraph.nnDescent(x, k: 15, seed: 43).indices != approx.indices)
        #expect(abs(approx.recall(of: x, sample: 500) - recall) < 0.03)
        // t-SNE asks for 3·perplexity neighbours; with more neighbours than candidates per round (40),
        // the search still finds nearly all of them.
        let half = x.rows(0..<1500)
        let wide = NeighborGraph.nnDescent(half, k: 60, threads: 2)
        #expect(wide.recall(of: half, sample: 300) > 0.95, "recall at k = 60: \(wide.recall(of: half, sample: 300))")
    }

    @Test func lanczosFindsTheLeadingEigenvectorsPastAKnownOne() {
        // A symmetric operator with eigenvalues 1, 0.99, 0.98, 0.97, then spread below: the known top
        // vector is deflated, so the next two must come out (clustered near the top, as with classes).
        let n = 300
        var rng = SeededRNG(seed: 9)
        let values = (0..<n).map { i -> Double in i < 4 ? 1 - 0.01 * Double(i) : 0.9 * Double(rng.nextFloat()) }
        // eigenvectors: a random orthonormal basis from Gram–Schmidt
        var basis: [[Double]] = []
        for _ in 0..<n {
            var v = (0..<n).map { _ in Double(rng.nextNormal()) }
            for b in basis { UMAP.project(&v, outOf: b) }
            UMAP.normalize(&v)
            basis.append(v)
        }
        let apply: ([Double], inout [Double]) -> Void = { v, out in
            for i in 0..<n { out[i] = 0 }
            for (b, lambda) in zip(basis, values) {
                let c = lambda * UMAP.dot(b, v)
                for i in 0..<n { out[i] += c * b[i] }
            }
        }
        guard let found = UMAP.lanczosLargest(count: 2, n: n, steps: 60, deflating: basis[0], seed: 1, multiply: apply) else {
            Issue.record("Lanczos broke down"); return
        }
        #expect(abs(abs(UMAP.dot(found[0], basis[1])) - 1) < 1e-6)
        #expect(abs(abs(UMAP.dot(found[1], basis[2])) - 1) < 1e-6)
    }

    @Test func spectralStartLaysOutEachPieceOfASplitGraph() {
        var rng = SeededRNG(seed: 4)
        let x = Tensor.randomNormal(shape: [300, 5], using: &rng)  // one cloud: a connected graph
        var options = UMAPOptions()
        options.epochs = 10
        options.initialization = .spectral
        #expect(UMAP.fit(x, options: options).start == "spectral")
        // Three copies of the cloud 1,000 apart: no neighbour crosses a gap. Each piece gets its own
        // spectral layout, placed apart from the others, so after a few epochs the pieces do not mix.
        let far = Tensor(shape: [900, 5], data: x.data + x.data.map { $0 + 1000 } + x.data.map { $0 - 1000 })
        let split = UMAP.fit(far, options: options)
        #expect(split.start == "spectral (3 components)")
        #expect(split.embedding.data.allSatisfy { $0.isFinite })
        let piece = (0..<900).map { $0 / 300 }
        #expect(ExactNeighbors.labelAccuracy(split.embedding, labels: piece, k: 10) > 0.99)
        options.initialization = .pca
        #expect(UMAP.fit(x, options: options).start == "pca")
    }

    @Test func piecesOfASplitGraphArePlacedApart() {
        // Six pieces: placed by the PCA of their centroids, all distinct.
        let members = (0..<6).map { c in Array((c * 10)..<((c + 1) * 10)) }
        var x = Tensor(zeros: [60, 3])
        for i in 0..<60 { x.data[i * 3 + (i / 10) % 3] = Float(i / 10) * 10 + Float(i % 10) * 0.01 }
        let spots = UMAP.componentPositions(members, x: x)
        #expect(spots.count == 6)
        for a in 0..<6 { for b in (a + 1)..<6 { #expect(hypot(spots[a].0 - spots[b].0, spots[a].1 - spots[b].1) > 1e-3) } }
        #expect(spots.allSatisfy { abs($0.0) <= 1 + 1e-9 && abs($0.1) <= 1 + 1e-9 })
        #expect(UMAP.componentPositions(Array(members.prefix(3)), x: x).count == 3)
    }

    @Test func planarNeighboursMatchExactSearch() {
        var rng = SeededRNG(seed: 5)
        // A dense cluster plus a sparse halo, so rings of very different reach are needed.
        var y = Tensor.randomNormal(shape: [2000, 2], using: &rng)
        for i in 0..<200 { y.data[2 * i] *= 40; y.data[2 * i + 1] *= 40 }
        let grid = NeighborGraph.planar(y, k: 12, threads: 2), exact = NeighborGraph.exact(y, k: 12)
        for i in 0..<2000 {
            for q in 0..<12 { #expect(abs(grid.distances[i * 12 + q] - exact.distances[i * 12 + q]) < 1e-3 * max(1, exact.distances[i * 12 + q])) }
        }
        let same = zip(grid.indices, exact.indices).filter { $0 == $1 }.count
        #expect(same > 2000 * 12 * 99 / 100, "\(same)")
    }

    @Test func smoothDistancesHitLog2K() {
        let (x, _) = Self.blobs(perClass: 20)
        let knn = NeighborGraph.exact(x, k: 15)
        let (rho, sigma) = UMAP.smoothDistances(knn)
        for i in [0, 77, 150] {
            let d = knn.distances[(i * 15)..<((i + 1) * 15)]
            let s = d.reduce(Float(0)) { $0 + ($1 - rho[i] > 0 ? expf(-($1 - rho[i]) / sigma[i]) : 1) }
            #expect(abs(s - log2f(15)) < 1e-3)
            #expect(rho[i] == d.first)
        }
    }

    @Test func fuzzyUnionIsSymmetricWithWeightsInUnitInterval() {
        let (x, _) = Self.blobs(perClass: 20)
        let g = UMAP.fuzzySimplicialSet(NeighborGraph.exact(x, k: 10))
        var weights: [Int: Float] = [:]
        for i in 0..<(g.offsets.count - 1) {
            for e in g.offsets[i]..<g.offsets[i + 1] { weights[i * 10_000 + Int(g.columns[e])] = g.weights[e] }
        }
        for (key, w) in weights {
            #expect(w > 0 && w <= 1)
            #expect(weights[(key % 10_000) * 10_000 + key / 10_000] == w)
        }
    }

    @Test func embeddingKeepsNeighbourhoodsAndIsSeededAcrossThreadCounts() {
        let (x, labels) = Self.blobs()
        var options = UMAPOptions()
        options.epochs = 200
        options.threads = 1
        let one = UMAP.fit(x, options: options)
        options.threads = 2
        let two = UMAP.fit(x, options: options)
        #expect(one.embedding == two.embedding)  // bit for bit
        let t = EmbeddingQuality.trustworthiness(original: x, embedding: one.embedding, k: 10)
        #expect(t > 0.95, "trustworthiness \(t)")
        // Blobs stay apart: 10-NN labels in the embedding are nearly always right.
        let acc = ExactNeighbors.labelAccuracy(one.embedding, labels: labels, k: 10)
        #expect(acc > 0.97, "10-NN accuracy \(acc)")
        options.seed = 43
        #expect(UMAP.fit(x, options: options).embedding != one.embedding)
    }

    /// The large-layout path at a size CI can run: NN-descent (above the exact limit, its updates in two
    /// chunks of blocks), the parallel fuzzy union, the PCA start of large inputs and the layout with
    /// its convergence stop give the same bits on 1 and 2 threads (the million-point runs take the
    /// same code).
    @Test func largeLayoutIsTheSameAtAnyThreadCount() {
        var rng = SeededRNG(seed: 5)
        let n = 17_000, dims = 10
        let centers = (0..<40).map { _ in (0..<dims).map { _ in 4 * rng.nextNormal() } }
        var data = [Float](repeating: 0, count: n * dims)
        for i in 0..<n { for t in 0..<dims { data[i * dims + t] = centers[i % 40][t] + rng.nextNormal() } }
        let x = Tensor(shape: [n, dims], data: data)
        var options = UMAPOptions()
        options.epochs = 40
        options.initialization = .pca
        options.convergence = 10  // loose, so that this short run stops early
        options.exactNeighborLimit = 10_000  // NN-descent, whose updates are applied in two chunks here
        var runs: [UMAPResult] = []
        for threads in 1...2 {
            options.threads = threads
            runs.append(UMAP.fit(x, options: options))
        }
        #expect(runs[0].epochs.run < 40, "the convergence stop was not taken: \(runs[0].epochs)")
        for r in runs.dropFirst() {
            #expect(r.graph.indices == runs[0].graph.indices)
            #expect(r.epochs.run == runs[0].epochs.run)
            #expect(r.embedding == runs[0].embedding)  // bit for bit
        }
    }

    @Test func transformPlacesPointsNearTheirNeighboursAndInverseReturnsToTheData() {
        let (x, labels) = Self.blobs(perClass: 40)
        var options = UMAPOptions()
        options.epochs = 200
        let fit = UMAP.fit(x, options: options)
        // Training points transformed again land near their own embedding (relative to the map's size).
        let y = fit.transform(x, data: x)
        let span = (fit.embedding.data.max()! - fit.embedding.data.min()!)
        var far = 0
        for i in 0..<x.shape[0] {
            let dx = y.data[2 * i] - fit.embedding.data[2 * i], dy = y.data[2 * i + 1] - fit.embedding.data[2 * i + 1]
            if (dx * dx + dy * dy).squareRoot() > 0.1 * span { far += 1 }
        }
        #expect(far < x.shape[0] / 20, "\(far) of \(x.shape[0]) transformed points far from their embedding")
        // New points from a blob land among that blob's embedded points.
        var rng = SeededRNG(seed: 99)
        let newPoint = Tensor(shape: [1, 10], data: (0..<10).map { x.data[5 * 40 * 10 + $0] + 0.3 * rng.nextNormal() })
        let placed = fit.transform(newPoint, data: x)
        let nearest = (0..<x.shape[0]).min { i, j in
            func d(_ k: Int) -> Float { let a = placed.data[0] - fit.embedding.data[2 * k], b = placed.data[1] - fit.embedding.data[2 * k + 1]; return a * a + b * b }
            return d(i) < d(j)
        }!
        #expect(labels[nearest] == 5)
        // The inverse of an embedded point is (exactly) its data row; between points, a blend near the data.
        let back = fit.inverse(Tensor(shape: [1, 2], data: [fit.embedding.data[14], fit.embedding.data[15]]), data: x)
        #expect(Array(back.data) == Array(x.data[70..<80]))
        let mid = fit.inverse(Tensor(shape: [1, 2], data: [fit.embedding.data[14] + 0.01, fit.embedding.data[15]]), data: x)
        let gap = zip(mid.data, x.data[70..<80]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        #expect(gap < 3)  // blob radius is ~3 in 10-D
    }

    @Test func trustworthinessByHand() {
        // Six points on a line with growing gaps; the embedding moves point 5 next to point 0.
        // k = 1: only point 0 (embedded nearest: 5, original rank of 5 from 0 is 5) and point 5
        // (embedded nearest: 0, original rank of 0 from 5 is 5) are penalised, each by 5 − 1 = 4.
        // T = 1 − 2/(n k (2n − 3k − 1)) · 8 = 1 − 2/(6 · 8) · 8 = 2/3.
        let x = Tensor(shape: [6, 1], data: [0, 1, 3, 6, 10, 15])
        let y = Tensor(shape: [6, 1], data: [0, 1, 3, 6, 10, -0.5])
        #expect(abs(EmbeddingQuality.trustworthiness(original: x, embedding: y, k: 1) - 2.0 / 3.0) < 1e-9)
    }

    @Test func duplicatePointsGiveAWellDefinedResult() {
        // All points equal: UMAP still returns finite coordinates, and trustworthiness stays in [0, 1].
        let x = Tensor(shape: [40, 3], repeating: 1)
        var options = UMAPOptions()
        options.epochs = 50
        let y = UMAP.fit(x, options: options).embedding
        #expect(y.data.allSatisfy { $0.isFinite })
        let t = EmbeddingQuality.trustworthiness(original: x, embedding: y, k: 5)
        #expect(t >= 0 && t <= 1, "trustworthiness \(t)")
    }

    @Test func trustworthinessIsOneForTheIdentityAndLowForNoise() {
        let (x, _) = Self.blobs(perClass: 20)
        #expect(abs(EmbeddingQuality.trustworthiness(original: x, embedding: x, k: 10) - 1) < 1e-9)
        #expect(EmbeddingQuality.neighborPreservation(original: x, embedding: x, k: 10) == 1)
        var rng = SeededRNG(seed: 5)
        let noise = Tensor.randomNormal(shape: [200, 2], using: &rng)
        let t = EmbeddingQuality.trustworthiness(original: x, embedding: noise, k: 10)
        #expect(t < 0.6, "random embedding trustworthiness \(t)")
    }
}
