import Foundation
import LatentCore
import LatentIO
import LatentNN
import LatentProjection
import TermRender

/// Runs the app: feeds messages to `update`, carries out the commands it returns, and hands results
/// back as messages. Decoding is done at once when it fits in a frame (an MLP decodes in tens of
/// microseconds); strips and grids of slower models, encoding the dataset and loading a model run on
/// background threads and report through the inbox, so the UI never blocks on them.
public final class Runtime: @unchecked Sendable {
    public private(set) var model: AppModel
    public private(set) var engine: ExplorerEngine
    private let inbox = Inbox()
    /// Bumped when the model changes, so that results of work started for an old model are dropped.
    private(set) var generation = 0
    /// Strips and grids expected to take longer than this (seconds) are decoded in the background, and
    /// the frame shows the rest at once. Infinite (everything at once) unless the front end sets it.
    public var backgroundDecodeBudget: Double = .infinity
    /// What the terminal front end uses: a strip that would hold a key's frame past 3 ms is decoded in
    /// the background (#13's goals: key → frame p99 ≤ 2 ms for a VAE, ≤ 4 ms for a VQ-VAE edit).
    public static let interactiveDecodeBudget = 0.003
    /// The shown image itself (a slider move, a code edit) is decoded in the background when one decode
    /// is expected to take longer than this: the key's frame comes at once with the previous image, and
    /// the new one follows (a large spatial-latent decoder takes 10 ms and more per image).
    public var backgroundImageBudget: Double = .infinity
    /// What the terminal front end uses (#29's goal: key → frame p99 ≤ 4 ms with such a model).
    public static let interactiveImageBudget = 0.004
    /// Bumped by every request for the shown image; an image decoded in the background for an older
    /// request is dropped when it arrives (a data image opened since must not be overwritten).
    private var imageRequest = 0
    /// When the frame being made began (`handle`): the budgets above are for the whole frame, so work
    /// decided late in it (a strip after the image `n` opened) counts what the frame has already spent.
    private var frameStarted: UInt64 = 0
    private var frameSpentSeconds: Double { Double(clock() &- frameStarted) / 1e9 }
    /// Nanoseconds from a fixed start (tests give a clock of their own).
    var clock: () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }
    private let decodes = BackgroundDecodes()
    /// Data images opened before a step to them, and the image shown (tests put opens of their own here).
    var ahead = ImagesAhead()
    /// Where bookmarks are kept (nil: not kept, as in tests that do not ask for it).
    public var bookmarkStore: BookmarkStore?
    /// Where `S` writes figures (the explorer: the folder it was started in); nil: figures are not
    /// written (tests and benches that drive the runtime must not leave files behind).
    public var figureDirectory: String?

    public init(model: AppModel, engine: ExplorerEngine) {
        self.model = model
        self.engine = engine
        self.model.datasetCount = engine.data.count
    }

    /// Starts the app: first decode now, dataset encoding in the background.
    public func start() {
        frameStarted = clock()
        run(Explorer.start(&model))
        loadBookmarks()
    }

    /// The current model's bookmarks, from the store.
    private func loadBookmarks() {
        guard let store = bookmarkStore else { return }
        do {
            run(Explorer.update(&model, .bookmarksLoaded(try store.load(forModel: engine.path))))
        } catch {
            // The store's own words say what is wrong with the file ("bookmarks are not readable JSON").
            run(Explorer.update(&model, .failed(FailureText.failed(nil, error))))
        }
    }

    /// Applies a batch of input messages (all keys read since the last frame), then whatever arrived
    /// from background work. Continuous moves collapse here: every key updates the model, but only the
    /// last decode of each kind is carried out. A step whose result the next key starts from (n after n
    /// opens the image after the one the first n opened) is carried out before that key is applied, so
    /// every press counts.
    ///
    /// A data image opened in the background (a slow model) is what the keys after it act on: they wait
    /// for it (`held`), in order; n / p chain on it (when no key waits before them), as does q.
    @discardableResult
    public func handle(_ messages: [Message]) -> Bool {
        frameStarted = clock()
        var commands: [Command] = []
        func apply(_ input: [Message]) {
            for message in input {
                if commands.contains(where: \.isStep) {
                    run(commands)
                    commands = []
                }
                if !held.isEmpty || (model.requestedImage != nil && Self.waitsForOpenImage(message)) {
                    if held.isEmpty { heldSince = Date() }
                    held.append(message)
                    continue
                }
                commands += Explorer.update(&model, message)
            }
        }
        apply(messages)
        let background = inbox.drain()
        for (item, g) in background where g == generation {
            // Checked item by item: a model adopted earlier in this batch makes the old model's results stale.
            switch item {
            case .engineReady(let e, _):
                run(commands)
                commands = []
                adopt(e)
            case .public(let message): commands += Explorer.update(&model, message)
            case .image(let message, let request) where request == imageRequest:
                // An open that failed leaves nothing to wait for.
                if case .failed = message { model.requestedImage = nil }
                ahead.store(message, generation: g)
                commands += Explorer.update(&model, message)
            case .image: break  // decoded for a request since replaced
            case .openedAhead(let message): ahead.store(message, generation: g)
            }
        }
        run(commands)
        commands = []
        // The image the held keys wait for has come (or is overdue): they act on it now, and may wait
        // again for an image one of them opens.
        while !held.isEmpty, model.requestedImage == nil || Date().timeIntervalSince(heldSince) > Self.longestHold {
            model.requestedImage = nil
            let waiting = held
            held = []
            apply(waiting)
            run(commands)
            commands = []
        }
        return !messages.isEmpty || !background.isEmpty
    }

    /// Input that acts on the shown image and so waits for one being opened: every key but a data step
    /// (which chains on the image asked for) and quitting, and clicks. Resizes and ticks never wait.
    static func waitsForOpenImage(_ message: Message) -> Bool {
        switch message {
        case .key(.char("n")), .key(.char("p")), .key(.char("q")), .key(.ctrl("c")): return false
        case .key, .mouse: return true
        default: return false
        }
    }

    /// Keys held for an image being opened; the longest they wait before acting on what is shown.
    private var held: [Message] = []
    private var heldSince = Date()
    static let longestHold: TimeInterval = 5

    public func handle(_ message: Message) { handle([message]) }

    /// Waits up to `seconds` for background work to report (tests use this instead of a frame loop).
    @discardableResult
    public func waitForBackground(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if inbox.hasMessages { handle([]); return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return false
    }

    public var hasPendingMessages: Bool { inbox.hasMessages }

    /// No background thread is running and nothing it posted is waiting.
    public var hasNoBackgroundWork: Bool { inbox.isIdle && !inbox.hasMessages }

    // MARK: Commands

    private func run(_ commands: [Command]) {
        var pending = Self.coalesce(commands)
        while !pending.isEmpty {
            var results: [Message] = []
            for command in pending { results += execute(command) }
            var next: [Command] = []
            for message in results { next += Explorer.update(&model, message) }
            pending = Self.coalesce(next)
        }
    }

    /// Keeps the last decode and the last strip of each kind (each shows the state as it is now, so only
    /// the last matters); everything else in order. Steps are never merged.
    static func coalesce(_ commands: [Command]) -> [Command] {
        var out: [Command] = []
        for (i, c) in commands.enumerated() {
            let superseded = commands[(i + 1)...].contains { later in
                switch (c, later) {
                case (.decode, .decode): return true
                case let (.decodeStrip(a, _, _), .decodeStrip(b, _, _)): return a == b
                case (.decodeGrid, .decodeGrid), (.peekImage, .peekImage): return true
                case let (.showImages(a, _), .showImages(b, _)): return a == b
                case let (.decodeGrids(a, _), .decodeGrids(b, _)): return a == b
                default: return false
                }
            }
            if !superseded { out.append(c) }
        }
        return out
    }

    private func execute(_ command: Command) -> [Message] {
        switch command {
        case .decode(let z, let label):
            imageRequest += 1
            if decodeImageLater(kind: "image", { engine in engine.decode([z], label: label, background: true).first.map { .decoded($0) } }) {
                return []
            }
            return engine.decode([z], label: label).first.map { [.decoded($0)] } ?? []
        case .decodeStrip(let kind, let zs, let label):
            let later = decodeLater(kind: "strip \(kind)", count: zs.count) { engine, chunk, cancelled in
                engine.decodeInChunks(zs, chunk: chunk, cancelled: cancelled) { engine.decode($0, label: label, background: true) }.map { .stripDecoded(kind, $0) }
            }
            return later ? [] : [.stripDecoded(kind, engine.decode(zs, label: label))]
        case .encodeImage(let index), .quantizeImage(let index):
            imageRequest += 1
            guard (0..<engine.data.count).contains(index) else { return [.failed("no image \(index)")] }
            // Asked of the other kind of model (one being replaced): nothing to open.
            guard (command == .quantizeImage(index: index)) == (engine.model.kind == .vqvae) else { return [.failed("the model could not encode image \(index)")] }
            if let opened = ahead.message(for: index, generation: generation) { return [opened] }
            let conditional = model.vae.isConditional
            // A slow model opens the image in the background (its encoder and decoder together), the
            // key's frame at once; `requestedImage` keeps the next n counting from it.
            if decodeImageLater(kind: "open image", decodes: 2, { $0.open(index: index, conditional: conditional, background: true) }) { return [] }
            let opened = engine.open(index: index, conditional: conditional)
            ahead.store(opened, generation: generation)
            return [opened]
        case .openAhead(let shown, let steps):
            let wanted = ahead.follow(shown: shown, steps: steps, generation: generation)
            // Opening in the key's frame costs nothing worth saving outside the interactive front end
            // (tests and scripts that drive the runtime would only get more background work).
            guard backgroundImageBudget.isFinite else { return [] }
            let engine = self.engine, conditional = model.vae.isConditional
            // One kind per step: a newer request for the same step replaces one not started.
            for (slot, index) in steps.enumerated() where wanted.contains(index) && (0..<engine.data.count).contains(index) {
                submitToWorker(kind: "open ahead \(slot)", as: { .openedAhead($0) }) { cancelled in
                    cancelled() ? nil : engine.open(index: index, conditional: conditional, ahead: true)
                }
            }
            return []
        case .computeDirections(let request):
            // The newest request replaces one not started; a result for a method since left is dropped by the app.
            let engine = self.engine
            submitToWorker(kind: "directions") { cancelled in cancelled() ? nil : engine.directions(request) }
            return []
        case .findNeighbours(let index, let z):
            let mus = model.scatter.mus
            submitToWorker(kind: "neighbours") { cancelled in
                cancelled() ? nil : .neighboursFound(index: index, Explorer.nearestData(mus, to: z, excluding: index))
            }
            return []
        case .measureReconstructions:
            // Each image's reconstruction error and KL, for the scatter's colours: after the scatter
            // is there, in batches that step aside for the frame's decodes.
            let engine = self.engine, g = generation, inbox = self.inbox
            spawn {
                ComputeThreads.yieldToInteractiveWork()
                let (errors, kl) = engine.measureDataset()
                if !errors.isEmpty { inbox.post(.public(.datasetMeasured(.error, errors)), generation: g) }
                if !kl.isEmpty { inbox.post(.public(.datasetMeasured(.kl, kl)), generation: g) }
            }
            return []
        case .encodeDataset:
            let engine = self.engine, streamed = engine.isLargeData
            inBackground { progress, post in
                var scatter = StreamedScatter(labels: engine.labelsForApp)
                do {
                    let (mus, kl) = try engine.encodeDatasetWithKL(progress: progress) { part in
                        if streamed, let message = scatter.add(part) { post(message) }
                    }
                    return .datasetEncoded(mus: mus, labels: engine.labelsForApp, kl: kl)
                } catch {
                    post(.failed(FailureText.failed("the data's encoding stopped", error)))
                    return .datasetEncoded(mus: [], labels: [], kl: [])
                }
            }
            return []
        case .loadModel(let path):
            let data = engine.data, range = engine.model.pixelRange, g = generation, inbox = self.inbox
            spawn {
                do {
                    let e = try ExplorerEngine.load(modelPath: path, data: data, dataRange: range)
                    inbox.post(.engineReady(e, g), generation: g)
                } catch {
                    inbox.post(.public(.failed("\(error)")), generation: g)
                }
            }
            return []
        case .decodeGrid(let grid):
            imageRequest += 1
            if decodeImageLater(kind: "grid image", { engine in engine.decode(grids: [grid], background: true).first.map { .decoded($0) } }) {
                return []
            }
            return engine.decode(grids: [grid]).first.map { [.decoded($0)] } ?? []
        case .decodeGrids(let batch, let grids):
            let later = decodeLater(kind: "grids \(batch)", count: grids.count) { engine, chunk, cancelled in
                engine.decodeInChunks(grids, chunk: chunk, cancelled: cancelled) { engine.decode(grids: $0, background: true) }.map { .gridsDecoded(batch, $0) }
            }
            return later ? [] : [.gridsDecoded(batch, engine.decode(grids: grids))]
        case .peekImage(let index):
            guard (0..<engine.data.count).contains(index) else { return [] }
            return engine.dataImage(index).map { [.peeked(index: index, $0)] } ?? []
        case .showImages(let batch, let indices):
            let shown = indices.filter { (0..<engine.data.count).contains($0) }
            let images = shown.map { engine.dataImage($0) }
            if let bad = images.firstIndex(where: { $0 == nil }) {
                return [.failed(engine.dataProblem(shown[bad]) ?? "image \(shown[bad]) cannot be read")]
            }
            return [.gridsDecoded(batch, images.compactMap { $0 })]
        case .quantizeDataset:
            let engine = self.engine
            inBackground { progress, post in
                do {
                    let (codes, vectors) = try engine.quantizeDataset(progress: progress)
                    return .datasetQuantized(codes: codes, vectors: vectors, labels: engine.labelsForApp)
                } catch {
                    post(.failed(FailureText.failed("the data's encoding stopped", error)))
                    return .datasetQuantized(codes: [], vectors: [], labels: [])
                }
            }
            return []
        case .project(.pca, let mus):
            // A large data set's PCA (a million latents: a few hundred milliseconds) is made in the
            // background; the partial scatter stays until it comes, turned to match it.
            let previous = model.scatter.pca
            guard mus.count * (mus.first?.count ?? 0) > Self.pcaInFrameValues else {
                return Self.projectPCA(mus, alignedWith: previous).map { [$0] } ?? []
            }
            let g = generation, inbox = self.inbox
            spawn { if let message = Self.projectPCA(mus, alignedWith: previous) { inbox.post(.public(message), generation: g) } }
            return []
        case .project(.umap, let mus):
            var options = UMAPOptions()
            options.threads = ComputeThreads.available
            let settings = "umap8 k\(options.neighbors) d\(options.minDist) s\(options.seed) \(options.initialization)"
            return projectCached(.umap, mus, settings: settings) { [options] x, progress in UMAP.fit(x, options: options, progress: progress).embedding }
        case .project(.tsne, let mus):
            var options = TSNEOptions()
            options.threads = ComputeThreads.available
            options.perplexity = min(options.perplexity, Float(max(1, mus.count - 1)) / 3)
            let settings = "tsne4 p\(options.perplexity) i\(options.iterations) s\(options.seed)"
            return projectCached(.tsne, mus, settings: settings) { [options] x, progress in TSNE.fit(x, options: options, progress: progress).embedding }
        case .samplePrior(let locked, let temperature, let seed):
            // Eight rounds of the prior (≈ 6 ms for 7×7, 12 ms for 8×8): past an interactive frame's
            // budget, so the key's frame comes first and the grid follows.
            guard backgroundDecodeBudget.isFinite else {
                return engine.samplePrior(locked: locked, temperature: temperature, seed: seed).map { [.priorSampled($0)] } ?? []
            }
            let engine = self.engine
            submitToWorker(kind: "prior sample") { _ in
                engine.samplePrior(locked: locked, temperature: temperature, seed: seed).map { .priorSampled($0) }
            }
            return []
        case .analyseGrid(let grid, let cell):
            // K passes' worth of work per edit: on the background worker, newest request only.
            let engine = self.engine
            submitToWorker(kind: "prior analysis") { cancelled in
                guard !cancelled(), let (bits, top) = engine.analyse(grid, cell: cell) else { return nil }
                return .priorAnalysed(grid: grid, cell: cell, surprise: bits, top: top)
            }
            return []
        case .computeCodebookMap(let method, let level):
            let engine = self.engine, g = generation, inbox = self.inbox
            spawn { inbox.post(.public(.codebookMapReady(engine.codebookMap(method, level: level))), generation: g) }
            return []
        case .saveBookmarks(let marks):
            guard let store = bookmarkStore else { return [.failed("bookmarks are not kept in this session (no HOME)")] }
            do { try store.save(marks, forModel: engine.path) } catch { return [.failed(FailureText.failed("bookmarks not saved", error))] }
            return []
        case .saveFigures(let figures, let scale):
            guard let directory = figureDirectory else { return [.failed("figures are not written in this session")] }
            let engine = self.engine, g = generation, inbox = self.inbox
            spawn { inbox.post(.public(FigureWriter.write(figures, scale: scale, engine: engine, directory: directory)), generation: g) }
            return []
        case .quit:
            return []
        }
    }

    /// Latent values (points × dimensions) past which the PCA scatter is made in the background.
    static let pcaInFrameValues = 2_000_000

    /// The PCA scatter of `mus`, its axes turned to point the way `previous`'s did (a scatter that grew
    /// while the data was encoded must not flip when the PCA of all of it replaces it).
    static func projectPCA(_ mus: [[Float]], alignedWith previous: PCA? = nil) -> Message? {
        guard let dim = mus.first?.count, mus.count >= 2 else { return nil }
        let x = Tensor(shape: [mus.count, dim], data: mus.flatMap { $0 })
        guard ProjectionInput.problem(x) == nil else { return .failed("no scatter: the model's latents are not finite numbers") }
        // Latents a model returns as NaN (an imported model overflowing) get no scatter, not a trap.
        guard var pca = try? PCA.fit(x, components: min(2, dim)) else { return nil }
        if let previous { pca = pca.aligned(with: previous) }
        let flat = pca.planePoints(x)
        return .projected(.pca, flat, pca: pca, index: ScatterIndex.forLarge(flat))
    }

    /// Runs `work` on a background thread for the current model: its progress (in steps of 10 %) and its
    /// result arrive through the inbox, tagged so that a model switch makes them stale.
    /// A slow projection of `mus`: from the disk cache when it holds one for these latents and settings,
    /// else computed on a background thread (reporting progress) and then cached.
    private func projectCached(_ method: ProjectionMethod, _ mus: [[Float]], settings: String,
                               fit: @escaping @Sendable (Tensor, (Double) -> Void) -> Tensor) -> [Message] {
        guard let dim = mus.first?.count, mus.count > 16 else { return [.failed("too few points for \(method.title)")] }
        guard ProjectionInput.problem(Tensor(shape: [mus.count, dim], data: mus.flatMap { $0 })) == nil else {
            return [.failed("no \(method.title): the model's latents are not finite numbers")]
        }
        let cache = ProjectionCache(), key = ProjectionCache.key(mus, settings: settings)
        if let cached = cache.load(key, count: mus.count) { return [.projected(method, cached, pca: nil)] }
        let g = generation, inbox = self.inbox
        spawn {
            ComputeThreads.yieldToInteractiveWork()
            let y = fit(Tensor(shape: [mus.count, dim], data: mus.flatMap { $0 })) { p in
                inbox.post(.public(.projectionProgress(p)), generation: g)
            }
            cache.store(key, y.data)
            inbox.post(.public(.projected(method, y.data, pca: nil, index: ScatterIndex.forLarge(y.data))), generation: g)
        }
        return []
    }

    /// Hands a decode of `count` images to the background worker when it would end the frame past
    /// `backgroundDecodeBudget` (its expected time plus what the frame has spent); false (do it now)
    /// otherwise. The worker decodes in chunks of about a quarter of the budget, so the interactive decode
    /// waits for one chunk at most.
    private func decodeLater(kind: String, count: Int,
                             _ make: @escaping @Sendable (ExplorerEngine, Int, () -> Bool) -> Message?) -> Bool {
        let expected = engine.expectedDecodeSeconds(count: count)
        guard backgroundDecodeBudget.isFinite, expected + frameSpentSeconds > backgroundDecodeBudget else { return false }
        let engine = self.engine
        // Nothing decoded yet (no expected time): one chunk.
        let chunk = expected > 0 ? max(1, min(count, Int(Double(count) * backgroundDecodeBudget / 4 / expected))) : count
        submitToWorker(kind: kind) { cancelled in make(engine, chunk, cancelled) }
        return true
    }

    /// Hands the decode of the shown image to the background worker when it would end the frame past
    /// `backgroundImageBudget` (one decode's expected time plus what the frame has spent); false (decode
    /// it now) otherwise.
    /// `decodes`: how many single decodes the work costs (an encoder and a decoder: about two).
    private func decodeImageLater(kind: String, decodes: Int = 1, _ make: @escaping @Sendable (ExplorerEngine) -> Message?) -> Bool {
        guard backgroundImageBudget.isFinite,
              engine.expectedDecodeSeconds(count: 1) * Double(decodes) + frameSpentSeconds > backgroundImageBudget else { return false }
        let engine = self.engine, request = imageRequest
        submitToWorker(kind: kind, as: { .image($0, request: request) }) { cancelled in cancelled() ? nil : make(engine) }
        return true
    }

    /// Queues `work` on the background worker (started if none runs), which keeps only the newest job
    /// of each kind; its message arrives through the inbox for the current model.
    /// `item` tags the message as the inbox takes it, per job: one worker runs the jobs of many submissions.
    private func submitToWorker(kind: String, as item: @escaping @Sendable (Message) -> Inbox.Item = { .public($0) },
                                _ work: @escaping @Sendable (_ cancelled: () -> Bool) -> Message?) {
        let decodes = self.decodes, inbox = self.inbox
        guard decodes.submit(kind: kind, generation: generation, { cancelled in work(cancelled).map(item) }) else { return }
        spawn {
            while let job = decodes.next() {
                if let posted = job.work({ decodes.isSuperseded(job) }) { inbox.post(posted, generation: job.generation) }
            }
        }
    }

    /// Runs `body` on a new thread, counted until it ends, so `waitUntilIdle` can tell when none is left.
    private func spawn(_ body: @escaping @Sendable () -> Void) {
        let inbox = self.inbox
        inbox.started()
        Thread.detachNewThread {
            body()
            inbox.finished()
        }
    }

    /// Waits up to `seconds` until no background work is running, handling what it reports. A process
    /// must not exit while such work runs: library teardown at exit (OpenBLAS frees its buffers) can
    /// crash a thread still computing. True when idle.
    @discardableResult
    public func waitUntilIdle(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            handle([])
            if inbox.isIdle && !inbox.hasMessages { return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return false
    }

    /// `work` reports its progress (posted in steps of 10 %), may post messages on the way, and returns its result.
    private func inBackground(_ work: @escaping (_ progress: (Double) -> Void, _ post: (Message) -> Void) -> Message) {
        let g = generation, inbox = self.inbox, job = UncheckedSendable(work)
        spawn {
            ComputeThreads.yieldToInteractiveWork()
            var last = -1.0
            let result = job.value({ p in
                if p - last >= 0.1 || p >= 1 { last = p; inbox.post(.public(.datasetProgress(p)), generation: g) }
            }, { inbox.post(.public($0), generation: g) })
            inbox.post(.public(result), generation: g)
        }
    }

    private func adopt(_ e: ExplorerEngine) {
        engine = e
        generation += 1
        model.datasetCount = e.data.count
        run(Explorer.update(&model, .modelLoaded(e.summary, vqShape: e.vqShapeValue)))
        loadBookmarks()
    }
}

/// Messages from background threads, tagged with the generation they were started in.
final class Inbox: @unchecked Sendable {
    enum Item {
        case `public`(Message)
        case engineReady(ExplorerEngine, Int)
        /// The shown image, decoded for image request `request`.
        case image(Message, request: Int)
        /// A data image opened ahead of a step to it.
        case openedAhead(Message)
    }

    private let lock = NSLock()
    private var items: [(Item, Int)] = []
    private var running = 0

    func started() { lock.lock(); running += 1; lock.unlock() }
    func finished() { lock.lock(); running -= 1; lock.unlock() }
    var isIdle: Bool { lock.lock(); defer { lock.unlock() }; return running == 0 }

    func post(_ item: Item, generation: Int) {
        lock.lock(); items.append((item, generation)); lock.unlock()
    }

    var hasMessages: Bool {
        lock.lock(); defer { lock.unlock() }
        return !items.isEmpty
    }

    /// Everything posted so far, with the generation each was started in.
    func drain() -> [(Item, Int)] {
        lock.lock(); defer { lock.unlock() }
        let out = items
        items.removeAll()
        return out
    }
}
