import ArgumentParser
import ExplorerApp
import Foundation
import LatentCore
import LatentIO
import LatentNN
import TermRender

/// `latent render`: the explorer's figures as files — a manifold grid, an A→B morph, a VQ-VAE's codes.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the explorer's figures as image files (PNG, animated GIF).",
        subcommands: [RenderManifold.self, RenderMorph.self, RenderPalette.self])
}

/// Options every figure takes.
struct FigureOptions: ParsableArguments {
    @Option(help: "Each model pixel becomes a SCALE×SCALE block (1…16; default: about 256 px for an image or an animation's frame, 96 px for a sheet's tiles, as S in the explorer).") var scale: Int?
    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("The file to write.", valueName: "file")) var output: String

    func validate(extensions allowed: [String]) throws {
        if let scale, !Figure.scales.contains(scale) { throw ValidationError("--scale must be 1…16") }
        let ext = (output as NSString).pathExtension.lowercased()
        guard allowed.contains(ext) else {
            throw ValidationError("-o \(output): this figure is written as \(allowed.map { "." + $0 }.joined(separator: " or "))")
        }
    }

    var isGIF: Bool { (output as NSString).pathExtension.lowercased() == "gif" }

    /// The chosen scale, else the automatic one for `figure` laid out as `layout`.
    func scale(for figure: Image, imageSide: Int, _ layout: Figure.Layout) -> Int {
        scale ?? Figure.automaticScale(imageSide: imageSide, layout: layout, figure: figure)
    }

    func write(_ bytes: [UInt8]) throws {
        try FileBytes.write(bytes, to: output)
        print("wrote \(output) (\(grouped(bytes.count)) bytes)")
    }
}

/// A model opened for figures: with its data when the figure needs dataset images, else alone.
private func figureEngine(_ model: ModelOptions, data: DataOptions?) throws -> ExplorerEngine {
    let path = try model.resolvedPath()
    let latent = try loadLatentModel(path)
    if let data { return try ExplorerEngine.open(latent, path: path, data: try data.images(for: latent)) }
    return ExplorerEngine(path: path, model: latent, data: LabeledImages(unlabelled: Tensor(zeros: [0] + latent.inputShape)))
}

struct RenderManifold: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifold",
        abstract: "Two latent dimensions swept over a grid, the others at 0 (seed 002's manifold), as a PNG.")

    @OptionGroup var model: ModelOptions
    @Option(help: ArgumentHelp("The dimensions across and down.", valueName: "i,j")) var dims = "0,1"
    @Option(help: "Images per side (2…32).") var size = 12
    @Option(help: "Each dimension runs from −R to R.") var range: Float = 3
    @Option(help: "Class index or name (conditional VAE).") var label: String?
    @OptionGroup var figure: FigureOptions

    func validate() throws {
        try figure.validate(extensions: ["png"])
        guard (2...32).contains(size) else { throw ValidationError("--size must be 2…32") }
        guard range > 0, range <= 100 else { throw ValidationError("--range must be in (0, 100]") }
    }

    func run() throws {
        let engine = try figureEngine(model, data: nil)
        let m = engine.model
        guard m.kind != .vqvae else { throw ValidationError("\(engine.summary.name) is a VQ-VAE: its figure is `latent render palette`") }
        let parts = dims.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let i = parts[0], let j = parts[1], i != j,
              (0..<m.latentDim).contains(i), (0..<m.latentDim).contains(j) else {
            throw ValidationError("--dims must be two different dimensions in 0…\(m.latentDim - 1), like 0,1")
        }
        let zs = LatentPaths.manifold([Float](repeating: 0, count: m.latentDim), dims: (i, j),
                                      ranges: (-range...range, -range...range), columns: size, rows: size)
        let images = engine.decode(zs, label: try classIndex(label, of: m))
        guard images.count == zs.count else { throw ValidationError("the model failed to decode") }
        let sheet = Image.sheet(images, columns: size, gap: 1)
        try figure.write(try Figure.png(sheet, scale: figure.scale(for: sheet, imageSide: engine.imageSide, .sheet)))
    }
}

