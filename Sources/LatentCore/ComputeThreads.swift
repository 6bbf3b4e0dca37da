import CFloatEnv
import COpenBLAS
import Foundation

/// How many cores the numeric code may use. Interactive batch-1 work (decoding one digit per key press)
/// is fastest on one thread — waking a BLAS thread pool costs more than the product itself — while
/// training wants every core.
public enum ComputeThreads {
    /// One thread: the explorer's default.
    public static func useSingle() { set(1) }

    /// Every core the process may run on: training and batch evaluation.
    public static func useAll() { set(ProcessInfo.processInfo.activeProcessorCount) }

    /// A specific thread count (at least 1).
    public static func set(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// The thread count BLAS will use now.
    public static var current: Int { Int(openblas_get_num_threads()) }

    /// Makes the calling thread treat subnormal floats as zero (FTZ/DAZ). Call it on every thread that
    /// trains or decodes: subnormals cost 10-100× a normal operation and carry no useful signal here.
    public static func flushSubnormalsOnThisThread() { CFloatEnv_flushSubnormals() }

    /// Cores available to this process.
    public static var available: Int { ProcessInfo.processInfo.activeProcessorCount }
}
