import CKernels
import Foundation
import LatentCore
import Testing

/// The C layout epoch (`ck_umap_layout_epoch`) against a plain reference written from its contract, and
/// its CPU- and split-independence.
@Suite struct UMAPLayoutKernelTests {
    /// A random graph with the layout's state: n points, 3–12 edges each (a few never sampled), one
    /// pair of coincident points.
    struct Case {
        var n: Int
        var position: [Float]
        var offsets: [Int] = [0]
        var columns: [Int32] = []
        var period: [Float] = []
        var due: [Float] = []
        var owed: [Float] = []
        let a: Float = 1.577, b: Float = 0.895, rate: Float = 5, seed: UInt64 = 7

        init(n: Int, seed: UInt64) {
            self.n = n
            var rng = SeededRNG(seed: seed)
            position = (0..<(2 * n)).map { _ in 8 * rng.nextFloat() - 4 }
            position[2] = position[0]; position[3] = position[1]  // points 0 and 1 coincide
            for i in 0..<n {
                for _ in 0..<(3 + rng.nextInt(below: 10)) {
                    var j = rng.nextInt(below: n)
                    if j == i { j = (j + 1) % n }
                    columns.append(Int32(j))
                    let eps: Float = rng.nextInt(below: 8) == 0 ? -1 : 1 + 3 * rng.nextFloat()
                    period.append(eps)
                    due.append(eps > 0 ? eps : .infinity)
                    owed.append(eps / rate)
                }
                offsets.append(columns.count)
            }
        }

