extension Explorer {
    /// From this many data latents on, the nearest ones to an opened image are found in the background
    /// (a pass over a million 10-D latents takes longer than a frame).
    static let neighboursInFrameLimit = 50_000

    /// The `count` data latents nearest `z` (Euclidean), other than image `excluding`, nearest first.
    static func nearestData(_ mus: [[Float]], to z: [Float], excluding: Int?, count: Int = 5) -> [(index: Int, distance: Float)] {
        var best: [(index: Int, distance: Float)] = []
        for (i, mu) in mus.enumerated() where i != excluding && mu.count == z.count {
            var s: Float = 0
            for j in z.indices { let d = mu[j] - z[j]; s += d * d }
            if best.count < count || s < best[best.count - 1].distance {
                best.append((i, s))
                best.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.index < $1.index) }
                if best.count > count { best.removeLast() }
            }
        }
        return best.map { ($0.index, $0.distance.squareRoot()) }
    }
}
