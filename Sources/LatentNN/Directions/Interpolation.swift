import Foundation

/// Paths between two latents: straight, or along the great circle (slerp, Shoemake 1985; White 2016),
/// which keeps ‖z‖ between ‖a‖ and ‖b‖ where a straight line through a Gaussian's hollow middle
/// passes points the prior almost never draws.
public enum Interpolation: String, Sendable, CaseIterable {
    case linear, spherical

    /// The point at t ∈ [0, 1] from a to b. Spherical interpolation turns the direction by angle·t and
    /// blends the norms linearly, so it ends exactly at a and b even when their norms differ; for
    /// (anti)parallel or zero latents it falls back to the straight line, the only path they define.
    public func point(from a: [Float], to b: [Float], at t: Double) -> [Float] {
        precondition(a.count == b.count, "a has \(a.count) values, b \(b.count)")
        let linear = zip(a, b).map { Float((1 - t) * Double($0) + t * Double($1)) }
        guard self == .spherical else { return linear }
        let na = Self.norm(a), nb = Self.norm(b)
        guard na > 0, nb > 0 else { return linear }
        let cosine = max(-1, min(1, zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } / (na * nb)))
        let omega = acos(cosine)
        guard omega > 1e-6, Double.pi - omega > 1e-6 else { return linear }
        let s = sin(omega), wa = sin((1 - t) * omega) / s, wb = sin(t * omega) / s
        let radius = (1 - t) * na + t * nb
        return zip(a, b).map { Float(radius * (wa * Double($0) / na + wb * Double($1) / nb)) }
    }

    /// `steps` + 1 points from a to b, both ends included.
    public func path(from a: [Float], to b: [Float], steps: Int) -> [[Float]] {
        precondition(steps >= 1, "a path needs at least one step")
        return (0...steps).map { point(from: a, to: b, at: Double($0) / Double(steps)) }
    }

    /// Length of a polyline through `points`: the path's length in latent units.
    public static func length(of points: [[Float]]) -> Double {
        zip(points, points.dropFirst()).reduce(0) { total, pair in
            total + zip(pair.0, pair.1).reduce(0.0) { let d = Double($1.0) - Double($1.1); return $0 + d * d }.squareRoot()
        }
    }

    static func norm(_ v: [Float]) -> Double { v.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() }
}
