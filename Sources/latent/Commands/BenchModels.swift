import ArgumentParser
import Foundation
import LatentCore
import LatentIO
import LatentNN

/// `latent bench train`: training throughput per architecture, one thread and all cores.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training images/s of each architecture (fresh weights, shipped data), 1 thread and all cores.")

    @Option(help: "Epochs per measurement (the first is a warm-up and not counted when > 1).") var epochs = 3

    @Option(help: "Only the architectures whose name contains this (e.g. \"K=512\"), for timing one beside another program's.")
    var model: String?
    @Option(help: "Thread counts to measure, comma-separated (default: 1 and all cores).")
    var threads: String?
    @Flag(help: "Also print images per CPU-second (process CPU time over the counted epochs): under load a waiting thread costs wall time, not CPU time.")
    var cpuTime = false

    func validate() throws {
        guard (1...1000).contains(epochs) else { throw ValidationError("--epochs must be 1…1000") }
        if let threads, threadList(threads) == nil { throw ValidationError("--threads must be counts 1…1024, comma-separated") }
    }
    @OptionGroup var data: DataOptions

    private func threadList(_ text: String) -> [Int]? {
        let counts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.allSatisfy({ $0.map { (1...1024).contains($0) } ?? false }) else { return nil }
        return counts.compactMap { $0 }
    }

    func run() throws {
        let train = try data.trainSet()
        var cases: [(String, ModelConfig, LabeledImages)] = [
            ("VAE z=10 (784-512-256-10)", .mlpVAE(latentDim: 10), train),
            ("VAE z=2", .mlpVAE(latentDim: 2), train),
            ("CVAE z=2", .mlpVAE(latentDim: 2, conditional: true), train),
            ("VQ-VAE K=32 D=16", .convVQVAE(codebookSize: 32, codeDim: 16), train),
        ]
        if data.path == nil {
            // The shipped colour VQ-VAE's architecture on its own data: the convolutions that dominate are
            // 3×3 on 8×8 grids, unlike the digit models' (see Weights/README.md).
            let emoji = try ShippedData.read(.emoji, .train)
            cases.append(("VQ-VAE K=512 emoji, 2 res", .convVQVAE(codebookSize: 512, codeDim: 16, residualBlocks: 2,
                                                               inputShape: [3, 32, 32], classNames: emoji.classNames), emoji))
        }
        if let model { cases = cases.filter { $0.0.contains(model) } }
        guard !cases.isEmpty else { throw ValidationError("no architecture's name contains \(model ?? "")") }
        let threadCounts = threads.flatMap(threadList) ?? Array(Set([1, ComputeThreads.available])).sorted()
        print("model                        " + threadCounts.map { "\($0) thread\($0 == 1 ? " " : "s")  img/s" + (cpuTime ? "   img/CPU-s" : "") }.joined(separator: "   "))
        for (name, config, images) in cases {
            // Held-out evaluation is not part of the measurement: a tiny held-out set keeps it negligible.
            let tiny = LabeledImages(images: Tensor(shape: [16] + Array(images.images.shape.dropFirst()),
                                                    data: Array(images.images.data.prefix(16 * images.pixelsPerImage))),
                                     labels: Array(images.labels.prefix(16)), classNames: images.classNames)
            var row = name.padding(toLength: 29, withPad: " ", startingAt: 0)
            for t in threadCounts {
                var options = TrainingOptions()
                options.epochs = epochs
                options.threads = t
                let model = try Autoencoder(config: config, seed: 1)
                // The process's CPU clock at the start and at each epoch's end.
                var cpu = [processCPUSeconds()]
                let observer = TrainingObserver(epoch: { _ in cpu.append(processCPUSeconds()) })
                let reports = try Trainer.train(model, data: images, heldOut: tiny, options: options, observer: observer)
                let counted = reports.count > 1 ? Array(reports.dropFirst()) : reports
                let rate = counted.map(\.imagesPerSecond).reduce(0, +) / Double(counted.count)
                row += String(format: "%17.0f   ", rate)
                if cpuTime {
                    let first = reports.count > 1 ? 1 : 0
                    row += String(format: "%9.0f   ", Double(images.count * counted.count) / max(1e-9, cpu[cpu.count - 1] - cpu[first]))
                }
            }
            print(row)
        }
    }
}

