import LatentNN

/// A set of directions through the latent as the slider panel shows it (from `DirectionSet`): unit rows
/// over the flattened latent, strongest first, each slider one standard deviation of the data along it.
public struct LatentDirections: Equatable, Sendable {
    public var method: DirectionSet.Method
    public var rows: [[Float]]
    /// The method's strength of each direction (`unit` says what it measures).
    public var scores: [Double]
    public var std: [Double]
    /// PCA: the fraction of the variance each explains.
    public var explained: [Double]?
    /// Where the sliders' 0 is: the data's mean μ (PCA), the point the set was made at (local PCA, the
    /// Jacobian), A (A → B).
    public var base: [Float]
    /// The latent a local PCA or Jacobian set was made at; it is made again once z moves far from it.
    public var origin: [Float]?
    public var unit: String
    /// Names for the directions when the method's own (`pc1`, …) say too little: the classes of
    /// attribute vectors.
    public var names: [String] = []

    public init(method: DirectionSet.Method, rows: [[Float]], scores: [Double], std: [Double], explained: [Double]?,
                base: [Float], origin: [Float]?, unit: String, names: [String] = []) {
        self.names = names
        self.method = method
        self.rows = rows
        self.scores = scores
        self.std = std
        self.explained = explained
        self.base = base
        self.origin = origin
        self.unit = unit
    }

    public var count: Int { rows.count }

    /// z's place along direction `i`, in standard deviations from `base`: the slider's value.
    public func position(of z: [Float], along i: Int) -> Float {
        guard rows.indices.contains(i), z.count == base.count else { return 0 }
        var s: Float = 0
        for j in z.indices { s += (z[j] - base[j]) * rows[i][j] }
        return std[i] > 0 ? s / Float(std[i]) : 0
    }

    /// z moved along direction `i` by `units` standard deviations.
    public func moved(_ z: [Float], along i: Int, by units: Float) -> [Float] {
        guard rows.indices.contains(i) else { return z }
        let step = units * Float(std[i])
        return zip(z, rows[i]).map { $0 + step * $1 }
    }

    /// How the panel names direction `i` (`pc1`, `j1`, …).
    public func name(_ i: Int) -> String {
        if let given = names[safe: i] { return given }
        return switch method {
        case .raw: "z\(i)"
        case .pca: "pc\(i + 1)"
        case .local: "lp\(i + 1)"
        case .jacobian: "j\(i + 1)"
        case .attribute: rows.count == 1 ? "A→B" : "→\(i)"
        }
    }

    /// Whether z has moved far enough from where a local set was made that it no longer describes z's
    /// neighbourhood: a quarter of a unit per dimension, as a root mean square.
    public func isStale(at z: [Float]) -> Bool {
        guard let origin, origin.count == z.count, !z.isEmpty else { return false }
        let squares = zip(z, origin).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return (squares / Float(z.count)).squareRoot() > 0.25
    }
}

/// One direction as a manifold axis: −3σ … +3σ along it from where z is, the other axis and the rest
/// of z held.
public struct DirectionAxis: Equatable, Sendable {
    public var name: String
    public var row: [Float]
    public var std: Float
    public var base: [Float]

    public init(_ d: LatentDirections, _ i: Int) {
        name = d.name(i)
        row = d.rows[i]
        std = Float(d.std[i])
        base = d.base
    }

    /// z with its place along the axis set to `units` standard deviations from the base.
    public func placing(_ z: [Float], at units: Float) -> [Float] {
        guard row.count == z.count, base.count == z.count, std > 0 else { return z }
        var at: Float = 0
        for j in z.indices { at += (z[j] - base[j]) * row[j] }
        let step = units * std - at
        return zip(z, row).map { $0 + step * $1 }
    }
}

/// What the engine needs to make a direction set.
public struct DirectionRequest: Equatable, Sendable {
    public var method: DirectionSet.Method
    public var z: [Float]
    public var label: Int?
    /// The dataset's μ (PCA, local PCA, every set's standard deviations); empty before it is encoded.
    public var mus: [[Float]]
    public var a: [Float]?, b: [Float]?
    /// The data's labels (class-mean attribute vectors when A and B are not marked).
    public var labels: [Int] = []
    public var count: Int
}

extension DirectionSet.Method {
    /// As the panel's title says it.
    public var title: String {
        switch self {
        case .raw: "raw dimensions"
        case .pca: "PCA of the data's μ"
        case .local: "local PCA around z"
        case .jacobian: "decoder Jacobian at z"
        case .attribute: "attribute vectors"
        }
    }
}

extension VAEState {
    /// The direction set the sliders move along (nil: the latent's own dimensions, or a set being made).
    public var shownDirections: LatentDirections? {
        guard directionMethod != .raw, let d = directions, d.method == directionMethod, d.base.count == latentDim else { return nil }
        return d
    }

    /// The most directions a set shows: the strongest 16 (or every dimension of a smaller latent).
    public static let maxDirections = 16
}
