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

    @Test(arguments: [0, 1, 7, 8, 9, 1000, 4099])
    func sumAgreesWithADoubleSum(count: Int) {
        var rng = SeededRNG(seed: UInt64(count))
        let x = (0..<count).map { _ in rng.nextFloat() * 2 - 1 }
        let want = x.reduce(0.0) { $0 + Double($1) }
        let got = x.withUnsafeBufferPointer { VectorMath.sum($0.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: count) }
        #expect(abs(Double(got) - want) <= 1e-6 * Double(max(count, 1)), "Σ of \(count): \(got) vs \(want)")
    }

    @Test func reluAndItsBackwardFollowTheOutput() {
        let x: [Float] = [-2, -0.0, 0, 0.5, .nan, 3, -1e-30, 1e-30, 7]
        var y = [Float](repeating: 9, count: x.count)
        x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { VectorMath.relu(xb, into: $0.baseAddress!) } }
        #expect(Array(y[0..<4]) == [0, 0, 0, 0.5] && y[4].isNaN && Array(y[5...]) == [3, 0, 1e-30, 7])
        let dy: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        var dx = [Float](repeating: 9, count: x.count)
        y.withUnsafeBufferPointer { yb in
            dy.withUnsafeBufferPointer { g in dx.withUnsafeMutableBufferPointer { VectorMath.reluBackward(output: yb.baseAddress!, g, into: $0.baseAddress!) } }
        }
        #expect(dx == [0, 0, 0, 4, 0, 6, 0, 8, 9])
    }
}
