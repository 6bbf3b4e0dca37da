import Foundation
import LatentCore

/// A set of same-sized images (grey or colour) with integer class labels, as the shipped IDX files hold
/// them. Pixels are scaled to [0, 1] and shaped NCHW `[N, C, H, W]`, the layout every model takes.
public struct LabeledImages: Sendable {
    /// The images in memory; empty (`[0, C, H, W]`) for a set read from its file a batch at a time
    /// (`file`). `batch` and `pixels(of:)` read either.
    public private(set) var images: Tensor
    /// The file the images stay in, for a set too large to hold as Float (see `ImageSource.read`'s `lazilyAbove`).
    public let file: ImageFile?
    /// A file's values (0–255 for integers) → the set's range: value · scale + shift.
    private var fileScale: Float = 1, fileShift: Float = 0
    /// One label per image; all 0 when the data came without labels (see `isLabelled`).
    public let labels: [Int]
    public let classNames: [String]
    /// False for images read without a labels file: class colours, prototypes and label accuracy
    /// then have nothing to go on, and the labels above are placeholders.
    public let isLabelled: Bool
    /// The file (or folder) the labels were read from, for messages about them: a labels file found
    /// beside IDX images is not a name the user typed.
    public var labelsSource: String?

    public var count: Int { labels.count }
    public var height: Int { images.shape[2] }
    public var width: Int { images.shape[3] }
    public var channels: Int { images.shape[1] }
    /// (C, H, W) of one image.
    public var imageShape: [Int] { Array(images.shape.dropFirst()) }
    /// Values per image: C·H·W.
    public var pixelsPerImage: Int { channels * height * width }

    public init(images: Tensor, labels: [Int], classNames: [String]) {
        precondition(images.rank == 4 && images.shape[0] == labels.count, "images \(images.shape) vs \(labels.count) labels")
        self.images = images
        file = nil
        self.labels = labels
        self.classNames = classNames
        isLabelled = true
    }

    /// Images without labels.
    public init(unlabelled images: Tensor) {
        precondition(images.rank == 4, "images \(images.shape)")
        self.images = images
        file = nil
        labels = [Int](repeating: 0, count: images.shape[0])
        classNames = []
        isLabelled = false
    }

    /// Images left in `file`, with their labels (nil: unlabelled). Values come in [0, 1] (integers from
    /// 0–255; floats as they are) until `mapPixels` maps them.
    public init(file: ImageFile, labels: [Int]?, classNames: [String]) {
        precondition(labels == nil || labels!.count == file.count, "\(file.count) images vs \(labels!.count) labels")
        images = Tensor(shape: [0] + file.shape, data: [])
        self.file = file
        if file.isInteger { fileScale = 1 / 255 }
        self.labels = labels ?? [Int](repeating: 0, count: file.count)
        self.classNames = labels == nil ? [] : classNames
        isLabelled = labels != nil
    }

