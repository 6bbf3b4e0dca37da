import LatentCore

/// A set of directions through a continuous latent: unit rows over the flattened latent (a [C, h, w]
/// latent in C, h, w order, as everywhere else), strongest first, each with the method's score and the
/// data's standard deviation along it. Raw dimensions are the identity set, so a slider panel, a
/// manifold's axes or `latent directions` take any set the same way.
public struct DirectionSet: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        /// The latent's own axes.
        case raw
        /// Principal axes of the data's μ (GANSpace).
        case pca
        /// Principal axes of the k data latents nearest a point.
        case local
        /// Top right-singular vectors of the decoder's Jacobian ∂x̂/∂z at a point.
        case jacobian
        /// A class-mean difference, or the line from one latent to another.
        case attribute
    }

    public let method: Method
    /// (k, d): unit rows, strongest first.
    public let directions: Tensor
    /// The method's strength of each direction, largest first: the variance along it (`raw`, `pca`,
    /// `local`), the image change per unit of z (`jacobian`, see `scoreUnit`), the length of the
    /// difference it was made from (`attribute`).
    public let scores: [Double]
    /// The data's standard deviation along each direction: one slider unit. 1 where no data was given.
    public private(set) var std: [Double]
    /// For `pca` and `local`: the fraction of the (local) data's total variance along each direction.
    public let explained: [Double]?
    /// The latent the set belongs to (`local`, `jacobian`): a set made elsewhere is stale once z moves far.
    public let origin: [Float]?

    /// `directions` (k, d) are normalised here, so a caller's rounding never makes a slider unit drift.
    public init(method: Method, directions: Tensor, scores: [Double], std: [Double]? = nil,
                explained: [Double]? = nil, origin: [Float]? = nil) {
        precondition(directions.rank == 2, "directions are (k, d) rows, got \(directions.shape)")
        let k = directions.shape[0], d = directions.shape[1]
        precondition(scores.count == k && (std?.count ?? k) == k && (explained?.count ?? k) == k, "one score per direction")
        precondition(origin.map { $0.count == d } ?? true, "the origin has \(origin?.count ?? 0) values, the directions \(d)")
        var rows = directions
        for r in 0..<k {
            let row = rows.data[(r * d)..<((r + 1) * d)]
            let norm = row.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            precondition(norm > 0 && norm.isFinite, "direction \(r) has length \(norm)")
            for j in 0..<d { rows.data[r * d + j] /= norm }
        }
        self.method = method
        self.directions = rows
        self.scores = scores
        self.std = std ?? Array(repeating: 1, count: k)
        self.explained = explained
        self.origin = origin
    }

    public var count: Int { directions.shape[0] }
    /// Width of the flattened latent.
    public var dimension: Int { directions.shape[1] }

    /// What `scores` measure, for a legend.
    public var scoreUnit: String {
        switch method {
        case .raw, .pca, .local: "variance"
        case .jacobian: "pixels per unit"
        case .attribute: "length"
        }
    }

    public func direction(_ i: Int) -> [Float] {
        Array(directions.data[(i * dimension)..<((i + 1) * dimension)])
    }

    /// z moved along direction `i` by `units` of the data's standard deviation along it: a slider step.
    public func moved(_ z: [Float], along i: Int, by units: Double) -> [Float] {
        precondition(z.count == dimension, "z has \(z.count) values, the directions \(dimension)")
        let step = Float(units * std[i])
        var out = z
        for j in 0..<dimension { out[j] += step * directions.data[i * dimension + j] }
        return out
    }

    /// Where z sits along each direction from `base`, in standard deviations: the sliders' positions.
    public func position(of z: [Float], from base: [Float]) -> [Double] {
        precondition(z.count == dimension && base.count == dimension, "z and base need \(dimension) values")
        return (0..<count).map { i in
            var s = 0.0
            for j in 0..<dimension { s += Double(z[j] - base[j]) * Double(directions.data[i * dimension + j]) }
            return std[i] > 0 ? s / std[i] : 0
        }
    }

    /// The same set with `std` measured on `latents` (n, d), n ≥ 2: the spread of their projections.
    /// A direction along which the data does not vary keeps a unit of 1, so its slider still moves.
    public func withStd(of latents: Tensor) -> DirectionSet {
        var copy = self
        copy.std = Self.spread(of: latents, along: directions).map { $0 > 0 ? $0 : 1 }
        return copy
    }

    /// Sample standard deviation (n − 1) of the rows of `x` (n, d) projected on each row of `rows` (k, d).
    static func spread(of x: Tensor, along rows: Tensor) -> [Double] {
        precondition(x.rank == 2 && x.shape[1] == rows.shape[1], "latents \(x.shape) for directions \(rows.shape)")
        let n = x.shape[0], k = rows.shape[0]
        guard n >= 2 else { return Array(repeating: 0, count: k) }
        let p = x.matmul(rows, transposeOther: true)  // (n, k)
        return (0..<k).map { c in
            var s = 0.0, s2 = 0.0
            for i in 0..<n { let v = Double(p.data[i * k + c]); s += v; s2 += v * v }
            let mean = s / Double(n)
            return (max(0, s2 - Double(n) * mean * mean) / Double(n - 1)).squareRoot()
        }
    }

    /// The latent's own axes; with `latents`, the variance along each as its score (in the latent's
    /// order: raw dimensions are not re-sorted, so slider i stays dimension i).
    public static func raw(dimension d: Int, latents: Tensor? = nil) -> DirectionSet {
        var eye = Tensor(zeros: [d, d])
        for i in 0..<d { eye.data[i * d + i] = 1 }
        let measured: [Double]? = latents.map { Self.spread(of: $0, along: eye) }
        return DirectionSet(method: .raw, directions: eye, scores: measured?.map { $0 * $0 } ?? Array(repeating: 1, count: d),
                            std: measured?.map { $0 > 0 ? $0 : 1 })
    }
}

/// Why a direction set could not be made, said for the person who asked for it.
public struct DirectionError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
