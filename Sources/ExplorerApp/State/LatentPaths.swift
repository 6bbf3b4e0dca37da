import LatentNN

/// The latent points the views decode: a dimension swept, a 2-D manifold grid, a line, a morph.
/// Pure, so that the explorer's panels and `latent render` ask for the same points.
public enum LatentPaths {
    /// `count` copies of `z` with dimension `dim` stepped evenly across `range` (seed 002's "neuron progression").
    public static func progression(_ z: [Float], dim: Int, range: ClosedRange<Float>, count: Int) -> [[Float]] {
        (0..<count).map { i in
            var p = z
            p[dim] = range.lowerBound + (range.upperBound - range.lowerBound) * Float(i) / Float(max(1, count - 1))
            return p
        }
    }

    /// A `columns`×`rows` grid in raster order: dimension `dims.x` left → right across `ranges.x`,
    /// `dims.y` top → bottom from the top of `ranges.y` down (up is +, as on a plot); the rest held at `z`.
    public static func manifold(_ z: [Float], dims: (x: Int, y: Int), ranges: (x: ClosedRange<Float>, y: ClosedRange<Float>),
                                columns: Int, rows: Int) -> [[Float]] {
        let rx = ranges.x, ry = ranges.y
        var zs: [[Float]] = []
        zs.reserveCapacity(columns * rows)
        for row in 0..<rows {
            for col in 0..<columns {
                var p = z
                p[dims.x] = rx.lowerBound + (rx.upperBound - rx.lowerBound) * Float(col) / Float(max(1, columns - 1))
                p[dims.y] = ry.upperBound - (ry.upperBound - ry.lowerBound) * Float(row) / Float(max(1, rows - 1))
                zs.append(p)
            }
        }
        return zs
    }

    /// `count` ≥ 2 evenly spaced points from `a` to `b`, both ends included: on the straight line, or
    /// (`spherical`) evenly in angle along the great circle.
    public static func line(_ a: [Float], _ b: [Float], count: Int, path: LatentNN.Interpolation = .linear) -> [[Float]] {
        (0..<count).map { path.point(from: a, to: b, at: Double($0) / Double(max(1, count - 1))) }
    }

    /// Frame `frame` of the A → B → A morph of `2·half` frames, eased (smoothstep) so it lingers at the ends.
    public static func morphFrame(_ a: [Float], _ b: [Float], frame: Int, half: Int, path: LatentNN.Interpolation = .linear) -> [Float] {
        path.point(from: a, to: b, at: Double(morphPosition(frame: frame, half: half)))
    }

    /// Where frame `frame` of the A → B → A loop is between A (0) and B (1): eased (smoothstep), so the
    /// loop slows at its ends. The strip's playing mark reads this too, so it marks the frame shown.
    public static func morphPosition(frame: Int, half: Int) -> Float {
        let f = frame < half ? frame : 2 * half - frame
        let t = Float(f) / Float(half)
        return t * t * (3 - 2 * t)
    }

    /// The whole loop: frames 0 ..< 2·half (A, …, B, …, one step before A).
    public static func morph(_ a: [Float], _ b: [Float], half: Int, path: LatentNN.Interpolation = .linear) -> [[Float]] {
        (0..<(2 * half)).map { morphFrame(a, b, frame: $0, half: half, path: path) }
    }

    public static func lerp(_ a: [Float], _ b: [Float], _ t: Float) -> [Float] { zip(a, b).map { $0 + ($1 - $0) * t } }
}
