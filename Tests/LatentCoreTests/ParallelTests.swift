import CFloatEnv
import Foundation
import LatentCore
import Testing

@Suite struct ParallelTests {
    static let smallestNormal = Float.leastNormalMagnitude
    /// The smallest normal float over 4, as bits (computing it here would flush it once this thread flushes).
    static let quarterBits: UInt32 = 0x0020_0000

    /// x · 0.25 for the smallest normal float: 0 where subnormals are flushed. The factor is computed
    /// at run time so that nothing is folded at compile time.
    static func quarterOfSmallestNormal(_ workers: Int = 4) -> Float { smallestNormal * (Float(workers) / Float(4 * workers)) }

    @Test func workHandedToAnotherThreadRunsInTheCallersMode() {
        let previous = CFloatEnv_setMode(0)
        defer { _ = CFloatEnv_setMode(previous) }
        // A thread born while this one keeps subnormals, waiting until this one flushes them.
        let go = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let box = HandOver()
        let thread = Thread {
            go.wait()
            box.plain = Self.quarterOfSmallestNormal()
            box.adopted = FloatMode.run(in: box.mode) { Self.quarterOfSmallestNormal() }
            done.signal()
        }
        thread.start()
        ComputeThreads.flushSubnormalsOnThisThread()
        box.mode = FloatMode.current
        go.signal()
        done.wait()
        let plain = box.plain, adopted = box.adopted
        // Bit patterns: with DAZ on, this thread would compare a subnormal equal to 0.
        #expect(plain.bitPattern == Self.quarterBits, "the thread kept the mode it was born with")
        #expect(adopted.bitPattern == 0, "the handed-over mode flushes")
        #expect(Self.quarterOfSmallestNormal().bitPattern == 0)
    }

    @Test func parallelWorkersRunInTheCallersMode() {
        let previous = CFloatEnv_setMode(0)
        defer { _ = CFloatEnv_setMode(previous) }
        for flush in [false, true] {
            if flush { ComputeThreads.flushSubnormalsOnThisThread() }
            var out = [Float](repeating: -1, count: 4)
            out.withUnsafeMutableBufferPointer { o in
                let values = UncheckedPointer(o.baseAddress!)
                parallelRanges(4, threads: 4) { range in
                    for i in range { values.pointer[i] = Self.quarterOfSmallestNormal() }
                }
            }
            let expected = flush ? 0 : Self.quarterBits
            #expect(out.allSatisfy { $0.bitPattern == expected }, "flush \(flush): \(out.map(\.bitPattern))")
        }
    }
}

/// Values passed between the test thread and its worker, each written before a semaphore is signalled
/// and read after it is waited on.
final class HandOver: @unchecked Sendable {
    var mode: UInt32 = 0
    var plain: Float = -1, adopted: Float = -1
}
