import LatentCore
@testable import LatentProjection
import Testing

@Suite struct PCATests {
    @Test func recoversAHandMadeRankTwoSet() throws {
        // Points on the plane spanned by u = (1, 1, 0, 0)/√2 and v = (0, 0, 3, 4)/5, offset by m. The
        // coordinates come in sign-flipped quadruples, so they are exactly uncorrelated and the sample
        // covariance's axes are exactly u and v (variance ≈ 9 along u, ≈ 1 along v).
        let u: [Float] = [1, 1, 0, 0].map { $0 / Float(2).squareRoot() }, v: [Float] = [0, 0, 0.6, 0.8]
        let m: [Float] = [1, 2, 3, 4]
        var rng = SeededRNG(seed: 1)
        let n = 500
        var x = Tensor(zeros: [n, 4])
        var coords: [(Float, Float)] = []  // one (a, b) per quadruple
        for i in 0..<n {
            if i % 4 == 0 { coords.append((3 * rng.nextNormal(), rng.nextNormal())) }
            let (a0, b0) = coords[i / 4]
            let a = i % 2 == 0 ? a0 : -a0, b = (i / 2) % 2 == 0 ? b0 : -b0
            for j in 0..<4 { x.data[i * 4 + j] = m[j] + a * u[j] + b * v[j] }
        }
        let pca = try PCA.fit(x, components: 2)
        let c = pca.components.data
        let cosU: Float = zip(c[0..<4], u).map { $0 * $1 }.reduce(0, +)
        let cosV: Float = zip(c[4..<8], v).map { $0 * $1 }.reduce(0, +)
        #expect(abs(abs(cosU) - 1) < 1e-4)   // first axis is ±u
        #expect(abs(abs(cosV) - 1) < 1e-4)   // second is ±v
        #expect(pca.explainedVariance[0] > 7 && pca.explainedVariance[0] < 11)
        #expect(abs(pca.explainedVarianceRatio.reduce(0, +) - 1) < 1e-5)      // rank 2: nothing left over
        let back = pca.inverse(pca.transform(x))
        let worst: Float = zip(back.data, x.data).map { abs($0 - $1) }.max() ?? 1
        #expect(worst < 1e-4)
        // largest-magnitude entry of every axis is positive
        for k in 0..<2 {
            let largest: Float = c[(k * 4)..<(k * 4 + 4)].max(by: { abs($0) < abs($1) }) ?? 0
            #expect(largest > 0)
        }
    }

