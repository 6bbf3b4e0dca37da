import Foundation
import LatentCore
import LatentIO
import TermRender

/// Writes the figures a view asked for (`S`) as new files `<model>-<figure>-<n>.<ext>` in a folder,
/// never over an existing file.
enum FigureWriter {
    /// The written file names, or the first problem as a `.failed` message.
    static func write(_ requests: [FigureRequest], scale: Int?, engine: ExplorerEngine, directory: String) -> Message {
        let stem = ((engine.path as NSString).lastPathComponent as NSString).deletingPathExtension
        var written: [String] = []
        do {
            for request in requests {
                let bytes = try encode(request, scale: scale, engine: engine)
                let path = freeName(directory: directory, base: "\(stem)-\(request.name)", extension: request.fileExtension,
                                    alsoFree: request.fileExtension == "npy" ? ["json"] : [])
                try FileBytes.write(bytes, to: path)
                written.append((path as NSString).lastPathComponent)
                if case .values(let values, let shape, let about, let decodes) = request.content {
                    let json = (path as NSString).deletingPathExtension + ".json"
                    try FileBytes.write(Array(describe(values, shape: shape, about: about, decodes: decodes, npy: (path as NSString).lastPathComponent,
                                                       engine: engine).utf8), to: json)
                    written.append((json as NSString).lastPathComponent)
                }
            }
        } catch {
            return .failed(FailureText.failed("figure not saved", error))
        }
        return .figuresSaved(written)
    }

    static func encode(_ request: FigureRequest, scale: Int?, engine: ExplorerEngine) throws -> [UInt8] {
        let side = engine.imageSide
        func fitting(_ image: Image, _ layout: Figure.Layout) -> Int {
            let wanted = scale ?? Figure.automaticScale(imageSide: side, layout: layout, figure: image)
            return max(1, min(wanted, Figure.maxSide / max(image.width, image.height)))
        }
        switch request.content {
        case .still(let image):
            return try Figure.png(image, scale: fitting(image, .single))
        case .sheet(let tiles, let columns):
            let sheet = Image.sheet(tiles, columns: columns, gap: 1)
            return try Figure.png(sheet, scale: fitting(sheet, .sheet))
        case .gridSheet(let grids, let columns):
            let tiles = engine.decode(grids: grids, background: true)
            guard tiles.count == grids.count else { throw FormatError("<figure>", "the model failed to decode") }
            let sheet = Image.sheet(tiles, columns: columns, gap: 1)
            return try Figure.png(sheet, scale: fitting(sheet, .sheet))
        case .animation(let zs, let label):
            let frames = engine.decode(zs, label: label, background: true)
            guard frames.count == zs.count, let first = frames.first else { throw FormatError("<figure>", "the model failed to decode") }
            return try Figure.gif(frames, scale: fitting(first, .single), delay: 8)
        case .values(let values, let shape, _, _):
            return NPY.encode(Tensor(shape: shape, data: values))
        }
    }

    /// The JSON beside a `.npy` of values: what they are, their shape, the values themselves, and for
    /// one latent or grid the command that decodes it again.
    static func describe(_ values: [Float], shape: [Int], about: [String: String], decodes: Bool, npy: String, engine: ExplorerEngine) -> String {
        var members: [(String, JSONValue)] = [("model", .string(engine.path)), ("npy", .string(npy)),
                                               ("shape", .array(shape.map { JSONValue.int($0) })),
                                               ("values", .array(values.map { .number("\($0)") }))]
        for key in about.keys.sorted() { members.append((key, .string(about[key]!))) }
        if decodes { members.append(("decode", .string(decodeCommand(engine: engine, npy: npy, label: about["label"])))) }
        return JSONValue.object(members).serialized + "\n"
    }

    /// The command that draws a saved latent or grid again.
    static func decodeCommand(engine: ExplorerEngine, npy: String, label: String?) -> String {
        let option = engine.model.kind == .vqvae ? "--codes" : "--z"
        return "latent decode --model \(engine.path) \(option) \(npy)" + (label.map { " --label \($0)" } ?? "") + " --format png -o \((npy as NSString).deletingPathExtension).png"
    }

    /// `directory/base-1.ext`, or the first number not taken (for this extension and those in `alsoFree`).
    static func freeName(directory: String, base: String, extension ext: String, alsoFree: [String] = []) -> String {
        var n = 1
        while ([ext] + alsoFree).contains(where: { FileManager.default.fileExists(atPath: "\(directory)/\(base)-\(n).\($0)") }) { n += 1 }
        return "\(directory)/\(base)-\(n).\(ext)"
    }
}