    /// Images `range` as one tensor `[n, C, H, W]`: from memory, or read from the file (which may fail:
    /// the file changed, or holds a value no image may).
    public func batch(_ range: Range<Int>) throws -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "images \(range) of \(count)")
        guard let file else { return images.rows(range) }
        var values = try file.read(range)
        let (scale, shift) = (fileScale, fileShift)
        values.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = p[i] * scale + shift } }
        return Tensor(shape: [range.count] + file.shape, data: values)
    }

    /// The pixels of image `i` as a flat row-major array, in the set's range.
    public func pixels(of i: Int) throws -> [Float] {
        guard file != nil else { return Array(images.data[(i * pixelsPerImage)..<((i + 1) * pixelsPerImage)]) }
        return try batch(i..<(i + 1)).data
    }

    /// Reads an images IDX file (`[N, H, W]`, or `[N, H, W, C]` with C = 1 or 3 for colour) and its
    /// labels IDX file (`[N]`), if there is one. Integer pixels (u8, and wider types holding 0–255) are
    /// scaled to [0, 1]; float pixels are taken as already in [0, 1] and must be finite.
    /// Labels must be below `classNames.count`; with `classNames` nil, any class 0…9999, named by its number.
    public static func read(images imagesPath: String, labels labelsPath: String?,
                            classNames: [String]? = (0...9).map(String.init)) throws -> LabeledImages {
        let imgs = try IDXArray.read(imagesPath)
        guard imgs.shape.count == 3 || (imgs.shape.count == 4 && [1, 3].contains(imgs.shape[3])) else {
            throw FormatError(imagesPath, "expected images of shape [N, height, width] or [N, height, width, 1|3], found \(imgs.shape)")
        }
        let (n, h, w) = (imgs.shape[0], imgs.shape[1], imgs.shape[2]), c = imgs.shape.count == 4 ? imgs.shape[3] : 1
        guard n > 0, h > 0, w > 0 else { throw FormatError(imagesPath, "holds no images (its dimensions are \(imgs.shape))") }
        let integer = imgs.type != .f32 && imgs.type != .f64
        var values = imgs.floats()
        try ImageValues.check(values, perImage: c * h * w, integer: integer, source: imagesPath)
        if integer { values.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= 1.0 / 255.0 } } }
        // Channels last in the file, first in a tensor.
        let images = Tensor(shape: [n, c, h, w], data: PixelValues.channelsFirst(values, images: n, plane: h * w, channels: c))
        guard let labelsPath else { return LabeledImages(unlabelled: images) }
        let labels = try readLabels(labelsPath, count: n, imagesPath: imagesPath, limit: classNames?.count ?? 10_000)
        var set = LabeledImages(images: images, labels: labels, classNames: classNames ?? (0...(labels.max() ?? 0)).map(String.init))
        set.labelsSource = labelsPath
        return set
    }

    /// An IDX labels file's `count` labels (shape [N]), each below `limit`.
    static func readLabels(_ labelsPath: String, count n: Int, imagesPath: String, limit: Int) throws -> [Int] {
        let labs = try IDXArray.read(labelsPath)
        guard labs.shape.count == 1 else { throw FormatError(labelsPath, "expected labels of shape [N], found \(labs.shape)") }
        guard labs.shape[0] == n else {
            throw FormatError(labelsPath, "\(labs.shape[0]) labels for \(n) images in \(imagesPath)")
        }
        return try LabelValues.classes(labs.floats(), source: labelsPath, limit: limit)
    }

    /// An uncompressed images IDX file left on disk (see `ImageFile`), with its labels file when there is one.
    static func readLazily(images imagesPath: String, labels labelsPath: String?) throws -> LabeledImages {
        let file = try ImageFile.idx(imagesPath)
        guard let labelsPath else { return LabeledImages(file: file, labels: nil, classNames: []) }
        let labels = try readLabels(labelsPath, count: file.count, imagesPath: imagesPath, limit: 10_000)
        var set = LabeledImages(file: file, labels: labels, classNames: (0...(labels.max() ?? 0)).map(String.init))
        set.labelsSource = labelsPath
        return set
    }

    /// The same images with values mapped from `source` (default [0, 1]) to `range` (a model's pixel range).
    public consuming func mapped(from source: ClosedRange<Float> = 0...1, to range: ClosedRange<Float>) -> LabeledImages {
        var copy = consume self
        copy.mapPixels(from: source, to: range)
        return copy
    }

    /// Maps the values from `source` to `range` in place: a data set may be most of the memory in use,
    /// and a mapped copy beside it would double that. (A set left in its file maps each batch as it is read.)
    public mutating func mapPixels(from source: ClosedRange<Float> = 0...1, to range: ClosedRange<Float>) {
        guard range != source else { return }
        let scale = (range.upperBound - range.lowerBound) / (source.upperBound - source.lowerBound)
        let (lo, from) = (range.lowerBound, source.lowerBound)
        if file != nil {
            (fileScale, fileShift) = (fileScale * scale, lo + (fileShift - from) * scale)
            return
        }
        images.data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = lo + (p[i] - from) * scale } }
    }
}

