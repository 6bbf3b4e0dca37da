import CFloatEnv
import Foundation
import LatentCore
import Testing

@Suite struct ParallelTests {
    /// Per worker: x · 0.25 for the smallest normal float (0 where subnormals are flushed), and whether
    /// the worker ran on a thread other than the caller's. Each worker spins a few milliseconds so
    /// that Dispatch hands some of them to its pool threads.
    static func quarterOfSmallestNormal(workers: Int) -> (values: [Float], elsewhere: Bool) {
        var out = [Float](repeating: -1, count: workers), other = [Bool](repeating: false, count: workers)
        let caller = pthread_self()
        let x = Float.leastNormalMagnitude, quarter = Float(workers) / Float(4 * workers)  // not folded at compile time
        out.withUnsafeMutableBufferPointer { o in
            other.withUnsafeMutableBufferPointer { e in
                let values = UncheckedPointer(o.baseAddress!), elsewhere = UncheckedPointer(e.baseAddress!)
                parallelRanges(workers, threads: workers) { range in
                    let until = Date().addingTimeInterval(0.003)
                    while Date() < until {}
                    for i in range {
                        values.pointer[i] = x * quarter
                        elsewhere.pointer[i] = pthread_equal(pthread_self(), caller) == 0
                    }
                }
            }
        }
        return (out, other.contains(true))
    }

    @Test func workersRunInTheCallersSubnormalMode() {
        let previous = CFloatEnv_setMode(0)
        defer { _ = CFloatEnv_setMode(previous) }
        // Gradual underflow in the caller: every worker keeps the subnormal.
        let kept = Self.quarterOfSmallestNormal(workers: 4)
        #expect(kept.values.allSatisfy { $0.bitPattern == (Float.leastNormalMagnitude / 4).bitPattern })
        // Flushed in the caller (as training and the explorer run): every worker flushes, pool threads too.
        ComputeThreads.flushSubnormalsOnThisThread()
        let flushed = Self.quarterOfSmallestNormal(workers: 4)
        // Bit patterns: with DAZ on, this thread would compare a subnormal equal to 0.
        #expect(flushed.values.allSatisfy { $0.bitPattern == 0 }, "\(flushed.values.map(\.bitPattern))")
        #expect(flushed.elsewhere, "no worker ran off the calling thread: the check above proved nothing")
    }
}
