import Foundation
import LatentCore

/// A folder of PNG images: one subfolder per class, as torchvision's `ImageFolder` reads it (classes
/// are the subfolders in sorted order, named by them), or PNGs directly in the folder (unlabelled).
/// Every image must have the model's size; grey PNGs are replicated into colour models' three
/// channels and colour PNGs become luma for grey models, as libpng converts them.
public enum ImageFolder {
    /// More values than this (a quarter of a gigabyte of floats) is not a dataset for an explorer.
    public static let maxValues = 1 << 26

    public static func read(_ folder: String, shape: [Int], range: ClosedRange<Float> = 0...1) throws -> LabeledImages {
        let name = (folder as NSString).lastPathComponent
        let (c, h, w) = (shape[0], shape[1], shape[2])
        guard c == 1 || c == 3 else { throw FormatError(name, "PNG folders hold grey or RGB images; the model takes \(c) channels") }
        let classes = try entries(folder).filter { isDirectory(folder + "/" + $0) }
            .map { ($0, try pngs(in: folder + "/" + $0)) }.filter { !$0.1.isEmpty }
        let files: [(path: String, label: Int)]
        if classes.isEmpty {
            files = try pngs(in: folder).map { (folder + "/" + $0, -1) }
        } else {
            files = classes.enumerated().flatMap { label, entry in entry.1.map { (folder + "/" + entry.0 + "/" + $0, label) } }
        }
        guard !files.isEmpty else { throw FormatError(name, "has no .png images (directly or in one subfolder per class)") }
        let per = c * h * w
        guard files.count <= maxValues / per else {
            throw FormatError(name, "has \(files.count) images of \(c)×\(h)×\(w): more than the explorer holds (\(maxValues / per))")
        }
        var values = [Float](repeating: 0, count: files.count * per)
        for (n, file) in files.enumerated() {
            let relative = String(file.path.dropFirst(folder.count + 1))
            let bytes = try FileBytes.read(file.path, limit: 1 << 26)
            let png = try PNG.decode(bytes, as: c == 3 ? .rgb : .gray, expected: (w, h), source: "\(name)/\(relative)")
            // 0–255, interleaved as in the PNG: mapped to the pixel range and made planar below.
            for (i, v) in png.pixels.enumerated() { values[n * per + i] = Float(v) }
        }
        let images = Tensor(shape: [files.count, c, h, w], data: PixelValues.channelsFirst(values, images: files.count, plane: h * w, channels: c))
        let set = classes.isEmpty ? LabeledImages(unlabelled: images)
                                  : LabeledImages(images: images, labels: files.map(\.label), classNames: classes.map(\.0))
        return set.mapped(from: 0...255, to: range)
    }

    /// Names in a folder, sorted, hidden ones left out.
    static func entries(_ folder: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw FormatError((folder as NSString).lastPathComponent, "cannot be listed")
        }
    }

    static func pngs(in folder: String) throws -> [String] {
        try entries(folder).filter { $0.lowercased().hasSuffix(".png") && !isDirectory(folder + "/" + $0) }
    }
}