/// A dataset shipped in `Weights/data`: four IDX files named `<name>-{train,heldout}-{images-idx3,labels-idx1}-ubyte.gz`
/// (`docs/data.md` says where each comes from and how it is rebuilt).
public struct ShippedDataset: Sendable, Equatable {
    /// What model files and `--data` call it.
    public let name: String
    public let title: String
    public let classNames: [String]
    /// 3 for grey images `[N, H, W]`, 4 for colour `[N, H, W, C]` (the IDX file name says which).
    public var imageRank = 3

    public func file(_ split: Split, _ part: Part) -> String {
        "\(name)-\(split.rawValue)-\(part == .images ? "images-idx\(imageRank)" : "labels-idx1")-ubyte.gz"
    }

    public enum Split: String, Sendable { case train, heldout }
    public enum Part: Sendable { case images, labels }

    /// One split from the folder holding the shipped data, labelled with the class names.
    public func read(_ split: Split, in directory: String) throws -> LabeledImages {
        try LabeledImages.read(images: directory + "/" + file(split, .images), labels: directory + "/" + file(split, .labels),
                               classNames: classNames)
    }

    public static let mnist = ShippedDataset(name: "mnist", title: "MNIST subset", classNames: (0...9).map(String.init))
    public static let fashionMNIST = ShippedDataset(name: "fashion-mnist", title: "Fashion-MNIST subset", classNames: [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ])
    public static let emoji = ShippedDataset(name: "emoji", title: "Noto emoji 32×32", classNames: [
        "Smileys & Emotion", "People & Body", "Animals & Nature", "Food & Drink", "Travel & Places", "Activities",
        "Objects", "Symbols", "Flags",
    ], imageRank: 4)
    public static let all = [mnist, fashionMNIST, emoji]

    public static func named(_ name: String) -> ShippedDataset? { all.first { $0.name == name } }

    /// The dataset whose files of `split` are in `directory` (a folder in the shipped layout), if any.
    public static func stored(in directory: String, _ split: Split) -> ShippedDataset? {
        all.first { FileManager.default.fileExists(atPath: directory + "/" + $0.file(split, .images)) }
    }

    /// The dataset a `--data` value (or a model's `data`) refers to: its name, unless a file or folder
    /// of that name is there, which wins.
    public static func referenced(by source: String) -> ShippedDataset? {
        FileManager.default.fileExists(atPath: source) ? nil : named(source)
    }
}

/// Where the shipped data lives, so that every command finds it without flags.
public enum ShippedData {
    /// `Weights/data` found from the working directory or next to the executable's package.
    public static func directory() -> String? {
        var candidates = [FileManager.default.currentDirectoryPath + "/Weights/data"]
        // The binary sits in .build/<config>/latent: walk up to find the package root.
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(url.path + "/Weights/data")
            url = url.deletingLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/" + heldOutImages) }
    }

    /// The folder holding the shipped models (`Weights/`).
    public static func weightsDirectory() -> String? {
        directory().map { ($0 as NSString).deletingLastPathComponent }
    }

    /// The model `latent` opens when none is named.
    public static let defaultModel = "vae-z10.safetensors"

    public static let trainImages = ShippedDataset.mnist.file(.train, .images)
    public static let trainLabels = ShippedDataset.mnist.file(.train, .labels)
    public static let heldOutImages = ShippedDataset.mnist.file(.heldout, .images)
    public static let heldOutLabels = ShippedDataset.mnist.file(.heldout, .labels)

    /// A shipped dataset's split, from `Weights/data`.
    public static func read(_ dataset: ShippedDataset, _ split: ShippedDataset.Split) throws -> LabeledImages {
        guard let dir = directory() else { throw FormatError("Weights/data", "cannot be found; run from the repository") }
        return try dataset.read(split, in: dir)
    }
}
