import LatentCore
import LatentIO
@testable import LatentNN
import Testing

/// Models laid out as PyTorch's state_dict, built by scripts/make_pytorch_layout_fixtures.py with an
/// independent numpy forward pass: loading them through the normal path must reproduce numpy's outputs.
@Suite struct PyTorchLayoutTests {
    @Test func vaeWithConvBatchNormAndTransposedConvMatchesNumPy() throws {
        guard case .vae(let m) = try Autoencoder.load(fixturesDirectory + "/pytorch-layout-vae.safetensors") else {
            Issue.record("not a VAE"); return
        }
        let e = try NPY.read(fixturesDirectory + "/pytorch-layout-vae-expected.npy").data
        // layout: x (2·64), z (2·3), mu (2·3), logvar (2·3), image (2·64)
        let x = Tensor(shape: [2, 1, 8, 8], data: Array(e[0..<128]))
        let z = Tensor(shape: [2, 3], data: Array(e[128..<134]))
        let (mu, logvar) = m.encode(x)
        #expect(maxAbsDifference(mu.data, e[134..<140]) < 1e-5)
        #expect(maxAbsDifference(logvar.data, e[140..<146]) < 1e-5)
        let image = m.decode(z)
        #expect(image.shape == [2, 1, 8, 8])
        #expect(maxAbsDifference(image.data, e[146..<274]) < 1e-5)
    }

    @Test func vqvaeCodesAndDecodeMatchNumPy() throws {
        guard case .vqvae(let m) = try Autoencoder.load(fixturesDirectory + "/pytorch-layout-vqvae.safetensors") else {
            Issue.record("not a VQ-VAE"); return
        }
        let e = try NPY.read(fixturesDirectory + "/pytorch-layout-vqvae-expected.npy").data
        // layout: x (64), codes (16), given codes (16), image (64)
        let x = Tensor(shape: [1, 1, 8, 8], data: Array(e[0..<64]))
        #expect(m.encode(x) == e[64..<80].map { Int($0) })
        let image = m.decode(codes: e[80..<96].map { Int($0) })
        #expect(maxAbsDifference(image.data, e[96..<160]) < 1e-5)
    }
}
