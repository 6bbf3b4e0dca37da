import LatentNN
import TermRender

/// Opening a dataset image (n, p, Enter, `:`): in the key's frame, in the background for a slow model,
/// or ahead of a step to it. One function for all three, so that an image opened ahead is the image
/// opening it at once gives.
extension ExplorerEngine {
    /// Image `index` opened: a VAE's posterior and reconstruction (μ decoded, with the image's own label
    /// when `conditional`), a VQ-VAE's codes and decoded grid; or why it could not be opened.
    /// `background`: the decode gives way to interactive calls. `ahead`: on the copy of the model that
    /// passes over the data use (`passOverData`), so that opening an image the user has not asked for
    /// yet never holds the model a key's decode waits for.
    func open(index: Int, conditional: Bool, background: Bool = false, ahead: Bool = false) -> Message {
        guard ahead else { return open(index, conditional: conditional, on: nil, background: background) }
        return passOverData(limit: 1) { model, access, _, _ in
            // No copy (its file could not be read again): the shared model, giving way to the frame.
            open(index, conditional: conditional, on: access === self.access ? nil : (model, access), background: true)
        }
    }

    private func open(_ index: Int, conditional: Bool, on other: (model: any LatentModel, access: ModelAccess)?, background: Bool) -> Message {
        func decoded(_ decode: (any LatentModel) -> [Image]) -> Image? {
            guard let other else { return timed(count: 1, background: background) { decode(model) }.first }
            return other.access.run(background: true) { decode(other.model) }.first
        }
        if model.kind == .vqvae {
            let quantized: QuantizedImage?
            do { quantized = try quantize(index: index, on: other) } catch { return .failed("\(error)") }
            guard let q = quantized else { return .failed("the model could not encode image \(index)") }
            return decoded { decode(grids: [q.codes], with: $0) }.map { .quantized(q, reconstruction: $0) }
                ?? .failed("the model could not decode image \(index)")
        }
        let encoded: EncodedImage?
        do { encoded = try encode(index: index, on: other) } catch { return .failed("\(error)") }
        guard let encoded else { return .failed("the model could not encode image \(index)") }
        return decoded { decode([encoded.mu], label: conditional ? encoded.label : nil, with: $0) }.map { .imageEncoded(encoded, reconstruction: $0) }
            ?? .failed("the model could not decode image \(index)")
    }
}