struct RenderMorph: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "morph",
        abstract: "Dataset image A morphing into B through the latent space: a looping GIF, or a PNG strip.",
        discussion: "A and B are indices into the model's data (or --data). -o NAME.gif plays A → B → A eased; -o NAME.png lays the steps from A to B side by side.")

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions
    @Option(name: .customLong("from"), help: "Index of image A.") var from: Int
    @Option(name: .customLong("to"), help: "Index of image B.") var to: Int
    @Option(help: "Steps from A to B (2…120).") var frames = 24
    @Option(help: "GIF: hundredths of a second per frame (2…100).") var delay = 8
    @OptionGroup var figure: FigureOptions

    func validate() throws {
        try figure.validate(extensions: ["gif", "png"])
        guard (2...120).contains(frames) else { throw ValidationError("--frames must be 2…120") }
        guard (2...100).contains(delay) else { throw ValidationError("--delay must be 2…100") }
    }

    func run() throws {
        let engine = try figureEngine(model, data: data)
        guard engine.model.kind != .vqvae else {
            throw ValidationError("\(engine.summary.name) is a VQ-VAE: a morph walks a continuous latent space (use a VAE)")
        }
        let count = engine.data.count
        for (name, index) in [("--from", from), ("--to", to)] where !(0..<count).contains(index) {
            throw ValidationError("\(name) \(index) is not an image of the data (0…\(count - 1))")
        }
        guard let a = try engine.encode(index: from), let b = try engine.encode(index: to) else { throw ValidationError("the model failed to encode") }
        // A conditional VAE morphs within A's class.
        let label = engine.model.kind == .cvae ? a.label : nil
        if figure.isGIF {
            let zs = LatentPaths.morph(a.mu, b.mu, half: frames)
            let images = engine.decode(zs, label: label)
            guard images.count == zs.count else { throw ValidationError("the model failed to decode") }
            try figure.write(try Figure.gif(images, scale: figure.scale(for: images[0], imageSide: engine.imageSide, .single), delay: delay))
        } else {
            let zs = LatentPaths.line(a.mu, b.mu, count: frames)
            let images = engine.decode(zs, label: label)
            guard images.count == zs.count else { throw ValidationError("the model failed to decode") }
            let strip = Image.sheet([a.original] + images + [b.original], columns: frames + 2, gap: 1,
                                    captions: ["A"] + (1...frames).map(String.init) + ["B"])
            try figure.write(try Figure.png(strip, scale: figure.scale(for: strip, imageSide: engine.imageSide, .sheet)))
        }
    }
}

struct RenderPalette: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "palette",
        abstract: "Every code of a VQ-VAE decoded as a tile (the whole grid set to that code), in index order, as a PNG.")

    @OptionGroup var model: ModelOptions
    @Option(help: "Tiles per row (default: a square).") var columns: Int?
    @Option(help: "A residual VQ's level whose codes are drawn, each alone (default 0).") var level = 0
    @OptionGroup var figure: FigureOptions

    func validate() throws {
        try figure.validate(extensions: ["png"])
        if let columns, !(1...256).contains(columns) { throw ValidationError("--columns must be 1…256") }
        if level < 0 { throw ValidationError("--level must be 0 or more") }
    }

    func run() throws {
        let engine = try figureEngine(model, data: nil)
        guard let shape = engine.vqShapeValue else { throw ValidationError("\(engine.summary.name) is not a VQ-VAE: its figure is `latent render manifold`") }
        guard (0..<shape.levels).contains(level) else {
            throw ValidationError("--level must be 0…\(shape.levels - 1): \(engine.summary.name) has \(shape.levels) level\(shape.levels == 1 ? "" : "s")")
        }
        let grids = shape.aloneGrids(level: level)
        let tiles = engine.decode(grids: grids)
        guard tiles.count == grids.count else { throw ValidationError("the model failed to decode") }
        let cols = columns ?? Image.squareColumns(shape.codes)
        let sheet = Image.sheet(tiles, columns: cols, gap: 1, captions: (0..<shape.codes).map(String.init))
        try figure.write(try Figure.png(sheet, scale: figure.scale(for: sheet, imageSide: engine.imageSide, .sheet)))
    }
}

/// `--label` as a class index for a conditional VAE (name or number); nil for other models.
func classIndex(_ label: String?, of m: any LatentModel) throws -> Int? {
    guard m.kind == .cvae else {
        if label != nil { throw ValidationError("--label is for a conditional VAE") }
        return nil
    }
    let names = m.classNames
    guard let label else { throw ValidationError("a conditional VAE needs --label (one of \(names.joined(separator: ", ")))") }
    if let i = names.firstIndex(of: label) { return i }
    if let i = Int(label), (0..<max(names.count, 1)).contains(i) { return i }
    throw ValidationError("--label '\(label)' is not a class of this model (0…\(names.count - 1) or \(names.joined(separator: ", ")))")
}
