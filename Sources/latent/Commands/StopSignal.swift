import Foundation
import Synchronization

/// Set by SIGINT/SIGTERM while a long command runs, so it can stop between two steps and leave its
/// files whole instead of dying mid-write.
let stopRequested = Atomic<Bool>(false)

enum StopSignal {
    /// Routes Ctrl-C and SIGTERM to `stopRequested`. A second Ctrl-C exits at once.
    static func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { _ in
                if stopRequested.load(ordering: .relaxed) { _exit(130) }
                stopRequested.store(true, ordering: .relaxed)
            }
        }
    }

    static var requested: Bool { stopRequested.load(ordering: .relaxed) }
}