        /// One epoch through the kernel (`run` is the dispatching or the baseline entry), over the given
        /// point ranges: the steps, and the clocks afterwards.
        mutating func kernel(epoch: Int, alpha: Float, ranges: [Range<Int>],
                             run: (UnsafePointer<ck_umap_layout>, Int, Float, Int, Int) -> Int32 = ck_umap_layout_epoch) -> [Float] {
            var step = [Float](repeating: .nan, count: 2 * n)
            let pad = Int(CK_UMAP_LAYOUT_PAD)
            var cols = columns + [Int32](repeating: 0, count: pad), eps = period + [Float](repeating: -1, count: pad)
            var dueP = due + [Float](repeating: .infinity, count: pad), owedP = owed + [Float](repeating: 0, count: pad)
            let offs = offsets, pos = position, (n, a, b, rate, seed) = (n, a, b, rate, seed)
            step.withUnsafeMutableBufferPointer { st in
                cols.withUnsafeMutableBufferPointer { c in
                    eps.withUnsafeMutableBufferPointer { e in
                        dueP.withUnsafeMutableBufferPointer { d in
                            owedP.withUnsafeMutableBufferPointer { o in
                                offs.withUnsafeBufferPointer { of in
                                    pos.withUnsafeBufferPointer { p in
                                        var layout = ck_umap_layout(
                                            position: p.baseAddress, step: st.baseAddress, offsets: of.baseAddress,
                                            columns: c.baseAddress, epochs_per_sample: e.baseAddress,
                                            next_sample: d.baseAddress, next_negative: o.baseAddress, n: n, a: a, b: b,
                                            negative_rate: rate, seed: seed)
                                        for r in ranges { #expect(run(&layout, epoch, alpha, r.lowerBound, r.upperBound) == 1) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            due = Array(dueP.prefix(columns.count)); owed = Array(owedP.prefix(columns.count))
            #expect(eps.suffix(pad).allSatisfy { $0 == -1 } && dueP.suffix(pad).allSatisfy { $0 == .infinity })
            return step
        }

        /// The same epoch from the contract, in doubles with libm's pow, one edge and one sample at a time.
        mutating func reference(epoch: Int, alpha: Float) -> [Double] {
            var step = [Double](repeating: 0, count: 2 * n)
            let e = Float(epoch), A = Double(a), B = Double(b)
            func clip(_ v: Double) -> Double { min(4, max(-4, v)) }
            for i in 0..<n {
                let yi = (Double(position[2 * i]), Double(position[2 * i + 1]))
                var g = (0.0, 0.0), negatives = 0
                for s in offsets[i]..<offsets[i + 1] where due[s] <= e {
                    let j = Int(columns[s])
                    let d = (yi.0 - Double(position[2 * j]), yi.1 - Double(position[2 * j + 1]))
                    let dsq = d.0 * d.0 + d.1 * d.1
                    if dsq > 0 {
                        let pw = pow(dsq, B), coeff = -2 * A * B * pw / (dsq * (A * pw + 1))
                        g.0 += clip(coeff * d.0); g.1 += clip(coeff * d.1)
                    }
                    due[s] += period[s]
                    let negEps = period[s] / rate
                    let samples = max(0, Int((e - owed[s]) / negEps))
                    owed[s] += Float(samples) * negEps
                    negatives += samples
                }
                // Every point of a group of 32 draws from the start of the group's one stream.
                let key = UInt32(truncatingIfNeeded: Self.streamKey(seed: seed, epoch: epoch, group: i / 32))
                for c in 0..<negatives {
                    var x = key &+ UInt32(truncatingIfNeeded: c) &* 0x9E37_79B9
                    x ^= x >> 16; x &*= 0x7FEB_352D; x ^= x >> 15; x &*= 0x846C_A68B; x ^= x >> 16
                    let k = Int((UInt64(x) * UInt64(n)) >> 32)
                    if k == i { continue }
                    let q = (yi.0 - Double(position[2 * k]), yi.1 - Double(position[2 * k + 1]))
                    let qsq = q.0 * q.0 + q.1 * q.1
                    if qsq > 0 {
                        let coeff = 2 * B / ((0.001 + qsq) * (A * pow(qsq, B) + 1))
                        g.0 += clip(coeff * q.0); g.1 += clip(coeff * q.1)
                    } else {
                        g.0 += 4; g.1 += 4
                    }
                }
                step[2 * i] = g.0 * Double(alpha); step[2 * i + 1] = g.1 * Double(alpha)
            }
            return step
        }

        static func streamKey(seed: UInt64, epoch: Int, group: Int) -> UInt64 {
            var z = seed &+ (UInt64(epoch) << 32 | UInt64(group)) &* 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func epochMatchesThePlainReference() {
        var kernel = Case(n: 300, seed: 3), reference = kernel
        var pushedApart = false
        for epoch in 0..<6 {
            let alpha = 1 - Float(epoch) / 10
            let got = kernel.kernel(epoch: epoch, alpha: alpha, ranges: [0..<300])
            let want = reference.reference(epoch: epoch, alpha: alpha)
            for t in 0..<600 {
                #expect(abs(Double(got[t]) - want[t]) <= 1e-4 * max(1, abs(want[t])), "epoch \(epoch), coordinate \(t): \(got[t]) vs \(want[t])")
            }
            // The clocks advance exactly as the reference's.
            #expect(kernel.due == reference.due && kernel.owed == reference.owed, "epoch \(epoch)")
            pushedApart = pushedApart || got[0] != 0
        }
        #expect(pushedApart)
        // Some edges were due and some samples drawn, or the comparison above proved little.
        #expect(kernel.due.filter { $0.isFinite }.count > 1000)
    }

    @Test func epochIsTheSameOnEveryCPUAndAnySplit() {
        var whole = Case(n: 500, seed: 5), baseline = whole, split = whole, avx2 = whole
        let hasAVX2 = ck_umap_layout_uses_avx2() != 0
        for epoch in 0..<4 {
            let a = whole.kernel(epoch: epoch, alpha: 0.9, ranges: [0..<500])
            let b = baseline.kernel(epoch: epoch, alpha: 0.9, ranges: [0..<500], run: ck_umap_layout_epoch_baseline)
            let c = split.kernel(epoch: epoch, alpha: 0.9, ranges: [0..<1, 1..<77, 77..<331, 331..<500])
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "the dispatched and baseline builds differ at epoch \(epoch)")
            #expect(a.map(\.bitPattern) == c.map(\.bitPattern), "splitting the points changed epoch \(epoch)")
            if hasAVX2 {
                let d = avx2.kernel(epoch: epoch, alpha: 0.9, ranges: [0..<500], run: ck_umap_layout_epoch_avx2)
                #expect(a.map(\.bitPattern) == d.map(\.bitPattern), "the AVX2 build differs at epoch \(epoch)")
            }
        }
        #expect(whole.due == baseline.due && whole.owed == split.owed)
    }
}