    @Test func chunkedFitMatchesADoublePrecisionReferenceAtAnyThreadCount() throws {
        // 9,000 rows (three chunks) far from the origin: the covariance must not lose the small spread
        // to the large offset, and the chunk-ordered sum must not depend on the threads.
        var rng = SeededRNG(seed: 3)
        let n = 9000, d = 6
        var x = Tensor(zeros: [n, d])
        for i in 0..<n {
            let a = 2 * rng.nextNormal(), b = 0.5 * rng.nextNormal()
            for j in 0..<d { x.data[i * d + j] = 1000 + Float(j) + a * Float(j % 3) + b * Float(j % 2) + 0.01 * rng.nextNormal() }
        }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(x.data[i * d + j]) / Double(n) } }
        var cov = [Double](repeating: 0, count: d * d)
        for i in 0..<n {
            for r in 0..<d { for c in 0..<d { cov[r * d + c] += (Double(x.data[i * d + r]) - mean[r]) * (Double(x.data[i * d + c]) - mean[c]) / Double(n - 1) } }
        }
        let one = try PCA.fit(x, components: 2), two = try PCA.fit(x, components: 2, threads: 2)
        #expect(one.components == two.components && one.mean == two.mean)
        #expect(one.transform(x) == one.transform(x, threads: 2))
        for j in 0..<d { #expect(abs(Double(one.mean[j]) - mean[j]) < 1e-3) }
        // Each axis is an eigenvector of the reference covariance with the reported variance.
        for c in 0..<2 {
            let v = (0..<d).map { Double(one.components.data[c * d + $0]) }
            let cv = (0..<d).map { r in (0..<d).reduce(0.0) { $0 + cov[r * d + $1] * v[$1] } }
            for r in 0..<d { #expect(abs(cv[r] - one.explainedVariance[c] * v[r]) < 1e-3 * one.explainedVariance[0]) }
        }
    }

    @Test func moreColumnsThanRowsGoesThroughTheGramMatrix() throws {
        // 12 rows of 5,000 values (a covariance would be 5,000²): the components must still be unit
        // eigenvectors of the covariance, with its eigenvalues as variances, and orthogonal.
        var rng = SeededRNG(seed: 5)
        let n = 12, d = 5000
        var x = Tensor(zeros: [n, d])
        let u = (0..<d).map { _ in rng.nextNormal() }, w = (0..<d).map { _ in rng.nextNormal() }
        for i in 0..<n {
            let a = 3 * rng.nextNormal(), b = rng.nextNormal()
            for j in 0..<d { x.data[i * d + j] = 0.5 + a * u[j] + b * w[j] + 0.01 * rng.nextNormal() }
        }
        let pca = try PCA.fit(x, components: 2)
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(x.data[i * d + j]) / Double(n) } }
        let centred = (0..<n).map { i in (0..<d).map { Double(x.data[i * d + $0]) - mean[$0] } }
        for c in 0..<2 {
            let v = (0..<d).map { Double(pca.components.data[c * d + $0]) }
            #expect(abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
            // Cov·v = Xcᵀ(Xc·v)/(n − 1), without forming the 5,000² matrix.
            let xv = centred.map { row in zip(row, v).reduce(0.0) { $0 + $1.0 * $1.1 } }
            let cv = (0..<d).map { j in (0..<n).reduce(0.0) { $0 + centred[$1][j] * xv[$1] } / Double(n - 1) }
            let err = zip(cv, v).map { abs($0 - pca.explainedVariance[c] * $1) }.max() ?? 1
            #expect(err < 1e-3 * pca.explainedVariance[0])
        }
        let dot = (0..<d).reduce(0.0) { $0 + Double(pca.components.data[$1]) * Double(pca.components.data[d + $1]) }
        #expect(abs(dot) < 1e-4)
        #expect(pca.explainedVariance[0] > pca.explainedVariance[1])
    }

    @Test func unusableInputIsAnErrorNotATrap() {
        func message(_ x: Tensor, _ k: Int = 1) -> String? {
            do { _ = try PCA.fit(x, components: k); return nil } catch { return "\(error)" }
        }
        #expect(message(Tensor(shape: [3, 2], data: [0, 1, .nan, 3, 4, 5]))?.contains("row 2, column 1") == true)
        #expect(message(Tensor(shape: [3, 2], data: [0, 1, .infinity, 3, 4, 5])) != nil)
        #expect(message(Tensor(zeros: [4, 0]))?.contains("at least one column") == true)
        #expect(message(Tensor(zeros: [1, 3]))?.contains("two rows") == true)
        #expect(message(Tensor(zeros: [5, 3]), 4) != nil)
        #expect(message(Tensor(zeros: [5000, 5000]), 2)?.contains("eigenproblem") == true)
    }

    @Test func nearestNeighboursAndLabelAccuracy() {
        // Two tight clusters far apart: every neighbour of a point is in its own cluster.
        var rng = SeededRNG(seed: 2)
        var x = Tensor(zeros: [40, 3])
        var labels: [Int] = []
        for i in 0..<40 {
            let c = i % 2
            labels.append(c)
            for j in 0..<3 { x.data[i * 3 + j] = Float(c * 10) + 0.1 * rng.nextNormal() }
        }
        let nb = ExactNeighbors.query(x, k: 5)
        #expect(nb.enumerated().allSatisfy { i, list in !list.contains(i) && list.allSatisfy { labels[$0] == labels[i] } })
        #expect(ExactNeighbors.labelAccuracy(x, labels: labels, k: 5) == 1)
        // Labels that ignore the clusters cannot be predicted from them.
        let scrambled = (0..<40).map { $0 < 20 ? 0 : 1 }
        #expect(ExactNeighbors.labelAccuracy(x, labels: scrambled, k: 5) < 0.8)
    }
}
