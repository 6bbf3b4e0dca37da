import ArgumentParser
import Foundation
import LatentCore
import LatentIO
import LatentNN
import TermRender

/// `latent decode`: one image from a latent vector (VAE) or a grid of codes (VQ-VAE).
struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a latent vector (--z) or a code grid (--codes) into an image.")

    @OptionGroup var model: ModelOptions
    // `.unconditional`: the value may start with a minus (`--z -0.5,1`) and is still the value.
    @Option(parsing: .unconditional, help: ArgumentHelp("Latent vector, comma-separated (VAE, CVAE).", valueName: "z1,z2,…"))
    var z: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Code indices in raster order, comma-separated (VQ-VAE).", valueName: "c1,c2,…"))
    var codes: String?
    @Option(help: "Class index or name to condition on (conditional VAE).") var label: String?
    @Option(help: "text, json, pgm or png.") var format: OutputFormat = .text
    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of stdout.") var output: String?

    /// One path for models trained here and models exported from PyTorch (manifests): values come out
    /// in the model's pixel range.
    func run() throws {
        let path = try model.resolvedPath()
        let m = try loadLatentModel(path)
        let image: Tensor
        switch m.kind {
        case .vae, .cvae, .ae:
            guard codes == nil else { throw ValidationError("--codes is for a VQ-VAE; \(path) is a \(m.kind.rawValue): use --z") }
            guard let z else { throw ValidationError("give the latent vector with --z (\(m.latentDim) numbers)") }
            let values = try latentValues(z, expected: m.latentDim, what: "--z")
            let labels = try classIndex(label, of: m).map { [$0] }
            image = try m.decodeLatents(Tensor(shape: [1, m.latentDim], data: values), labels: labels)
        case .vqvae:
            guard z == nil else { throw ValidationError("--z is for a VAE; \(path) is a VQ-VAE: use --codes") }
            guard label == nil else { throw ValidationError("--label is for a conditional VAE") }
            let k = m.quantizer!.size, cells = m.codeGrid.height * m.codeGrid.width * m.quantizer!.levels
            guard let codes else { throw ValidationError("give the code grid with --codes (\(cells) indices in 0..<\(k))") }
            image = try m.decodeCodes(try parseCodes(codes.hasSuffix(".npy") ? try npyCodes(codes, count: cells) : codes, count: cells, codebookSize: k))
        }
        try requireFinite(image, "for this \(z != nil ? "--z" : "--codes") the decoder returned")
        try writeImage(image.reshaped([1] + m.inputShape), range: m.pixelRange, format: format, to: output)
    }
}

/// `--z`: the values, or a `.npy` holding them (the explorer's `S` writes one), in either case exactly
/// `expected` finite numbers.
func latentValues(_ text: String, expected: Int, what: String) throws -> [Float] {
    guard text.hasSuffix(".npy") else { return try parseFloats(text, expected: expected, what: what) }
    let t = try NPY.read(text, maxValues: max(expected, 1))
    guard t.count == expected else { throw ValidationError("\(what) \(text) holds \(t.count) values; this model needs \(expected)") }
    guard t.data.allSatisfy(\.isFinite) else { throw ValidationError("\(what) \(text) holds a value that is not a finite number") }
    return t.data
}

/// `--codes` from a `.npy` (the explorer's `S` writes the grid as one), as the comma list `parseCodes` checks.
func npyCodes(_ path: String, count: Int) throws -> String {
    let t = try NPY.read(path, maxValues: max(count, 1))
    guard t.count == count else { throw ValidationError("--codes \(path) holds \(t.count) codes; this model's grid needs \(count)") }
    return try t.data.map { v -> String in
        guard v.isFinite, v == v.rounded() else { throw ValidationError("--codes \(path) holds \(v), which is not a code index") }
        return String(Int(v))
    }.joined(separator: ",")
}

/// Comma- or space-separated finite numbers, exactly `expected` of them.
func parseFloats(_ text: String, expected: Int, what: String) throws -> [Float] {
    let fields = text.split(whereSeparator: { $0 == "," || $0 == " " })
    guard fields.count == expected else {
        throw ValidationError("\(what) has \(fields.count) value\(fields.count == 1 ? "" : "s"); this model needs \(expected)")
    }
    return try fields.enumerated().map { i, f in
        guard let v = Float(f), v.isFinite else { throw ValidationError("\(what) value \(i + 1) ('\(f)') is not a finite number") }
        return v
    }
}

func parseCodes(_ text: String, count: Int, codebookSize: Int) throws -> [Int] {
    let fields = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" })
    guard fields.count == count else {
        throw ValidationError("--codes has \(fields.count) indices; this model's grid needs \(count)")
    }
    return try fields.enumerated().map { i, f in
        guard let c = Int(f) else { throw ValidationError("--codes entry \(i + 1) ('\(f)') is not an integer") }
        guard (0..<codebookSize).contains(c) else {
            throw ValidationError("--codes entry \(i + 1) is \(c), outside the codebook 0…\(codebookSize - 1)")
        }
        return c
    }
}

/// Writes one image (1, C, H, W) with values in `range` (the model's pixel range) in the requested format:
/// JSON keeps the values, the images map the range to 0–255 (PNG in colour for three channels; text and
/// PGM show the luminance).
func writeImage(_ image: Tensor, range: ClosedRange<Float> = 0...1, format: OutputFormat, to output: String?) throws {
    // A NaN drawn as black or written as 0 would be a made-up image: the model's failure is said instead.
    try requireFinite(image, "the image holds")
    let c = image.shape[1], h = image.shape[2], w = image.shape[3], plane = h * w
    // Shown as RGB from the first three channels, or grey from the first.
    let shown = c >= 3 ? 3 : 1
    let picture = Image(channels: shown, width: w, height: h, pixels: PixelValues.unit(image.data.prefix(shown * plane), from: range))
    let luma = picture.luminance.pixels
    let bytes: [UInt8]
    switch format {
    case .text: bytes = Array(ImageRaster.text(picture).utf8)
    case .json:
        let data = image.data.map { Evaluation.format(Double($0)) }.joined(separator: ",")
        let shape = image.shape.dropFirst().map(String.init).joined(separator: ",")
        bytes = Array("{\"shape\":[\(shape)],\"data\":[\(data)]}\n".utf8)
    case .pgm: bytes = PGM.encode(pixels: bytesFromUnitFloats(luma), width: w, height: h)
    case .png:
        if picture.isColour {
            let interleaved = (0..<plane).flatMap { p in (0..<3).map { picture.pixels[$0 * plane + p] } }
            bytes = try PNG.encode(pixels: bytesFromUnitFloats(interleaved), width: w, height: h, format: .rgb)
        } else {
            bytes = try PNG.encode(pixels: bytesFromUnitFloats(luma), width: w, height: h)
        }
    }
    try emit(bytes, binary: format == .pgm || format == .png, to: output)
}

/// Throws when a model's output holds NaN or infinity (`what`: which output, for the message).
func requireFinite(_ t: Tensor, _ what: String) throws {
    guard let bad = t.data.firstIndex(where: { !$0.isFinite }) else { return }
    throw ValidationError("\(what) \(t.data[bad]) at value \(bad): the model's output is not a number here")
}

/// Writes to a file, or to stdout (refusing binary output to a terminal).
func emit(_ bytes: [UInt8], binary: Bool, to output: String?) throws {
    if let output { return try FileBytes.write(bytes, to: output) }
    if binary && isatty(STDOUT_FILENO) != 0 {
        throw ValidationError("refusing to write a binary image to the terminal; use -o FILE or a pipe")
    }
    FileHandle.standardOutput.write(Data(bytes))
}
