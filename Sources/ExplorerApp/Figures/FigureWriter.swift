import Foundation
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
                let path = freeName(directory: directory, base: "\(stem)-\(request.name)", extension: request.fileExtension)
                try FileBytes.write(bytes, to: path)
                written.append((path as NSString).lastPathComponent)
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
        }
    }

    /// `directory/base-1.ext`, or the first number not taken.
    static func freeName(directory: String, base: String, extension ext: String) -> String {
        var n = 1
        while FileManager.default.fileExists(atPath: "\(directory)/\(base)-\(n).\(ext)") { n += 1 }
        return "\(directory)/\(base)-\(n).\(ext)"
    }
}
