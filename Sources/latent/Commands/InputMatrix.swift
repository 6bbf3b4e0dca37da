import ArgumentParser
import LatentCore
import LatentIO

/// A matrix from a .npy, .csv or IDX file (IDX images flattened, u8 scaled to [0, 1]).
func loadInputMatrix(_ path: String) throws -> Tensor {
    let bytes = try FileBytes.read(path)
    switch FileSummary.kind(of: bytes, path: path) {
    case .npy:
        let t = try NPY.decode(bytes, source: path)
        return t.rank == 2 ? t : t.rank == 1 ? t.reshaped([t.count, 1]) : t.reshaped([t.shape[0], -1])
    case .csv: return try CSVMatrix.decode(bytes, source: path)
    case .idx:
        let idx = try IDXArray(bytes: bytes, source: path)
        let scale: Float = idx.type == .u8 ? 1 / 255 : 1
        let rows = idx.shape[0]
        return Tensor(shape: [rows, idx.count / max(1, rows)], data: idx.floats().map { $0 * scale })
    default:
        throw ValidationError("\(path): expected a .npy, .csv or IDX file")
    }
}
