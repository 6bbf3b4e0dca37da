import CFloatEnv
import CKernels
import COpenBLAS
import Foundation
import Synchronization

/// How many cores the numeric code may use. Interactive batch-1 work (decoding one digit per key press)
/// is fastest on one thread, while training wants every core.
///
/// OpenBLAS itself always runs single-threaded here: large products are split over our own threads by
/// `sgemm`. Changing OpenBLAS's thread count while other threads are inside BLAS calls (training in one
/// place, a projection in another, tests running side by side) is not safe in OpenBLAS 0.3.21 and left
/// processes hanging at exit in its thread-pool shutdown; its count is set to 1 once, before first use.
public enum ComputeThreads {
    /// One thread: the explorer's default.
    public static func useSingle() { set(1) }

    /// Every core the process may run on: training and batch evaluation.
    public static func useAll() { set(available) }

    /// A specific thread count (at least 1) for the products `sgemm` splits.
    public static func set(_ count: Int) { threads.store(max(1, count), ordering: .relaxed) }

    /// The thread count large products use now.
    public static var current: Int { threads.load(ordering: .relaxed) }

    private static let threads = Atomic<Int>(1)

    /// Pins OpenBLAS to one thread; evaluated once (thread-safe), before the first BLAS call.
    static let blasPinned: Void = { openblas_set_num_threads(1) }()

    /// Call before any direct `cblas_*` call outside `sgemm`.
    public static func prepareBLAS() { _ = blasPinned }

    /// OpenBLAS's pthread build starts a worker per core when it loads and keeps each spinning on
    /// sched_yield for its thread timeout (~0.1 s) waiting for work, which it never gets here: a core
    /// taken from the start of every command (a 20,000-point projection's neighbour search ran at one
    /// core's speed on two threads). Call first thing in `main`, while no other thread can be inside
    /// BLAS: pins OpenBLAS to one thread and ends its workers (later calls run on the caller's thread
    /// and do not start them again).
    public static func endBLASWorkers() {
        prepareBLAS()
        _ = blas_thread_shutdown_()
    }

    /// Makes the calling thread treat subnormal floats as zero (FTZ/DAZ). Call it on every thread that
    /// trains or decodes: subnormals cost 10-100× a normal operation and carry no useful signal here.
    public static func flushSubnormalsOnThisThread() { CFloatEnv_flushSubnormals() }

    /// Lowers the calling thread's priority: long background work (a data set's encoding, a projection)
    /// then gives way to the thread that answers keys whenever both want a core.
    public static func yieldToInteractiveWork() { _ = ck_lower_thread_priority(10) }

    /// Cores available to this process.
    public static var available: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// A thread's subnormal mode (flush-to-zero and denormals-are-zero, see
/// `ComputeThreads.flushSubnormalsOnThisThread`). Threads start in the mode of the thread that created
/// them, so Dispatch's pool threads keep whatever mode they were born with; work handed to them carries
/// the caller's mode with it.
public enum FloatMode {
    public static var current: UInt32 { UInt32(CFloatEnv_mode()) }

    /// `body` in `mode`, then this thread's own mode again.
    public static func run<T>(in mode: UInt32, _ body: () throws -> T) rethrows -> T {
        let previous = CFloatEnv_setMode(CUnsignedInt(mode))
        defer { _ = CFloatEnv_setMode(previous) }
        return try body()
    }
}
