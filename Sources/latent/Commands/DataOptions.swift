import ArgumentParser
import LatentIO
import LatentNN

/// `--data DIR` shared by the commands that read the shipped (or another) MNIST-format dataset.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: ArgumentHelp(
        "Images: a .npy (N×H×W, N×H×W×C or N×C×H×W), a folder of PNGs (one subfolder per class), an images IDX file, or a folder with mnist-{train,heldout}-{images-idx3,labels-idx1}-ubyte.gz (default: the model manifest's data, else the shipped Weights/data).",
        valueName: "path"))
    var path: String?

    func directory() throws -> String { try Self.directory(path) }

    static func directory(_ path: String?) throws -> String {
        if let path { return path }
        guard let dir = ShippedData.directory() else {
            throw ValidationError("cannot find Weights/data; run from the repository or pass --data")
        }
        return dir
    }

    /// The images a model is explored or encoded with, in its pixel range, checked against its input
    /// shape: `--data` (a .npy of images, a folder of PNGs, an images IDX file or a folder in the shipped
    /// layout), else the manifest's `data` (and `labels`), else the shipped digits.
    func images(for model: any LatentModel, labels: String? = nil) throws -> LabeledImages {
        let manifest = (model as? ImportedAutoencoder)?.manifest
        let source = path ?? manifest?.data
        let labelsFile = labels ?? (path == nil ? manifest?.labels : nil)
        let set: LabeledImages
        if let source, source.lowercased().hasSuffix(".npy") {
            set = try ImageArray.read(source, shape: model.inputShape, range: model.pixelRange, labels: labelsFile)
        } else if let source, isDirectory(source), !FileManager.default.fileExists(atPath: source + "/" + ShippedData.heldOutImages) {
            set = try ImageFolder.read(source, shape: model.inputShape, range: model.pixelRange)
        } else {
            // IDX bytes are 0–255, read as [0, 1]: mapped to what the model takes.
            set = try Self.heldOutSet(at: source).mapped(to: model.pixelRange)
        }
        let shape = Array(set.images.shape.dropFirst())
        guard shape == model.inputShape else {
            throw ValidationError("the data holds images of shape \(shape); the model takes \(model.inputShape)")
        }
        return set
    }

    func trainSet() throws -> LabeledImages {
        let dir = try directory()
        return try LabeledImages.read(images: dir + "/" + ShippedData.trainImages, labels: dir + "/" + ShippedData.trainLabels)
    }

    /// The held-out set, or — when `--data` names an images IDX file — that file with its labels
    /// file (the same name with `images-idx3` → `labels-idx1`) when there is one; without it the
    /// images are unlabelled.
    func heldOutSet() throws -> LabeledImages { try Self.heldOutSet(at: path) }

    static func heldOutSet(at path: String?) throws -> LabeledImages {
        if let path, !isDirectory(path) {
            let labels = path.replacingOccurrences(of: "images-idx3", with: "labels-idx1")
            return try LabeledImages.read(images: path, labels: labels != path && FileManager.default.fileExists(atPath: labels) ? labels : nil)
        }
        let dir = try directory(path)
        return try LabeledImages.read(images: dir + "/" + ShippedData.heldOutImages, labels: dir + "/" + ShippedData.heldOutLabels)
    }
}

import Foundation

func isDirectory(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
}
