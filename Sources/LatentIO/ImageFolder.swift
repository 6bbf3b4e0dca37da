import Foundation
import LatentCore

/// A folder of PNG images: one subfolder per class, as torchvision's `ImageFolder` reads it (classes
/// are the subfolders in sorted order, named by them), or PNGs directly in the folder (unlabelled).
/// Every image must have the model's size; grey PNGs are replicated into colour models' three
/// channels and colour PNGs become luma for grey models, as libpng converts them. Names are handled
/// as the bytes the file system holds, so a file whose name is not UTF-8 is still read (and shown
/// with its odd bytes escaped).
public enum ImageFolder {
    public static func read(_ folder: String, shape: [Int], range: ClosedRange<Float> = 0...1, confinedTo root: String? = nil) throws -> LabeledImages {
        let name = (folder as NSString).lastPathComponent
        let (c, h, w) = (shape[0], shape[1], shape[2])
        guard c == 1 || c == 3 else { throw FormatError(name, "PNG folders hold grey or RGB images; the model takes \(c) channels") }
        let top = Array(folder.utf8)
        let classes = try entries(top, name: name).filter { $0.isDirectory }
            .map { ($0, try pngs(in: top + [0x2F] + $0.raw, name: name + "/" + $0.name)) }.filter { !$0.1.isEmpty }
        let files: [(raw: [UInt8], shown: String, label: Int)]
        if classes.isEmpty {
            files = try pngs(in: top, name: name).map { (top + [0x2F] + $0.raw, name + "/" + $0.name, -1) }
        } else {
            files = classes.enumerated().flatMap { label, entry in
                entry.1.map { (top + [0x2F] + entry.0.raw + [0x2F] + $0.raw, name + "/" + entry.0.name + "/" + $0.name, label) }
            }
        }
        guard !files.isEmpty else { throw FormatError(name, "has no .png images (directly or in one subfolder per class)") }
        let per = c * h * w
        guard files.count <= DataLimits.maxValues / per else {
            throw FormatError(name, DataLimits.tooMany(files.count * per, what: "has \(grouped(files.count)) images of \(c)×\(h)×\(w):"))
        }
        let confinement = try root.map { try realPath(Array($0.utf8), shown: $0) }
        var values = [Float](repeating: 0, count: files.count * per)
        for (n, file) in files.enumerated() {
            let raw = file.raw.map { CChar(bitPattern: $0) } + [0]
            if let confinement {
                let target = try realPath(file.raw, shown: file.shown)
                guard target.starts(with: confinement + [0x2F]) else {
                    throw FormatError(file.shown, "leads outside the manifest's folder (a symlink?): refused")
                }
            }
            let reader = try FileBytes.Reader(rawPath: raw, name: file.shown)
            guard reader.size <= 1 << 26 else { throw FormatError(file.shown, "is \(grouped(reader.size)) bytes, too large for an image") }
            let png = try PNG.decode(try reader.read(upTo: reader.size), as: c == 3 ? .rgb : .gray, expected: (w, h), source: file.shown)
            // 0–255, interleaved as in the PNG: mapped to the pixel range and made planar below.
            for (i, v) in png.pixels.enumerated() { values[n * per + i] = Float(v) }
        }
        let images = Tensor(shape: [files.count, c, h, w], data: PixelValues.channelsFirst(values, images: files.count, plane: h * w, channels: c))
        var set = classes.isEmpty ? LabeledImages(unlabelled: images)
                                  : LabeledImages(images: images, labels: files.map(\.label), classNames: classes.map(\.0.name))
        set.mapPixels(from: 0...255, to: range)
        return set
    }

    /// A name in a folder, as stored (bytes) and as shown.
    struct Entry {
        let raw: [UInt8]
        let isDirectory: Bool
        var name: String { String(decoding: raw, as: UTF8.self) }
    }

    /// The entries of a folder, sorted by their bytes, hidden ones left out.
    static func entries(_ folder: [UInt8], name: String) throws -> [Entry] {
        let path = folder.map { CChar(bitPattern: $0) } + [0]
        guard let dir = path.withUnsafeBufferPointer({ opendir($0.baseAddress!) }) else {
            throw FormatError(name, "cannot be listed (\(FileBytes.describeErrno(errno)))")
        }
        defer { closedir(dir) }
        var out: [Entry] = []
        while let e = readdir(dir) {
            let raw = withUnsafeBytes(of: e.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            guard let first = raw.first, first != 0x2E else { continue }  // hidden, "." and ".."
            let full = (folder + [0x2F] + raw).map { CChar(bitPattern: $0) } + [0]
            var st = stat()
            let isDir = full.withUnsafeBufferPointer { stat($0.baseAddress!, &st) } == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            out.append(Entry(raw: raw, isDirectory: isDir))
        }
        return out.sorted { $0.raw.lexicographicallyPrecedes($1.raw) }
    }

    static func pngs(in folder: [UInt8], name: String) throws -> [Entry] {
        try entries(folder, name: name).filter { !$0.isDirectory && $0.raw.count > 4 && $0.raw.suffix(4).map { $0 | 0x20 } == Array(".png".utf8) }
    }

    /// The absolute path with every symlink resolved, as bytes.
    static func realPath(_ path: [UInt8], shown: String) throws -> [UInt8] {
        let c = path.map { CChar(bitPattern: $0) } + [0]
        guard let resolved = c.withUnsafeBufferPointer({ realpath($0.baseAddress!, nil) }) else {
            throw FormatError(shown, FileBytes.describeErrno(errno))
        }
        defer { free(resolved) }
        return Array(UnsafeBufferPointer(start: resolved, count: strlen(resolved))).map { UInt8(bitPattern: $0) }
    }
}
