import Foundation
@testable import LatentCore
import Testing

/// The vectorised exp, sigmoid and SiLU against libm, over the whole useful range and its edges.
@Suite struct VectorMathTests {
    /// Values from -100 to 100, denser near 0, plus the clamp edges, zeros and an odd length (a tail
    /// that does not fill a vector).
    static let inputs: [Float] = {
        var v: [Float] = [-100, -87.3, -87, -20, -1e-30, 0, -0, 1e-30, 20, 88, 88.37, 100]
        var rng = SeededRNG(seed: 3)
        for _ in 0..<4001 { v.append((rng.nextFloat() * 2 - 1) * (rng.nextFloat() < 0.5 ? 5 : 88)) }
        return v
    }()

    func applied(_ f: (UnsafeMutableBufferPointer<Float>) -> Void) -> [Float] {
        var v = Self.inputs
        v.withUnsafeMutableBufferPointer { f($0) }
        return v
    }

    @Test func expIsWithinTwoUlpOfLibm() {
        for (x, y) in zip(Self.inputs, applied(VectorMath.exp)) {
            let want = expf(min(max(x, -87.3), 88.37))
            #expect(abs(y - want) <= 2 * want.ulp, "exp(\(x)) = \(y), libm \(want)")
        }
    }

    @Test func sigmoidAndSiLUMatchTheirDefinitions() {
        for (x, y) in zip(Self.inputs, applied(VectorMath.sigmoid)) {
            let want = 1 / (1 + Double(exp(-Double(x))))
            #expect(abs(Double(y) - want) <= 2e-7, "sigmoid(\(x)) = \(y), want \(want)")
            #expect(y >= 0 && y <= 1)
        }
        for (x, y) in zip(Self.inputs, applied(VectorMath.silu)) {
            let want = Double(x) / (1 + exp(-Double(x)))
            #expect(abs(Double(y) - want) <= 2e-7 * max(1, abs(want)), "silu(\(x)) = \(y), want \(want)")
        }
    }

    @Test func nanStaysNaNAndEmptyBuffersAreFine() {
        var v: [Float] = [.nan, 1]
        v.withUnsafeMutableBufferPointer { VectorMath.sigmoid($0) }
        #expect(v[0].isNaN && abs(v[1] - 0.7310586) < 1e-6)
        var empty: [Float] = []
        empty.withUnsafeMutableBufferPointer { VectorMath.exp($0) }
        #expect(empty.isEmpty)
    }
}
