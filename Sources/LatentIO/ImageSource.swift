import Foundation

/// Every way images are named, read one way: a shipped dataset by name (`fashion-mnist`), a `.npy`, a
/// folder of PNGs, a folder in the shipped layout, or an images IDX file (with the labels file beside it
/// when there is one). Values come back in `range`, checked against `shape` (C, H, W) when one is given
/// (a `.npy` needs it: its layout is read against it). With `confinedTo`, a folder's files (and what
/// their symlinks lead to) must lie inside that folder: data a manifest names stays in the manifest's.
/// With `lazilyAbove`, a `.npy` or an uncompressed IDX file of more values than that is left in its file
/// and read a batch at a time (`ImageFile`): the explorer opens data sets of any size.
public enum ImageSource {
    /// `source`'s images: for a dataset or a shipped-layout folder, its held-out split.
    public static func read(_ source: String, shape: [Int]?, range: ClosedRange<Float> = 0...1, labels: String? = nil,
                            confinedTo root: String? = nil, lazilyAbove: Int? = nil) throws -> LabeledImages {
        let name = (source as NSString).lastPathComponent
        // Every file read below is checked against the folder first: the source, the labels found
        // beside it, the files of a shipped-layout folder, each PNG and class folder.
        let confinement = try root.map { try Confinement(folder: $0) }
        try confinement?.check(source)
        if let labels, !source.lowercased().hasSuffix(".npy") {
            throw FormatError((labels as NSString).lastPathComponent,
                              "--labels is for images given as .npy; \(name) carries its own (IDX, PNG folders and datasets do)")
        }
        var set: LabeledImages
        if let dataset = ShippedDataset.referenced(by: source) {
            set = try ShippedData.read(dataset, .heldout)
            set.mapPixels(to: range)
        } else if source.lowercased().hasSuffix(".npy") {
            guard let shape else { throw FormatError(name, "a .npy is read for a model (--model), whose input shape says its layout") }
            if let limit = lazilyAbove, try ImageFile.npy(source, shape: shape).valueCount > limit {
                set = try ImageArray.readLazily(source, shape: shape, range: range, labels: labels)
            } else {
                set = try ImageArray.read(source, shape: shape, range: range, labels: labels)
            }
        } else if isDirectory(source) {
            if let dataset = ShippedDataset.stored(in: source, .heldout) {
                for part in [ShippedDataset.Part.images, .labels] { try confinement?.check(source + "/" + dataset.file(.heldout, part)) }
                set = try dataset.read(.heldout, in: source)
                set.mapPixels(to: range)
            } else {
                guard let shape else { throw FormatError(name, "a PNG folder is read for a model (--model), whose input shape says what to expect") }
                set = try ImageFolder.read(source, shape: shape, range: range, confinedTo: confinement)
            }
        } else {
            // IDX bytes are 0–255, read as [0, 1]: mapped to what the model takes.
            let labelsFile = source.replacingOccurrences(of: "images-idx3", with: "labels-idx1")
            let hasLabels = labelsFile != source && FileManager.default.fileExists(atPath: labelsFile)
            if hasLabels { try confinement?.check(labelsFile) }
            // A user's IDX labels are classes 0…9999, named by their numbers (the shipped sets name theirs).
            if let limit = lazilyAbove, let file = try? ImageFile.idx(source), file.valueCount > limit {
                set = try LabeledImages.readLazily(images: source, labels: hasLabels ? labelsFile : nil)
            } else {
                set = try LabeledImages.read(images: source, labels: hasLabels ? labelsFile : nil, classNames: nil)
            }
            set.mapPixels(to: range)
        }
        let found = set.imageShape
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
