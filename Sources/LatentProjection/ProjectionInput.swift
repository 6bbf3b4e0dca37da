import LatentCore

/// What every projection (PCA, UMAP, t-SNE, the nearest-neighbour graph) asks of its rows: finite
/// values, small enough that squared distances stay finite in Float. Checked once where a matrix enters
/// (`latent project`, the explorer's latents), so that the maths below never meets a NaN distance.
public enum ProjectionInput {
    /// The largest magnitude a value may have: with it, a squared distance over 100,000 columns is
    /// still about 1e37, inside Float's range (3.4e38).
    public static let maxMagnitude: Float = 1e15

    /// What is wrong with the rows of `x` (n, d), or nil: the first non-finite or too large value.
    public static func problem(_ x: Tensor) -> String? {
        let d = max(1, x.shape.last ?? 1)
        let bad = x.data.withUnsafeBufferPointer { p in p.firstIndex { !($0.magnitude <= maxMagnitude) } }
        guard let bad else { return nil }
        let v = x.data[bad]
        return v.isFinite ? "row \(bad / d + 1), column \(bad % d + 1) holds \(v): projections take values up to 1e15 in magnitude"
                          : "row \(bad / d + 1), column \(bad % d + 1) holds a non-finite value (\(v))"
    }
}
