import CKernels
import Foundation
import LatentCore
@testable import LatentProjection
import Testing

@Suite struct TSNEFFTTests {
    /// Points in a few Gaussian clumps of different spreads, as a t-SNE map has them mid-run.
    static func clumps(_ n: Int, spread: Float, seed: UInt64 = 5) -> [Float] {
        var rng = SeededRNG(seed: seed)
        let centres = (0..<6).map { _ in (rng.nextNormal() * spread, rng.nextNormal() * spread) }
        return (0..<n).flatMap { i -> [Float] in
            let c = centres[i % 6], s: Float = i % 2 == 0 ? 1 : 3
            return [c.0 + s * rng.nextNormal(), c.1 + s * rng.nextNormal()]
        }
    }

    static func exactRepulsion(_ y: [Float]) -> (rep: [Double], z: Double) {
        let n = y.count / 2
        var rep = [Double](repeating: 0, count: 2 * n), z = 0.0
        for i in 0..<n {
            for j in 0..<n where j != i {
                let d0 = Double(y[2 * i] - y[2 * j]), d1 = Double(y[2 * i + 1] - y[2 * j + 1])
                let q = 1 / (1 + d0 * d0 + d1 * d1)
                z += q; rep[2 * i] += q * q * d0; rep[2 * i + 1] += q * q * d1
            }
        }
        return (rep, z)
    }

    /// Where the forward pass leaves frequency k: its mixed-radix digits, reversed (radices as the C code
    /// picks them: a 2, then 4s, a 2, 3s).
    static func position(of k: Int, size: Int) -> Int {
        var radices = [2], g = size / 2
        while g % 4 == 0 { radices.append(4); g /= 4 }
        if g % 2 == 0 { radices.append(2); g /= 2 }
        while g % 3 == 0 { radices.append(3); g /= 3 }
        var rest = k, block = size, at = 0
        for r in radices { block /= r; at += (rest % r) * block; rest /= r }
        return at
    }

