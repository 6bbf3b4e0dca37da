import Foundation
import LatentCore

/// A set of same-sized greyscale images with integer class labels, as the MNIST IDX files hold them.
/// Pixels are scaled to [0, 1] and shaped NCHW `[N, 1, H, W]`, the layout every model takes.
public struct LabeledImages: Sendable {
    public let images: Tensor
    /// One label per image; all 0 when the data came without labels (see `isLabelled`).
    public let labels: [Int]
    public let classNames: [String]
    /// False for images read without a labels file: class colours, prototypes and label accuracy
    /// then have nothing to go on, and the labels above are placeholders.
    public let isLabelled: Bool

    public var count: Int { labels.count }
    public var height: Int { images.shape[2] }
    public var width: Int { images.shape[3] }
    public var channels: Int { images.shape[1] }
    /// Values per image: C·H·W.
    public var pixelsPerImage: Int { channels * height * width }

    public init(images: Tensor, labels: [Int], classNames: [String]) {
        precondition(images.rank == 4 && images.shape[0] == labels.count, "images \(images.shape) vs \(labels.count) labels")
        self.images = images
        self.labels = labels
        self.classNames = classNames
        isLabelled = true
    }

    /// Images without labels.
    public init(unlabelled images: Tensor) {
        precondition(images.rank == 4, "images \(images.shape)")
        self.images = images
        labels = [Int](repeating: 0, count: images.shape[0])
        classNames = []
        isLabelled = false
    }

    /// Reads an images IDX file (u8, `[N, H, W]`) and its labels IDX file (u8, `[N]`), if there is one.
    public static func read(images imagesPath: String, labels labelsPath: String?,
                            classNames: [String] = (0...9).map(String.init)) throws -> LabeledImages {
        let imgs = try IDXArray.read(imagesPath)
        guard imgs.shape.count == 3 else {
            throw FormatError(imagesPath, "expected images of shape [N, height, width], found \(imgs.shape)")
        }
        let scale: Float = imgs.type == .u8 ? 1.0 / 255.0 : 1.0
        guard let labelsPath else {
            return LabeledImages(unlabelled: Tensor(shape: [imgs.shape[0], 1, imgs.shape[1], imgs.shape[2]],
                                                    data: imgs.floats().map { $0 * scale }))
        }
        let labs = try IDXArray.read(labelsPath)
        guard labs.shape.count == 1 else { throw FormatError(labelsPath, "expected labels of shape [N], found \(labs.shape)") }
        guard labs.shape[0] == imgs.shape[0] else {
            throw FormatError(labelsPath, "\(labs.shape[0]) labels for \(imgs.shape[0]) images in \(imagesPath)")
        }
        let pixels = imgs.floats().map { $0 * scale }
        let labels = labs.floats().map { Int($0) }
        if let badIndex = labels.firstIndex(where: { $0 < 0 || $0 >= classNames.count }) {
            throw FormatError(labelsPath, "label \(labels[badIndex]) at index \(badIndex) is outside 0..<\(classNames.count)")
        }
        return LabeledImages(images: Tensor(shape: [imgs.shape[0], 1, imgs.shape[1], imgs.shape[2]], data: pixels),
                             labels: labels, classNames: classNames)
    }

    /// The same images with values mapped from `source` (default [0, 1]) to `range` (a model's pixel range).
    public func mapped(from source: ClosedRange<Float> = 0...1, to range: ClosedRange<Float>) -> LabeledImages {
        guard range != source else { return self }
        let scale = (range.upperBound - range.lowerBound) / (source.upperBound - source.lowerBound)
        let images = Tensor(shape: self.images.shape, data: self.images.data.map { range.lowerBound + ($0 - source.lowerBound) * scale })
        return isLabelled ? LabeledImages(images: images, labels: labels, classNames: classNames) : LabeledImages(unlabelled: images)
    }

    /// The pixels of image `i` as a flat row-major array in [0, 1].
    public func pixels(of i: Int) -> ArraySlice<Float> {
        images.data[(i * pixelsPerImage)..<((i + 1) * pixelsPerImage)]
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

    public static let trainImages = "mnist-train-images-idx3-ubyte.gz"
    public static let trainLabels = "mnist-train-labels-idx1-ubyte.gz"
    public static let heldOutImages = "mnist-heldout-images-idx3-ubyte.gz"
    public static let heldOutLabels = "mnist-heldout-labels-idx1-ubyte.gz"
}
