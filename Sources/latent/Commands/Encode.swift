import ArgumentParser
import Foundation
import LatentCore
import LatentIO
import LatentNN

/// `latent encode`: the latent of one dataset image — μ and log σ² (VAE) or the code grid (VQ-VAE).
struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Encode one image of a dataset: μ and log σ² (VAE) or its code grid (VQ-VAE).")

    @OptionGroup var model: ModelOptions
    @OptionGroup var data: DataOptions
    @Option(name: .customLong("labels"), help: ArgumentHelp("Integer labels (.npy) for images given as .npy.", valueName: "path"))
    var labels: String?
    @Option(help: "Image index in the data (default set: the held-out digits).") var index: Int
    @Option(help: "text or json.") var format: OutputFormat = .text

    func validate() throws {
        guard format == .text || format == .json else { throw ValidationError("--format must be text or json for encode") }
    }

    /// One path for models trained here and models exported from PyTorch (manifests): images from
    /// --data (or a manifest's data, else the shipped held-out digits), in the model's pixel range.
    func run() throws {
        let m = try loadLatentModel(try model.resolvedPath())
        let set = try data.images(for: m, labels: labels)
        guard (0..<set.count).contains(index) else { throw ValidationError("--index \(index) is outside the data's 0…\(set.count - 1)") }
        guard Array(set.images.shape.dropFirst()) == m.inputShape else {
            throw ValidationError("the data's images are \(Array(set.images.shape.dropFirst())), the model takes \(m.inputShape)")
        }
        let x = Tensor(shape: [1] + m.inputShape, data: try set.pixels(of: index))
        let label = set.labels[index]
        // Images without labels are fine: the label is then unknown (and only a conditional VAE needs it).
        let shown = set.isLabelled ? String(label) : "?", json = set.isLabelled ? String(label) : "null"
        let fmt = { (v: [Float]) in v.map { Evaluation.format(Double($0)) }.joined(separator: ",") }
        switch m.kind {
        case .vae, .cvae, .ae:
            guard m.kind != .cvae || set.isLabelled else {
                throw ValidationError("a conditional VAE encodes an image with its label, and this data has no labels file (--labels for .npy images)")
            }
            let (mu, logvar) = try m.encodeImages(x, labels: m.kind == .cvae ? [label] : nil)
            let deterministic = m.kind == .ae  // σ = 0: no log σ² to print
            try requireFinite(mu, "the encoder returned μ =")
            if !deterministic { try requireFinite(logvar, "the encoder returned log σ² =") }
            // Values flattened in the latent's own order (C, h, w for a spatial latent), its shape beside them.
            let shape = m.latentShape.map(String.init).joined(separator: ",")
            if format == .json {
                print("{\"index\":\(index),\"label\":\(json),\"latent_shape\":[\(shape)],\"mu\":[\(fmt(mu.data))]"
                      + (deterministic ? "}" : ",\"logvar\":[\(fmt(logvar.data))]}"))
            } else {
                print("index \(index), label \(shown)" + (m.latentShape.count > 1 ? ", latent \(m.latentShape.map(String.init).joined(separator: "×"))" : ""))
                print((deterministic ? "z      " : "mu     ") + fmt(mu.data))
                if !deterministic { print("logvar " + fmt(logvar.data)) }
            }
        case .vqvae:
            let book = m.quantizer!
            let ze = try m.encodeGrid(x)
            try requireFinite(ze, "the encoder returned z_e =")
            printCodes(book.quantize(ze), grid: m.codeGrid, levels: book.levels, codebookSize: book.size, label: (shown, json))
        }
    }

    /// The code grid: `levels` codes per cell for a residual VQ (level fastest, cells in raster order;
    /// JSON adds "levels", text joins a cell's codes with "/").
    func printCodes(_ codes: [Int], grid: (height: Int, width: Int), levels: Int, codebookSize: Int, label: (shown: String, json: String)) {
        if format == .json {
            print("{\"index\":\(index),\"label\":\(label.json),\"grid\":[\(grid.height),\(grid.width)]"
                  + (levels > 1 ? ",\"levels\":\(levels)" : "") + ",\"codes\":[\(codes.map(String.init).joined(separator: ","))]}")
        } else {
            print("index \(index), label \(label.shown), \(grid.height)×\(grid.width) codes of \(codebookSize)"
                  + (levels > 1 ? ", \(levels) levels per cell:" : ":"))
            let width = String(codebookSize - 1).count
            func padded(_ c: Int) -> String { String(repeating: " ", count: width - String(c).count) + String(c) }
            for r in 0..<grid.height {
                print((0..<grid.width).map { c in
                    let cell = (r * grid.width + c) * levels
                    return codes[cell..<(cell + levels)].map(padded).joined(separator: "/")
                }.joined(separator: " "))
            }
        }
    }
}
