import ArgumentParser
import LatentIO
import LatentNN

/// `--data DIR` shared by the commands that read the shipped (or another) MNIST-format dataset.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: ArgumentHelp(
        "Folder with mnist-{train,heldout}-{images-idx3,labels-idx1}-ubyte.gz, or an images IDX file (default: the shipped Weights/data).",
        valueName: "path"))
    var path: String?

    func directory() throws -> String {
        if let path { return path }
        guard let dir = ShippedData.directory() else {
            throw ValidationError("cannot find Weights/data; run from the repository or pass --data")
        }
        return dir
    }

    /// The images a model is explored or encoded with, in its pixel range: `--data` (a .npy of images, an
    /// IDX file or a folder in the shipped layout), else the manifest's `data`, else the shipped digits.
    func images(for model: any LatentModel, labels: String? = nil) throws -> LabeledImages {
        let manifestData = (model as? ImportedAutoencoder)?.manifest.data
        if let source = path ?? manifestData, source.lowercased().hasSuffix(".npy") {
            return try ImageArray.read(source, shape: model.inputShape, range: model.pixelRange, labels: labels)
        }
        // IDX bytes are 0–255, read as [0, 1]: mapped to what the model takes.
        return try heldOutSet().mapped(to: model.pixelRange)
    }

    func trainSet() throws -> LabeledImages {
        let dir = try directory()
        return try LabeledImages.read(images: dir + "/" + ShippedData.trainImages, labels: dir + "/" + ShippedData.trainLabels)
    }

    /// The held-out set, or — when `--data` names an images IDX file — that file with its labels
    /// file (the same name with `images-idx3` → `labels-idx1`) when there is one; without it the
    /// images are unlabelled.
    func heldOutSet() throws -> LabeledImages {
        if let path, !isDirectory(path) {
            let labels = path.replacingOccurrences(of: "images-idx3", with: "labels-idx1")
            return try LabeledImages.read(images: path, labels: labels != path && FileManager.default.fileExists(atPath: labels) ? labels : nil)
        }
        let dir = try directory()
        return try LabeledImages.read(images: dir + "/" + ShippedData.heldOutImages, labels: dir + "/" + ShippedData.heldOutLabels)
    }
}

import Foundation

func isDirectory(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
}
