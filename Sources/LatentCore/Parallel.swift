import Dispatch

/// Splits 0..<count into one contiguous range per worker (at most `threads`) and runs `body` on the
/// ranges in parallel, or inline for one thread. Contiguous ranges keep neighbouring results, written
/// next to each other, on one core's cache lines. The caller guarantees the ranges touch disjoint memory.
/// Workers run in the caller's subnormal mode (see `ComputeThreads.flushSubnormalsOnThisThread`), so a
/// result does not depend on which thread computed it.
public func parallelRanges(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    let workers = min(max(1, threads), count)
    guard workers > 1 else { if count > 0 { body(0..<count) }; return }
    let mode = FloatMode.current
    withoutActuallyEscaping(body) { body in
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            FloatMode.run(in: mode) { shared.value((count * w / workers)..<(count * (w + 1) / workers)) }
        }
    }
}

/// `body(i)` for every i in 0..<count, split as `parallelRanges` splits it.
public func parallelFor(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    parallelRanges(count, threads: threads) { range in for i in range { body(i) } }
}

/// A value handed to parallel workers that the type system cannot see is used safely (disjoint writes).
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

/// A raw pointer handed to parallel workers that write disjoint ranges of it.
public struct UncheckedPointer<T>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<T>
    public init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

/// A read-only raw pointer shared by parallel workers.
public struct UncheckedConst<T>: @unchecked Sendable {
    public let pointer: UnsafePointer<T>
    public init(_ pointer: UnsafePointer<T>) { self.pointer = pointer }
}
