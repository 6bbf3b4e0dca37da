import ArgumentParser
import Foundation
import LatentCore
import LatentIO
import LatentNN
import LatentProjection

/// `latent project`: a 2-D PCA, UMAP or t-SNE projection of a matrix, with stage times and quality metrics.
struct Project: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Project rows of a .npy, .csv or IDX file (or a model's latents of the shipped digits) to 2-D with PCA, UMAP or t-SNE.")

    @Option(help: "Input matrix: .npy (float32/64), .csv, or IDX (images are flattened and scaled to [0, 1]); repeat to stack rows.") var input: [String] = []
    @Option(help: "First reduce the input to this many principal components.") var pca: Int?
    @Option(help: "Instead of --input: μ of a VAE (or the encoder grid of a VQ-VAE) of the shipped digits (or --data / the manifest's .npy); a model file or manifest.") var model: String?
    @Option(help: "pca, umap or tsne.") var method: String = "umap"
    @Option(help: "t-SNE perplexity.") var perplexity: Float = 30
    @Option(help: "t-SNE repulsion: bh (Barnes–Hut), fft (FIt-SNE interpolation), or auto (fft from 2,000 points).") var repulsion: String = "auto"
    @Option(help: "UMAP neighbours.") var neighbors = 15
    @Option(help: "UMAP min_dist.") var minDist: Float = 0.1
    @Option(help: "UMAP epochs (default: 200 up to 10,000 points, 150 up to 25,000, else 250); t-SNE iterations (default: 750, as openTSNE).") var epochs: Int?
    @Flag(help: "UMAP: run every epoch of the schedule, also after the layout has converged (points moving under 5 % of the mean edge length over 5 epochs).") var allEpochs = false
    @Option(help: "UMAP start: spectral, pca, or auto (PCA).") var `init`: String = "auto"
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: "Threads (the result does not depend on it).") var threads = ComputeThreads.available
    @Option(name: [.short, .customLong("output")], help: "Write the coordinates: x,y rows as CSV, or an (n, 2) float32 .npy when the name ends in .npy.") var output: String?
    @Flag(help: "Print trustworthiness(15) and 15-NN preservation.") var metrics = false
    @Flag(help: "Draw the result in the terminal (braille, coloured by --labels, or by digit with --model).") var plot = false
    @Option(help: "Labels, one per input row (an IDX labels file, .npy or .csv): colours for --plot, and with --metrics the 10-NN label accuracy.") var labels: [String] = []
    @Option(help: "Instead of projecting: score this embedding (x,y CSV or (n, 2) .npy, a row per input row) against the input.") var score: String?
    @Option(help: "Fit on all rows but the last N, then place those N into the fitted map (UMAP transform, or the PCA axes) and time it.") var holdOut: Int?
    @Option(help: "Also write the input matrix (e.g. the model's latents) to this .npy file.") var saveInput: String?
    @OptionGroup var data: DataOptions

    func validate() throws {
        guard input.isEmpty != (model == nil) else { throw ValidationError("give --input FILE (one or more) or --model FILE") }
        if let pca, pca < 1 { throw ValidationError("--pca must be at least 1") }
        guard TSNERepulsion(rawValue: repulsion) != nil else { throw ValidationError("--repulsion must be bh, fft or auto, not '\(repulsion)'") }
        guard ["pca", "umap", "tsne"].contains(method) else { throw ValidationError("--method must be pca, umap or tsne, not '\(method)'") }
        guard neighbors >= 2, neighbors <= 200 else { throw ValidationError("--neighbors must be 2…200") }
        guard minDist >= 0, minDist.isFinite else { throw ValidationError("--min-dist must be a number ≥ 0") }
        guard (1...1024).contains(threads) else { throw ValidationError("--threads must be 1…1024") }
        guard UMAPInit(rawValue: `init`) != nil else { throw ValidationError("--init must be spectral, pca or auto, not '\(`init`)'") }
        guard perplexity > 0, perplexity.isFinite else { throw ValidationError("--perplexity must be a positive number") }
        if let holdOut, holdOut < 1 { throw ValidationError("--hold-out must be at least 1") }
        if let epochs, !(1...100_000).contains(epochs) { throw ValidationError("--epochs must be 1…100,000") }
    }

    func run() throws {
        ComputeThreads.flushSubnormalsOnThisThread()
        ComputeThreads.set(threads)  // encoding with --model and the large products
        var clock = Date()
        var x = try loadMatrix()
        // Problems with the rows are the data's: named by the file they came from.
        let source = input.first ?? data.path ?? model ?? ""
        // Problems with the data are one line about the file (not a usage error).
        guard x.shape[0] >= 3 else { throw FormatError(source, "need at least 3 rows to project, the input has \(x.shape[0])") }
        guard x.shape[1] >= 1 else { throw FormatError(source, "rows of 0 values: there is nothing to project") }
        if let problem = ProjectionInput.problem(x) {
            throw FormatError(source, model != nil && input.isEmpty ? "the model's latents: " + problem : problem)
        }
        // Labels are checked before any work is done, so that their errors come first and alone (and
        // are checked whenever given, used or not).
        let rowLabels = plot || metrics || !labels.isEmpty ? try loadRowLabels(count: x.shape[0]) : nil
        print(String(format: "input %d × %d  (%.3f s)", x.shape[0], x.shape[1], Date().timeIntervalSince(clock)))
        if let pca, pca < x.shape[1] {
            clock = Date()
            let fit = try fitPCA(x, components: pca, source: source)
            x = fit.transform(x, threads: threads)
            print(String(format: "pca to %d dims: %.3f s (explained variance %.3f)", pca, Date().timeIntervalSince(clock),
                         fit.explainedVarianceRatio.reduce(0, +)))
        }
        if let saveInput { try NPY.write(x, to: saveInput) }
        if let score {
            let y = try loadInputMatrix(score)
            guard y.shape[0] == x.shape[0], y.shape[1] == 2 else {
                throw FormatError(score, "has \(y.shape[0]) rows of \(y.shape[1]) values; expected \(x.shape[0]) rows of 2 (x,y)")
            }
            try printMetrics(x, y, graph: nil)
            return
        }
        let fitted = x.shape[0] - (holdOut ?? 0)
        if let holdOut, fitted <= max(neighbors, 2) {
            throw FormatError(source, "--hold-out \(holdOut) leaves \(fitted) rows to fit; need more than \(max(neighbors, 2))")
        }
        let fitRows = holdOut == nil ? x : x.rows(0..<fitted), newRows = holdOut == nil ? nil : x.rows(fitted..<x.shape[0])
        clock = Date()
        var y: Tensor
        var graph: NeighborGraph?
        if method == "pca" {
            let pca = try fitPCA(fitRows, components: min(2, x.shape[1]), source: source)
            y = pca.transform(fitRows, threads: threads)
            print(String(format: "pca: %.4f s, explained variance %.3f", Date().timeIntervalSince(clock), pca.explainedVarianceRatio.reduce(0, +)))
            if let newRows {
                clock = Date()
                y = y.appendingRows(pca.transform(newRows, threads: threads))
                print(String(format: "transform %d rows onto the axes: %.4f s", newRows.shape[0], Date().timeIntervalSince(clock)))
            }
        } else if method == "tsne" {
            if holdOut != nil { throw ValidationError("--hold-out needs --method pca or umap (t-SNE has no transform)") }
            guard x.shape[0] >= 4 else {
                throw FormatError(source, "t-SNE needs at least 4 rows; the input has \(x.shape[0])")
            }
            var options = TSNEOptions()
            options.perplexity = min(perplexity, Float(x.shape[0] - 1) / 3)  // k = 3·perplexity neighbours must exist
            options.seed = seed
            options.threads = threads
            options.repulsion = TSNERepulsion(rawValue: repulsion)!
            if let epochs { options.iterations = epochs }
            let result = TSNE.fit(x, options: options)
            y = result.embedding
            print(result.timings.map { String(format: "%@ %.3f s", $0.stage, $0.seconds) }.joined(separator: "  ")
                  + String(format: "  (perplexity %.0f, repulsion %@)", options.perplexity,
                           TSNE.repulsionMethod(options.repulsion, points: x.shape[0]) == .fft ? "FFT" : "Barnes–Hut"))
        } else {
            guard fitRows.shape[0] > neighbors else {
                throw FormatError(source, "UMAP with --neighbors \(neighbors) needs more than \(neighbors) rows; the input has \(x.shape[0])")
            }
            var options = UMAPOptions()
            options.neighbors = neighbors
            options.minDist = minDist
            options.epochs = epochs
            if allEpochs { options.convergence = nil }
            options.seed = seed
            options.threads = threads
            options.initialization = UMAPInit(rawValue: `init`)!
            let result = UMAP.fit(fitRows, options: options)
            y = result.embedding
            print(result.timings.map { String(format: "%@ %.3f s", $0.stage, $0.seconds) }.joined(separator: "  ")
                  + String(format: "  (a %.3f, b %.3f; start: %@; epochs %d of %d; layout kernel: %@)", result.a, result.b, result.start,
                           result.epochs.run, result.epochs.scheduled, UMAP.layoutKernel))
            graph = holdOut == nil ? result.graph : nil
            if let newRows {
                clock = Date()
                let placed = result.transform(newRows, data: fitRows, seed: seed, threads: threads)
                print(String(format: "transform %d rows into the %d-point map: %.3f s", newRows.shape[0], fitted, Date().timeIntervalSince(clock)))
                y = y.appendingRows(placed)
            }
        }
        if let output {
            if output.lowercased().hasSuffix(".npy") {
                try NPY.write(y, to: output)
            } else {
                var text = ""
                for i in 0..<y.shape[0] { text += "\(y.data[i * y.shape[1]]),\(y.shape[1] > 1 ? y.data[i * y.shape[1] + 1] : 0)\n" }
                try FileBytes.write(Array(text.utf8), to: output)
            }
        }
        let peak = ProcessClock.peakResidentMB().map { String(format: ", peak memory %.0f MB", $0) } ?? ""
        print(String(format: "coordinates ready: %.3f s after process start", ProcessClock.secondsSinceProcessStart()) + peak)
        if plot {
            print(ProjectPlot.text(y, labels: rowLabels, columns: ProjectPlot.width(), capability: ProjectPlot.capability()), terminator: "")
        }
        if metrics {
            try printMetrics(x, y, graph: graph)
            if let rowLabels {
                // How well classes stay together: leave-one-out 10-NN vote, in the map and in the input.
                print(String(format: "10-NN label accuracy: %.4f in 2-D, %.4f in the input",
                             ExactNeighbors.labelAccuracy(y, labels: rowLabels, k: 10, threads: threads),
                             ExactNeighbors.labelAccuracy(x, labels: rowLabels, k: 10, threads: threads)))
            }
        }
    }

    /// PCA of rows from `source`: a failure is about that file.
    func fitPCA(_ x: Tensor, components: Int, source: String) throws -> PCA {
        do { return try PCA.fit(x, components: components, threads: threads) } catch let error as PCAError {
            throw FormatError(source, error.description)
        }
    }

    /// Labels of the rows: `--labels` files, or the shipped digits' with `--model`; nil without either.
    func loadRowLabels(count: Int) throws -> [Int]? {
        var found: [Int]?
        if !labels.isEmpty {
            found = try labels.flatMap { try ProjectPlot.loadLabels($0) }
        } else if let model {
            let sets = try modelImages(try loadLatentModel(model))
            found = sets.allSatisfy(\.isLabelled) ? sets.flatMap(\.labels) : nil
        }
        if let found, found.count != count {
            throw FormatError(labels.first ?? "--labels", "has \(found.count) labels for \(count) rows")
        }
        return found
    }

    func printMetrics(_ x: Tensor, _ y: Tensor, graph: NeighborGraph?) throws {
        let t0 = Date()
        let k = min(15, (x.shape[0] - 1) / 2)
        if let graph, x.shape[0] > NeighborGraph.exactLimit {
            print(String(format: "neighbour graph recall %.4f (exact search for 1,000 sampled points)", graph.recall(of: x, threads: threads)))
        }
        let s = EmbeddingQuality.scores(original: x, embedding: y, k: k, threads: threads)
        print(String(format: "trustworthiness(%d) %.4f  %d-NN preservation %.4f  (%.2f s)", k, s.trustworthiness, k,
                     s.neighborPreservation, Date().timeIntervalSince(t0)))
    }

    func loadMatrix() throws -> Tensor {
        if let model { return try latents(of: model) }
        let parts = try input.map { try loadInputMatrix($0) }
        let total = parts.reduce(0) { $0 + $1.count }
        guard total <= DataLimits.maxValues else { throw FormatError(input[0], DataLimits.tooMany(total, what: "and the other inputs hold")) }
        guard let width = parts.first?.shape[1] else { throw ValidationError("no input") }
        if let bad = parts.firstIndex(where: { $0.shape[1] != width }) {
            throw FormatError(input[bad], "has \(parts[bad].shape[1]) columns, \(input[0]) has \(width)")
        }
        return parts.count == 1 ? parts[0] : Tensor(shape: [parts.reduce(0) { $0 + $1.shape[0] }, width], data: parts.flatMap(\.data))
    }

    /// The images a `--model` is projected with: for a shipped dataset (named by `--data`, or the one the
    /// model was trained on) all of it, training then held-out; else the images `--data` or the
    /// manifest names. In the model's pixel range.
    func modelImages(_ m: any LatentModel) throws -> [LabeledImages] {
        let source = data.path ?? defaultDataSource(for: m)?.source ?? ShippedDataset.mnist.name
        if let dataset = ShippedDataset.referenced(by: source) {
            return try [ShippedData.read(dataset, .train), ShippedData.read(dataset, .heldout)].map { $0.mapped(to: m.pixelRange) }
        }
        // A folder in the shipped layout named by --data: both of its splits. Anything else — a .npy, a
        // PNG folder, an IDX file, a manifest's own data (read inside its folder) — as the explorer reads it.
        if let path = data.path, isDirectory(path), ShippedDataset.stored(in: path, .train) != nil {
            return [try data.trainSet().mapped(to: m.pixelRange), try data.heldOutSet().mapped(to: m.pixelRange)]
        }
        return [try data.images(for: m)]
    }

    /// The latents of the model's images: μ of a VAE, the flattened encoder grid of a VQ-VAE.
    func latents(of path: String) throws -> Tensor {
        let m = try loadLatentModel(path)
        var rows: [Float] = []
        var width = 0
        for set in try modelImages(m) {
            guard Array(set.images.shape.dropFirst()) == m.inputShape else {
                throw ValidationError("the data's images are \(Array(set.images.shape.dropFirst())), the model takes \(m.inputShape)")
            }
            guard m.kind != .cvae || set.isLabelled else { throw ValidationError("a conditional VAE needs labelled images") }
            try checkLabels(set, for: m, source: data.path ?? "the data")
            // Batches of 256: one pass over thousands of images would build im2col buffers of hundreds
            // of MB (the VQ-VAE's second convolution), and page faults would dominate.
            for start in stride(from: 0, to: set.count, by: 256) {
                let batch = set.images.rows(start..<min(set.count, start + 256))
                let labels = Array(set.labels[start..<min(set.count, start + 256)])
                if m.kind == .vqvae {
                    let ze = try m.encodeGrid(batch)  // (batch, D, h, w) flattened per image
                    rows += ze.data
                    width = ze.count / max(1, batch.shape[0])
                } else {
                    rows += try m.encodeImages(batch, labels: m.kind == .cvae ? labels : nil).mu.data
                    width = m.latentDim
                }
            }
        }
        return Tensor(shape: [rows.count / max(1, width), width], data: rows)
    }
}