    @Test(arguments: [64, 48, 384, 432])
    func fftMatchesTheDirectSumAndInvertsAndEveryBuildAgrees(size: Int) {
        let ld = size + Int(CK_FIT_PAD)  // grid rows are ld floats apart
        var rng = SeededRNG(seed: 1)
        // Rows from half on are zero, as in a zero-padded grid (the first stage then skips them).
        let half = size / 2
        let re = (0..<(size * ld)).map { $0 < half * ld ? rng.nextNormal() : 0 }
        let im = (0..<(size * ld)).map { $0 < half * ld ? rng.nextNormal() : 0 }
        var wr = [Float](repeating: 0, count: size), wi = wr
        ck_fit_twiddles(&wr, &wi, size)
        for live in [size, half, 5] {
            // Rows from `live` on hold garbage the forward pass must not read.
            var outRe = re, outIm = im
            for r in min(live, half)..<half { for c in 0..<ld { outRe[r * ld + c] = 1e30; outIm[r * ld + c] = -1e30 } }
            let input = (outRe, outIm)
            ck_fit_columns(&outRe, &outIm, size, 3, 50, 0, live, wr, wi)  // partial strips at both ends
            var worst = 0.0
            for c in [3, 17, 35, 49] {
                for k in 0..<size {
                    var sr = 0.0, si = 0.0
                    for r in 0..<min(half, live) {
                        let a = -2 * Double.pi * Double(k * r) / Double(size)
                        let xr = Double(re[r * ld + c]), xi = Double(im[r * ld + c])
                        sr += xr * cos(a) - xi * sin(a); si += xr * sin(a) + xi * cos(a)
                    }
                    let at = Self.position(of: k, size: size) * ld + c
                    worst = max(worst, abs(sr - Double(outRe[at])), abs(si - Double(outIm[at])))
                }
            }
            #expect(worst < 1e-5 * Double(size), "largest difference from the direct DFT \(worst)")
            #expect(outRe[2] == re[2] && outRe[50] == re[50])  // columns outside the range are untouched
            for level in 0...ck_direct_best_level() {
                var other = input
                ck_fit_columns_at(level, &other.0, &other.1, size, 3, 50, 0, live, wr, wi)
                #expect(other.0 == outRe && other.1 == outIm, "level \(level)")  // bit for bit
            }
            // Back: rows below `live` (all of them at live = size) are the input times size.
            let spectrum = (outRe, outIm)
            ck_fit_columns(&outRe, &outIm, size, 3, 50, 1, live == 5 ? size : live, wr, wi)
            for r in [0, 4, 20, half - 1, half + 5] where r < (live == half ? half : size) {
                for c in [3, 30, 49] {
                    let expected = live == 5 && r >= 5 ? 0 : re[r * ld + c]
                    #expect(abs(outRe[r * ld + c] / Float(size) - expected) < 1e-5)
                }
            }
            for level in 0...ck_direct_best_level() {
                var other = spectrum
                ck_fit_columns_at(level, &other.0, &other.1, size, 3, 50, 1, live == 5 ? size : live, wr, wi)
                #expect(other.0 == outRe && other.1 == outIm, "level \(level)")
            }
        }
        // Along rows: the transform of the transposed grid, columns from 10 on read as zeros.
        var rowsRe = re, rowsIm = im, scratch = [Float](repeating: 0, count: 2 * size * Int(CK_FIT_STRIP))
        ck_fit_rows(&rowsRe, &rowsIm, size, 0, size, 10, size, 0, wr, wi, &scratch)
        var colRe = [Float](repeating: 0, count: size * ld), colIm = colRe
        for r in 0..<size { for c in 0..<10 { colRe[c * ld + r] = re[r * ld + c]; colIm[c * ld + r] = im[r * ld + c] } }
        ck_fit_columns(&colRe, &colIm, size, 0, size, 0, size, wr, wi)
        for r in [0, 7, 40] { for c in [0, 9, 33, size - 1] { #expect(abs(rowsRe[r * ld + c] - colRe[c * ld + r]) < 1e-4) } }
    }

    /// The grid side is the smallest 16·2^a·3^b holding twice the node grid (432 where a power of two
    /// would take 512).
    @Test func gridSideIsTheSmallestMixedRadixSideThatHoldsTheNodes() {
        let f = FFTRepulsion()
        for span: Float in [0, 3, 20, 106, 300, 1000] {
            let need = 2 * f.nodes * max(f.minBoxes, Int((span / f.maxBoxWidth).rounded(.down)) + 1)
            let sides = (4...14).flatMap { a in (0...6).map { b in (1 << a) * Int(pow(3.0, Double(b))) } }
            #expect(f.gridSize(span: span) == sides.filter { $0 >= need }.min(), "span \(span)")
        }
        #expect(f.gridSize(span: 106) == 432)
    }

    /// Boxes of width 1 (openTSNE's) and of our default width: the error grows with the box, as
    /// polynomial interpolation of 1/(1 + d²)² does over a width comparable to the kernel's scale.
    @Test(arguments: [(Float(0.5), Float(1)), (8, 1), (40, 1), (0.5, 1.5), (8, 1.5), (40, 1.5)])
    func interpolatedRepulsionIsCloseToTheExactSum(spread: Float, width: Float) throws {
        let y = Self.clumps(900, spread: spread)
        let exact = Self.exactRepulsion(y)
        var rep = [Float](repeating: 0, count: y.count)
        var f = FFTRepulsion()
        f.maxBoxWidth = width
        f.maxNodesPerPoint = .max  // the interpolation itself, on maps wider than t-SNE would hand it
        let z = try #require(f.compute(y, into: &rep, threads: 2))
        let err = zip(rep, exact.rep).map { (Double($0) - $1) * (Double($0) - $1) }.reduce(0, +).squareRoot()
        let norm = exact.rep.map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(err < (width > 1 ? 8e-2 : 2e-2) * norm, "repulsion relative error \(err / norm)")
        #expect(abs(z - exact.z) < (width > 1 ? 5e-3 : 1e-3) * exact.z, "Z relative error \(abs(z - exact.z) / exact.z)")
    }

    /// A grid of several strips per pass (the threads split strips, rows and boxes): any thread count
    /// gives the same bits.
    @Test func repulsionIsTheSameAtAnyThreadCount() {
        let y = Self.clumps(3000, spread: 40)
        var one = [Float](repeating: 0, count: y.count), two = one, three = one
        let z1 = FFTRepulsion().compute(y, into: &one, threads: 1)
        let z2 = FFTRepulsion().compute(y, into: &two, threads: 2)
        let z3 = FFTRepulsion().compute(y, into: &three, threads: 3)
        #expect(FFTRepulsion().gridSize(span: 100) >= 4 * Int(CK_FIT_STRIP))
        #expect(one == two && one == three && z1 == z2 && z1 == z3)
    }

    /// One point far away: past the largest grid the FFT declines (t-SNE then takes Barnes–Hut for that
    /// iteration), and a whole t-SNE run with such a start stays finite.
    @Test func aMapWiderThanTheLargestGridIsLeftToBarnesHut() {
        var y = Self.clumps(600, spread: 5)
        y[0] = 1e5
        var f = FFTRepulsion()
        f.maxSize = 96
        var rep = [Float](repeating: 0, count: y.count)
        #expect(f.compute(y, into: &rep, threads: 2) == nil)
        y[0] = 10
        #expect(f.compute(y, into: &rep, threads: 2) != nil)
        // Two clumps of copies far apart (a grid of 3,888² nodes for 600 points): declined.
        var clumps = [Float](repeating: 0, count: 1200)
        for t in stride(from: 600, to: 1200, by: 2) { clumps[t] = 900 }
        #expect(f.compute(clumps, into: &rep, threads: 2) == nil)
        #expect(FFTRepulsion().compute(clumps, into: &rep, threads: 2) == nil)
        // Past any grid's reach, or not a number: declined, not trapped (the side's box count was an
        // Int conversion of span / width).
        for far: Float in [1e30, .infinity, .nan] {
            y[0] = far
            #expect(FFTRepulsion().compute(y, into: &rep, threads: 2) == nil)
        }
        var x = UMAPTests.blobs(perClass: 30).x
        x.data[0] = 1e6  // one row far from the rest: its map coordinate lands far away at the start
        var options = TSNEOptions()
        options.iterations = 60
        options.repulsion = .fft
        #expect(TSNE.fit(x, options: options).embedding.data.allSatisfy { $0.isFinite })
    }
}
