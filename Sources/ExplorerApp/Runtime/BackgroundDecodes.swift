import Foundation

/// Decodes too slow for a frame (a strip of a big colour model, the manifold grid, a large palette):
/// one worker runs them one after another, only the newest request of each kind is kept, and a
/// running one stops at its next chunk once a newer one of its kind arrives.
final class BackgroundDecodes: @unchecked Sendable {
    typealias Work = @Sendable (_ cancelled: () -> Bool) -> Inbox.Item?

    struct Job: Sendable {
        let kind: String, serial: Int, generation: Int
        let work: Work
    }

    private let lock = NSLock()
    private var pending: [String: Job] = [:]
    private var order: [String] = []
    private var latest: [String: Int] = [:]
    private var serial = 0
    private var workerRunning = false

    /// Queues `work` as the newest request of `kind`; true when a worker must be started for it.
    func submit(kind: String, generation: Int, _ work: @escaping Work) -> Bool {
        lock.lock(); defer { lock.unlock() }
        serial += 1
        latest[kind] = serial
        if pending[kind] == nil { order.append(kind) }
        pending[kind] = Job(kind: kind, serial: serial, generation: generation, work: work)
        if workerRunning { return false }
        workerRunning = true
        return true
    }

    /// The next job (oldest kind first), or nil — and then the worker is done.
    func next() -> Job? {
        lock.lock(); defer { lock.unlock() }
        guard !order.isEmpty else {
            workerRunning = false
            return nil
        }
        return pending.removeValue(forKey: order.removeFirst())
    }

    func isSuperseded(_ job: Job) -> Bool {
        lock.lock(); defer { lock.unlock() }
        return latest[job.kind] != job.serial
    }
}
