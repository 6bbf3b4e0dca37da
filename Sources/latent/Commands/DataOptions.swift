import ArgumentParser
import LatentIO
import LatentNN

/// `--data DIR` shared by the commands that read the shipped (or another) MNIST-format dataset.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data"), help: ArgumentHelp(
        "Images: a shipped dataset (\(ShippedDataset.all.map(\.name).joined(separator: ", "))), a .npy (N×H×W, N×H×W×C or N×C×H×W), a folder of PNGs (one subfolder per class), an images IDX file, or a folder in the shipped layout (<name>-{train,heldout}-{images-idx3,labels-idx1}-ubyte.gz). Default: the model's own data (its manifest's, or the dataset it was trained on), else the digits.",
        valueName: "path"))
    var path: String?

    func directory() throws -> String {
        if let path { return path }
        guard let dir = ShippedData.directory() else {
            throw ValidationError("cannot find Weights/data; run from the repository or pass --data")
        }
        return dir
    }

    /// The images a model is explored or encoded with, in its pixel range, checked against its input
    /// shape: `--data`, else the model's own (a manifest's `data`, the shipped dataset it was trained
    /// on), else the shipped digits.
    /// `lazily`: a .npy or raw IDX file larger than is held in memory stays in its file (the explorer).
    func images(for model: any LatentModel, labels: String? = nil, lazily: Bool = false) throws -> LabeledImages {
        try LatentNN.images(for: model, source: path, labels: labels, lazilyAbove: lazily ? DataLimits.maxValues : nil)
    }

    /// The shipped dataset `--data` names (default: the digits), or nil when it names a path.
    var dataset: ShippedDataset? {
        guard let path else { return .mnist }
        return ShippedDataset.referenced(by: path)
    }

    func trainSet() throws -> LabeledImages {
        if let dataset { return try ShippedData.read(dataset, .train) }
        let dir = try directory()
        return try (ShippedDataset.stored(in: dir, .train) ?? .mnist).read(.train, in: dir)
    }

    /// The held-out set of the shipped dataset `--data` names or of a folder in the shipped layout, or —
    /// when `--data` names an images IDX file — that file with its labels file (the same name with
    /// `images-idx3` → `labels-idx1`) when there is one; without it the images are unlabelled.
    func heldOutSet() throws -> LabeledImages {
        if let dataset { return try ShippedData.read(dataset, .heldout) }
        return try ImageSource.read(try directory(), shape: nil)
    }
}
