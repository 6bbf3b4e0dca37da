import Foundation
import LatentCore

/// Images from a .npy array laid out (N, H, W), (N, H, W, C) or (N, C, H, W), matched against a model's
/// input shape (C, H, W) and returned as NCHW. uint8 values (0–255) are mapped to the model's pixel
/// range; float values are taken as already in it.
public enum ImageArray {
    public static func read(_ path: String, shape: [Int], range: ClosedRange<Float> = 0...1, labels labelsPath: String? = nil) throws -> LabeledImages {
        let name = (path as NSString).lastPathComponent
        let (t, dtype) = try NPY.readArray(path)
        // uint8 images are 0–255: mapped to the model's pixel range; floats are taken as already in it.
        let source: ClosedRange<Float> = dtype.hasSuffix("u1") ? 0...255 : range
        let (c, h, w) = (shape[0], shape[1], shape[2])
        let images: Tensor
        switch t.shape.count {
        case 3 where c == 1 && t.shape[1] == h && t.shape[2] == w:
            images = t.reshaped([t.shape[0], 1, h, w])
        case 4 where Array(t.shape.dropFirst()) == shape:
            images = t
        case 4 where t.shape[1] == h && t.shape[2] == w && t.shape[3] == c:
            images = Tensor(shape: [t.shape[0], c, h, w], data: PixelValues.channelsFirst(t.data, images: t.shape[0], plane: h * w, channels: c))
        default:
            throw FormatError(name, "holds images of shape \(t.shape); the model takes \(shape) (N×H×W, N×H×W×C or N×C×H×W)")
        }
        guard let labelsPath else { return LabeledImages(unlabelled: images).mapped(from: source, to: range) }
        let l = try NPY.read(labelsPath)
        guard l.rank == 1, l.count == images.shape[0], l.data.allSatisfy({ $0 >= 0 && $0 == $0.rounded() && $0 < 10_000 }) else {
            throw FormatError((labelsPath as NSString).lastPathComponent, "labels must be \(images.shape[0]) integers in 0…9999, got shape \(l.shape)")
        }
        let labels = l.data.map { Int($0) }
        return LabeledImages(images: images, labels: labels, classNames: (0...(labels.max() ?? 0)).map(String.init))
            .mapped(from: source, to: range)
    }
}
