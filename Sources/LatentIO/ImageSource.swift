import Foundation

/// Every way images are named, read one way: a shipped dataset by name (`fashion-mnist`), a `.npy`, a
/// folder of PNGs, a folder in the shipped layout, or an images IDX file (with the labels file beside it
/// when there is one). Values come back in `range`, checked against `shape` (C, H, W) when one is given
/// (a `.npy` needs it: its layout is read against it). With `confinedTo`, a folder's files (and what
/// their symlinks lead to) must lie inside that folder: data a manifest names stays in the manifest's.
public enum ImageSource {
    /// `source`'s images: for a dataset or a shipped-layout folder, its held-out split.
    public static func read(_ source: String, shape: [Int]?, range: ClosedRange<Float> = 0...1, labels: String? = nil,
                            confinedTo root: String? = nil) throws -> LabeledImages {
        let name = (source as NSString).lastPathComponent
        var set: LabeledImages
        if let dataset = ShippedDataset.referenced(by: source) {
            set = try ShippedData.read(dataset, .heldout)
            set.mapPixels(to: range)
        } else if source.lowercased().hasSuffix(".npy") {
            guard let shape else { throw FormatError(name, "a .npy is read for a model (--model), whose input shape says its layout") }
            set = try ImageArray.read(source, shape: shape, range: range, labels: labels)
        } else if isDirectory(source) {
            if let dataset = ShippedDataset.stored(in: source, .heldout) {
                set = try dataset.read(.heldout, in: source)
                set.mapPixels(to: range)
            } else {
                guard let shape else { throw FormatError(name, "a PNG folder is read for a model (--model), whose input shape says what to expect") }
                set = try ImageFolder.read(source, shape: shape, range: range, confinedTo: root)
            }
        } else {
            // IDX bytes are 0–255, read as [0, 1]: mapped to what the model takes.
            let labelsFile = source.replacingOccurrences(of: "images-idx3", with: "labels-idx1")
            let hasLabels = labelsFile != source && FileManager.default.fileExists(atPath: labelsFile)
            set = try LabeledImages.read(images: source, labels: hasLabels ? labelsFile : nil)
            set.mapPixels(to: range)
        }
        let found = Array(set.images.shape.dropFirst())
        guard shape == nil || found == shape else {
            throw FormatError(name, "holds images of shape \(found); the model takes \(shape ?? [])")
        }
        return set
    }
}

/// Whether `path` names a folder.
public func isDirectory(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
}
