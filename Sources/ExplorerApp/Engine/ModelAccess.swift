import Foundation
import Synchronization

/// One caller at a time may run the model (layers keep activations between calls). The frame being
/// drawn goes first: background work (the dataset's encoding, strips of slow models) holds the model
/// for short batches and, before each, steps aside while an interactive call waits. A plain lock is
/// not enough: a thread that releases and re-takes it in a loop starves the other one.
final class ModelAccess: @unchecked Sendable {
    private let lock = NSLock()
    private let waiting = Atomic<Int>(0)

    /// Runs `body` with the model: at once for an interactive caller, or once no interactive caller
    /// waits for a background one.
    func run<T>(background: Bool = false, _ body: () throws -> T) rethrows -> T {
        if background {
            while waiting.load(ordering: .acquiring) > 0 { usleep(100) }
        } else {
            waiting.add(1, ordering: .acquiringAndReleasing)
        }
        lock.lock()
        if !background { waiting.subtract(1, ordering: .acquiringAndReleasing) }
        defer { lock.unlock() }
        return try body()
    }

    /// How long a background batch holds the model by default: a key's decode waits for at most one
    /// batch, inside a 4 ms frame budget (the first batch, before any is timed, is one item).
    static let batchSeconds = 0.001

    /// Background work over `count` items in batches that each hold the model about `target` seconds
    /// (starting with `first` items, never more than `limit`); `work` returns false to stop. `prepare`
    /// runs first for each batch without the model (reading the batch's images from a file must not
    /// hold an interactive decode); it throws to stop, and its error is rethrown.
    func inBatches<Input>(count: Int, first: Int = 1, limit: Int, target: Double = ModelAccess.batchSeconds,
                          prepare: (Range<Int>) throws -> Input, _ work: (Range<Int>, Input) -> Bool) throws {
        var start = 0, size = max(1, min(first, limit))
        while start < count {
            let end = min(count, start + size)
            let input = try prepare(start..<end)
            let t0 = DispatchTime.now().uptimeNanoseconds
            guard run(background: true, { work(start..<end, input) }) else { return }
            let perItem = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 / Double(end - start)
            size = max(1, min(limit, Int(target / max(perItem, 1e-9))))
            start = end
        }
    }

    func inBatches(count: Int, first: Int = 1, limit: Int, target: Double = ModelAccess.batchSeconds, _ work: (Range<Int>) -> Bool) {
        try? inBatches(count: count, first: first, limit: limit, target: target, prepare: { _ in () }) { range, _ in work(range) }
    }
}
