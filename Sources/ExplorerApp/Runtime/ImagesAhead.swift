/// Data images opened before a step to them: the image shown and the ones n and p open next. With a
/// slow model (a conv VAE on large colour images) encoding and decoding an image is most of a key's
/// frame; opened ahead on the background worker, the step shows it at once. What is kept is
/// exactly what opening the image in the frame gives (the same function, the same weights), and only
/// for the model it was opened with: a result of another generation is never handed out.
struct ImagesAhead {
    private var opened: [Int: Message] = [:]
    private var generation = 0

    /// The open of image `index` kept for `generation`, if any.
    func message(for index: Int, generation: Int) -> Message? {
        generation == self.generation ? opened[index] : nil
    }

    /// Keeps a successful open (a failure is asked again: a file may be readable later), until the next
    /// `follow` moves away from its image.
    mutating func store(_ message: Message, generation: Int) {
        let index: Int
        switch message {
        case .imageEncoded(let e, _): index = e.index
        case .quantized(let q, _): index = q.index
        default: return
        }
        if generation != self.generation { forget(generation) }
        opened[index] = message
    }

    /// Image `shown` (nil: none) was opened and `steps` are the images n and p would open from it: only
    /// these are kept; returns the steps not opened yet, in the order given.
    mutating func follow(shown: Int?, steps: [Int], generation: Int) -> [Int] {
        if generation != self.generation { forget(generation) }
        var seen: Set<Int> = shown.map { [$0] } ?? []
        let wanted = seen.union(steps)
        opened = opened.filter { wanted.contains($0.key) }
        return steps.filter { opened[$0] == nil && seen.insert($0).inserted }
    }

    private mutating func forget(_ generation: Int) {
        self.generation = generation
        opened = [:]
    }
}