/// `latent bench decode`: single-threaded batch-1 decode latency of every model in Weights/.
struct BenchDecode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Single-threaded decode latency (µs, median, p99 and fastest) of each shipped model (or the models and manifests given), batch 1.")

    @Option(help: "Decodes per model.") var count = 2000
    @Option(help: "Images per decode (the explorer's strips and grids decode in batches).") var batch = 1
    @Flag(help: "The models take turns, one decode each, so that all meet the same load (for ratios between them).")
    var interleaved = false

    func validate() throws {
        guard (1...10_000_000).contains(count) else { throw ValidationError("--count must be 1…10,000,000") }
        guard (1...4096).contains(batch) else { throw ValidationError("--batch must be 1…4096") }
    }
    @Argument(help: "Model files or manifests (default: every .safetensors in Weights/).") var models: [String] = []

    /// One batch-1 decode of a random latent (or code grid) of the model at `path`; returns a pixel so
    /// the work cannot be optimised away.
    static func decoder(_ path: String, batch: Int = 1, _ rng: inout SeededRNG) throws -> (Int, inout SeededRNG) throws -> Float {
        let m = try loadLatentModel(path)
        return { i, rng in
            if let book = m.quantizer {
                // A residual VQ's cells hold one code per level.
                let codes = (0..<(batch * m.codeGrid.height * m.codeGrid.width * book.levels)).map { _ in rng.nextInt(below: book.size) }
                return try m.decodeCodes(codes).data[0]
            }
            let z = Tensor.randomNormal(shape: [batch, m.latentDim], using: &rng)
            return try m.decodeLatents(z, labels: m.kind == .cvae ? (0..<batch).map { (i + $0) % m.classNames.count } : nil).data[0]
        }
    }

    func run() throws {
        ComputeThreads.useSingle()
        ComputeThreads.flushSubnormalsOnThisThread()
        var paths = models
        if paths.isEmpty, let dir = ShippedData.weightsDirectory() {
            paths = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".safetensors") }
                .sorted().map { dir + "/" + $0 }
        }
        guard !paths.isEmpty else { throw ValidationError("no models found; pass model files") }
        guard (1...4096).contains(batch) else { throw ValidationError("--batch must be 1…4096") }
        print("model                          median µs     p99 µs   min µs   (\(count) decodes\(batch > 1 ? " of \(batch) images" : "")"
              + ", 1 thread\(interleaved ? ", models taking turns" : ""))")
        var rng = SeededRNG(seed: 1)
        let decoders = try paths.map { try Self.decoder($0, batch: batch, &rng) }
        // Interleaved, every model meets the same load on a shared machine: the ratio between two models
        // holds where each one's own figure drifts. Otherwise each model runs alone, its caches warm.
        let rounds = interleaved ? [Array(decoders.indices)] : decoders.indices.map { [$0] }
        var samples = [[Double]](repeating: [], count: decoders.count)
        var sink: Float = 0
        for round in rounds {
            for i in 0..<(count + 100) {
                for m in round {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    sink += try decoders[m](i, &rng)
                    if i >= 100 { samples[m].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000) }  // 100 warm-up
                }
            }
        }
        for (path, var times) in zip(paths, samples) {
            times.sort()
            // A manifest is named by its folder (every export's manifest is model.json).
            let shown = ModelManifest.isManifest(path) ? ((path as NSString).deletingLastPathComponent as NSString).lastPathComponent + "/" : ""
            let name = (shown + (path as NSString).lastPathComponent).padding(toLength: 30, withPad: " ", startingAt: 0)
            // The fastest decode too: on a shared machine the median also counts other work's share of the core.
            print(name + String(format: "%10.1f %10.1f %8.1f", times[times.count / 2], times[times.count * 99 / 100], times[0]))
            if sink.isNaN { print("(NaN in output)") }
        }
    }
}

/// CPU seconds the process has used, all threads.
private func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
