import LatentCore
import LatentIO

/// μ of every image of `set` (n, d) through a continuous model's encoder (a CVAE with each image's
/// label), flattened as the latent is: the data the PCA, local and attribute directions are found in.
/// Batches of 256 keep a conv encoder's im2col buffers small.
public func encodeMeans(_ model: any LatentModel, _ set: LabeledImages) throws -> Tensor {
    guard model.kind.isContinuous else { throw DirectionError("a VQ-VAE's latent is discrete: it has no μ to find directions in") }
    guard Array(set.images.shape.dropFirst()) == model.inputShape else {
        throw DirectionError("the data's images are \(Array(set.images.shape.dropFirst())), the model takes \(model.inputShape)")
    }
    guard model.kind != .cvae || set.isLabelled else { throw DirectionError("a conditional VAE encodes images with their labels, and this data has none") }
    var rows: [Float] = []
    rows.reserveCapacity(set.count * model.latentDim)
    for start in stride(from: 0, to: set.count, by: 256) {
        let range = start..<min(set.count, start + 256)
        rows += try model.encodeImages(set.images.rows(range), labels: model.kind == .cvae ? Array(set.labels[range]) : nil).mu.data
    }
    guard let bad = rows.firstIndex(where: { !$0.isFinite }) else { return Tensor(shape: [set.count, model.latentDim], data: rows) }
    throw DirectionError("the encoder returned \(rows[bad]) for image \(bad / model.latentDim): μ is not a number there")
}
