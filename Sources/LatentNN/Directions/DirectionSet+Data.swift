import LatentCore
import LatentProjection

// MARK: Directions found in the data's latents

extension DirectionSet {
    /// Global PCA of the data's μ (n, d) (Härkönen et al., 2020, GANSpace): the `count` axes of largest
    /// variance, with the fraction of the total variance each explains.
    public static func globalPCA(of latents: Tensor, count: Int, threads: Int = 1) throws -> DirectionSet {
        let (n, d) = try checked(latents)
        // Centred data of n rows has rank n − 1 at most: axes past it carry nothing and have no direction.
        let k = min(count, d, n - 1)
        guard k >= 1 else { throw DirectionError("PCA directions need at least \(count < 1 ? "one direction" : "two latents")") }
        let pca = try fitPCA(latents, components: k, threads: threads)
        return DirectionSet(method: .pca, directions: pca.components, scores: pca.explainedVariance,
                            std: pca.explainedVariance.map { $0 > 0 ? $0.squareRoot() : 1 }, explained: pca.explainedVarianceRatio)
    }

    /// Local PCA: the axes of the `neighbours` data latents nearest `z` (Euclidean), which follow the
    /// data's manifold where it curves (a global PCA averages its bends away). `std` is the data's
    /// spread along each axis over all of `latents`, as for every other set.
    public static func localPCA(of latents: Tensor, around z: [Float], neighbours: Int, count: Int) throws -> DirectionSet {
        let (n, d) = try checked(latents)
        guard z.count == d else { throw DirectionError("z has \(z.count) values; the latents have \(d)") }
        guard neighbours >= 2 else { throw DirectionError("local PCA needs at least 2 neighbours, got \(neighbours)") }
        let near = nearest(latents, to: z, count: min(neighbours, n))
        var rows = Tensor.uninitialized(shape: [near.count, d])
        for (r, i) in near.enumerated() { rows.data.replaceSubrange((r * d)..<((r + 1) * d), with: latents.data[(i * d)..<((i + 1) * d)]) }
        let k = min(count, d, near.count - 1)
        guard k >= 1 else { throw DirectionError("local PCA needs at least one direction") }
        let pca = try fitPCA(rows, components: k, threads: 1)
        return DirectionSet(method: .local, directions: pca.components, scores: pca.explainedVariance,
                            explained: pca.explainedVarianceRatio, origin: z).withStd(of: latents)
    }

    /// Indices of the `count` rows of `x` (n, d) nearest `z`, nearest first (ties by index).
    static func nearest(_ x: Tensor, to z: [Float], count: Int) -> [Int] {
        let n = x.shape[0], d = x.shape[1]
        let dist = x.data.withUnsafeBufferPointer { p in
            (0..<n).map { i in
                var s: Float = 0
                for j in 0..<d { let v = p[i * d + j] - z[j]; s += v * v }
                return s
            }
        }
        return Array((0..<n).sorted { dist[$0] < dist[$1] || (dist[$0] == dist[$1] && $0 < $1) }.prefix(count))
    }

    /// The attribute vector of two classes (White, 2016): mean μ of class `b` minus mean μ of class `a`,
    /// as one direction whose score is the distance between the means.
    public static func attribute(of latents: Tensor, labels: [Int], from a: Int, to b: Int) throws -> DirectionSet {
        let (n, d) = try checked(latents, minimumRows: 1)
        guard labels.count == n else { throw DirectionError("\(labels.count) labels for \(n) latents") }
        guard a != b else { throw DirectionError("an attribute vector needs two different classes, got \(a) twice") }
        func mean(_ c: Int) throws -> [Double] {
            var sum = [Double](repeating: 0, count: d), members = 0
            for i in 0..<n where labels[i] == c {
                members += 1
                for j in 0..<d { sum[j] += Double(latents.data[i * d + j]) }
            }
            guard members > 0 else { throw DirectionError("no latent has class \(c)") }
            return sum.map { $0 / Double(members) }
        }
        let ma = try mean(a), mb = try mean(b)
        let set = try between((0..<d).map { Float(ma[$0]) }, (0..<d).map { Float(mb[$0]) }, difference: zip(mb, ma).map { $0 - $1 })
        return set.withStd(of: latents)
    }

    /// The direction from latent `a` to latent `b` (two bookmarks, two marks), scored by their distance.
    public static func between(_ a: [Float], _ b: [Float]) throws -> DirectionSet {
        try between(a, b, difference: zip(b, a).map { Double($0) - Double($1) })
    }

    private static func between(_ a: [Float], _ b: [Float], difference: [Double]) throws -> DirectionSet {
        guard a.count == b.count, !a.isEmpty else { throw DirectionError("A has \(a.count) values and B \(b.count)") }
        let length = difference.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard length > 0, length.isFinite else { throw DirectionError("A and B are the same latent: there is no direction between them") }
        return DirectionSet(method: .attribute, directions: Tensor(shape: [1, a.count], data: difference.map { Float($0 / length) }),
                            scores: [length])
    }

    private static func checked(_ latents: Tensor, minimumRows: Int = 2) throws -> (n: Int, d: Int) {
        guard latents.rank == 2, latents.shape[1] >= 1 else { throw DirectionError("latents must be (n, d), got \(latents.shape)") }
        guard latents.shape[0] >= minimumRows else { throw DirectionError("need at least \(minimumRows) latents, got \(latents.shape[0])") }
        if let bad = latents.data.firstIndex(where: { !$0.isFinite }) {
            throw DirectionError("latent \(bad / latents.shape[1]) holds \(latents.data[bad])")
        }
        return (latents.shape[0], latents.shape[1])
    }

    private static func fitPCA(_ x: Tensor, components: Int, threads: Int) throws -> PCA {
        do { return try PCA.fit(x, components: components, threads: threads) } catch let e as PCAError { throw DirectionError(e.description) }
    }
}
