import ArgumentParser
import LatentCore
import LatentIO

/// A matrix from a .npy, .csv or IDX file, one row per first-axis entry. IDX images are flattened and,
/// with `scaleImages`, their u8 values scaled to [0, 1] (labels keep their integers).
func loadInputMatrix(_ path: String, scaleImages: Bool = true) throws -> Tensor {
    let file = try FileBytes.Reader(path)
    let head = try file.read(upTo: min(file.size, 16))
    let t: Tensor
    switch FileSummary.kind(of: head, path: path) {
    case .npy: t = try NPY.read(path)
    case .csv: t = try CSVMatrix.read(path)
    case .idx:
        let idx = try IDXArray.read(path)
        let scale: Float = idx.type == .u8 && scaleImages ? 1 / 255 : 1
        var values = idx.floats()
        if scale != 1 { values.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= scale } } }
        t = Tensor(shape: idx.shape, data: values)
    default:
        throw FormatError(path, "expected a .npy, .csv or IDX file")
    }
    guard t.rank >= 1, t.shape[0] > 0 else { throw FormatError(path, "holds no rows (its shape is \(t.shape))") }
    return t.rank == 2 ? t : t.rank == 1 ? t.reshaped([t.count, 1]) : t.reshaped([t.shape[0], t.count / t.shape[0]])
}
