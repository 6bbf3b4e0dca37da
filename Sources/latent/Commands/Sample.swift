import ArgumentParser
import Foundation
import LatentCore
import LatentIO
import LatentNN
import ExplorerApp
import TermRender

/// `latent sample`: code grids drawn from a VQ-VAE's learned prior (a model file's, or the one an
/// imported model's manifest names; a residual VQ's grids are its h·w·Q code lists), decoded into a sheet of images (PNG)
/// or listed as codes (JSON, in the raster order `latent decode --codes` takes).
struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sample code grids from a VQ-VAE's learned prior (latent train prior) and decode them.",
        discussion: "-o FILE.png writes the decoded samples side by side; --format json prints {\"grids\": [[c, c, …], …]}.")

    @Option(name: .customLong("model"), help: ArgumentHelp("A VQ-VAE with a prior (a model file or a manifest .json).", valueName: "path")) var model: String
    @Option(help: "How many grids (1…1024).") var n = 16
    @Option(help: "Sampling temperature (0: the most probable code at each step).") var temperature: Float = 1
    @Option(help: "Decoding rounds (MaskGIT's schedule).") var steps = 8
    @Option(help: "Random seed: the same seed gives the same grids.") var seed: UInt64 = 0
    @Option(help: "png or json.") var format: OutputFormat = .png
    @Option(name: [.short, .customLong("output")], help: "Write to this file (a PNG needs one).") var output: String?
    @Option(help: "PNG: each model pixel becomes a SCALE×SCALE block (1…16; default: 96-px tiles, as latent render's sheets).") var scale: Int?

    func validate() throws {
        guard (1...1024).contains(n) else { throw ValidationError("--n must be 1…1024") }
        guard temperature >= 0, temperature.isFinite, temperature <= 100 else { throw ValidationError("--temperature must be 0…100") }
        guard (1...64).contains(steps) else { throw ValidationError("--steps must be 1…64") }
        guard format == .png || format == .json else { throw ValidationError("--format must be png or json") }
        if let scale, !Figure.scales.contains(scale) { throw ValidationError("--scale must be 1…16") }
    }

    func run() throws {
        let vq = try loadLatentModel(model)
        guard vq.kind == .vqvae else { throw ValidationError("\(model) is a \(vq.kind.rawValue); sampling grids needs a VQ-VAE") }
        guard let prior = vq.gridPrior else {
            throw ValidationError("\(model) has no prior: train one with latent train prior --model \(model)")
        }
        var rng = SeededRNG(seed: seed, stream: 11)
        let grids = prior.sample(count: n, temperature: temperature, steps: steps, rng: &rng)
        if format == .json {
            let rows = grids.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }
            return try emit(Array(("{\"grids\": [" + rows.joined(separator: ", ") + "]}\n").utf8), binary: false, to: output)
        }
        var images = try vq.decodeCodes(grids.flatMap { $0 })
        // An imported model's images are in its pixel_range; a sheet's are in [0, 1].
        let range = vq.pixelRange
        if range != 0...1 { images.data = images.data.map { min(1, max(0, ($0 - range.lowerBound) / (range.upperBound - range.lowerBound))) } }
        try emit(try Self.sheet(images, scale: scale), binary: true, to: output)
    }

    /// Images (N, C, H, W) in [0, 1] side by side in rows of ⌈√N⌉, as every sheet is laid out, as a PNG.
    static func sheet(_ images: Tensor, scale: Int?) throws -> [UInt8] {
        let n = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3], per = c * h * w
        let tiles = (0..<n).map { Image(channels: c, width: w, height: h, pixels: Array(images.data[($0 * per)..<(($0 + 1) * per)])) }
        // Each tile captioned with its grid's place in the JSON list, so a tile can be found in --format json.
        let sheet = Image.sheet(tiles, columns: Image.squareColumns(n), gap: 1, captions: (0..<n).map(String.init))
        return try Figure.png(sheet, scale: scale ?? Figure.automaticScale(imageSide: max(h, w), layout: .sheet, figure: sheet))
    }
}
