import Foundation
import LatentCore

/// Images from a .npy array laid out (N, H, W), (N, H, W, C) or (N, C, H, W), matched against a model's
/// input shape (C, H, W) and returned as NCHW. Integer values of any width are intensities 0–255, as
/// uint8 images hold them (a wider type is how `np.array(list_of_ints)` saves them); booleans are 0 and
/// 1; float values are taken as already in the model's range. Non-finite floats and integers outside
/// 0–255 are refused, with the first offending image named.
public enum ImageArray {
    public static func read(_ path: String, shape: [Int], range: ClosedRange<Float> = 0...1, labels labelsPath: String? = nil) throws -> LabeledImages {
        let name = (path as NSString).lastPathComponent
        let (t, dtype) = try NPY.readArray(path)
        let (c, h, w) = (shape[0], shape[1], shape[2])
        let layout: Tensor
        switch t.shape.count {
        case 3 where c == 1 && t.shape[1] == h && t.shape[2] == w:
            layout = t.reshaped([t.shape[0], 1, h, w])
        case 4 where Array(t.shape.dropFirst()) == shape:
            layout = t
        case 4 where t.shape[1] == h && t.shape[2] == w && t.shape[3] == c:
            layout = t
        default:
            throw FormatError(name, "holds images of shape \(t.shape); the model takes \(shape) (N×H×W, N×H×W×C or N×C×H×W)")
        }
        let n = t.shape[0]
        guard n > 0 else { throw FormatError(name, "holds no images (its shape is \(t.shape))") }
        try ImageValues.check(layout.data, perImage: c * h * w, integer: dtype.isInteger, source: name)
        let images = layout.shape[1] == c || c == 1 ? layout.reshaped([n, c, h, w])
            : Tensor(shape: [n, c, h, w], data: PixelValues.channelsFirst(layout.data, images: n, plane: h * w, channels: c))
        let source: ClosedRange<Float> = dtype.isInteger ? 0...255 : dtype.kind == .bool ? 0...1 : range
        var set: LabeledImages
        if let labelsPath {
            let labels = try readLabels(labelsPath, count: n, imagesName: name)
            set = LabeledImages(images: images, labels: labels, classNames: (0...(labels.max() ?? 0)).map(String.init))
            set.labelsSource = labelsPath
        } else {
            set = LabeledImages(unlabelled: images)
        }
        set.mapPixels(from: source, to: range)
        return set
    }

    /// The images of a .npy left in the file and read a batch at a time (see `ImageFile`): for arrays
    /// too large to hold as Float.
    public static func readLazily(_ path: String, shape: [Int], range: ClosedRange<Float> = 0...1, labels labelsPath: String? = nil) throws -> LabeledImages {
        let file = try ImageFile.npy(path, shape: shape)
        let labels = try labelsPath.map { try readLabels($0, count: file.count, imagesName: file.name) }
        var set = LabeledImages(file: file, labels: labels, classNames: (0...(labels?.max() ?? 0)).map(String.init))
        set.labelsSource = labelsPath
        // Integers come in [0, 1]; floats as they are, in the model's range.
        set.mapPixels(from: file.isInteger || file.isBool ? 0...1 : range, to: range)
        return set
    }

    /// A labels .npy of `count` integer labels (shape [N] or [N, 1]).
    static func readLabels(_ labelsPath: String, count n: Int, imagesName: String) throws -> [Int] {
        let labelsName = (labelsPath as NSString).lastPathComponent
        let l = try NPY.read(labelsPath)
        guard l.shape == [n] || l.shape == [n, 1] else {
            throw FormatError(labelsName, "holds labels of shape \(l.shape); expected \(n), one per image in \(imagesName)")
        }
        return try LabelValues.classes(l.data, source: labelsName)
    }
}
