import Foundation
import LatentCore
import LatentIO
@testable import LatentNN
import Testing

/// Models built with the libraries researchers use — diffusers' AutoencoderKL (a spatial latent with
/// diffusers' scaling), AutoencoderTiny (deterministic), vector-quantize-pytorch's VectorQuantize
/// (Euclidean and cosine), ResidualVQ and FSQ — exported by PyTorch (scripts/make_library_fixtures.py),
/// with PyTorch's outputs: each loads, and encodes and decodes as PyTorch did, codes exactly.
@Suite struct LibraryModelTests {
    static let directory = fixturesDirectory + "/onnx-lib"
    static var fixtures: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Max |a − b| relative to the reference's scale (max |b|, at least 1).
    static func offBy(_ a: [Float], _ b: [Float]) -> Float {
        let scale = max(1, b.map(abs).max() ?? 0)
        return (zip(a, b).map { abs($0 - $1) }.max() ?? .infinity) / scale
    }

    @Test(arguments: fixtures)
    func matchesPyTorch(_ name: String) throws {
        let dir = Self.directory + "/" + name
        let model = try ImportedAutoencoder.load(dir + "/model.json")
        let x = try NPY.read(dir + "/input-x.npy")
        let n = x.shape[0]
        let expected = try NPY.read(dir + "/expected-x_hat.npy")
        let scale = model.manifest.scalingFactor, shift = model.manifest.shiftFactor
        switch model.kind {
        case .vae, .ae:
            let (mu, logvar) = try model.encodeImages(x)
            let reference = try NPY.read(dir + (model.kind == .ae ? "/expected-latent.npy" : "/expected-mu.npy"))
            #expect(model.latentShape == Array(reference.shape.dropFirst()), "\(name): latent \(model.latentShape), PyTorch \(reference.shape)")
            #expect(mu.shape == [n, model.latentDim])
            // What we show is the scaled latent: (z − shift) · scale.
            let unscaled = mu.data.map { $0 / scale + shift }
            #expect(Self.offBy(unscaled, reference.data) <= 1e-4, "\(name): μ off by \(Self.offBy(unscaled, reference.data))")
            if model.kind == .vae {
                let eLogvar = try NPY.read(dir + "/expected-logvar.npy")
                let back = logvar.data.map { $0 - 2 * logf(abs(scale)) }
                #expect(Self.offBy(back, eLogvar.data) <= 1e-4, "\(name): log σ² off by \(Self.offBy(back, eLogvar.data))")
            } else {
                #expect(logvar.data.allSatisfy { $0 == -.infinity })  // σ = 0
            }
            let xHat = try model.decodeLatents(mu)
            #expect(xHat.shape == expected.shape && Self.offBy(xHat.data, expected.data) <= 1e-4,
                    "\(name): x̂ \(xHat.shape) off by \(Self.offBy(xHat.data, expected.data))")
        case .vqvae:
            let book = try #require(model.codebook)
            let ze = try model.encodeGrid(x), eZe = try NPY.read(dir + "/expected-z_e.npy")
            #expect(ze.shape == eZe.shape && Self.offBy(ze.data, eZe.data) <= 1e-4, "\(name): z_e off by \(Self.offBy(ze.data, eZe.data))")
            // Codes exactly as the library chose them, from PyTorch's own z_e (cell order, level fastest).
            let codes = book.quantize(eZe), eCodes = try NPY.read(dir + "/expected-codes.npy").data.map { Int($0) }
            #expect(codes == eCodes, "\(name): \(zip(codes, eCodes).filter { $0 != $1 }.count) of \(codes.count) codes differ")
            let xHat = try model.decodeCodes(codes)
            #expect(xHat.shape == expected.shape && Self.offBy(xHat.data, expected.data) <= 1e-4,
                    "\(name): x̂ off by \(Self.offBy(xHat.data, expected.data))")
            if let levels = book.scalarLevels {
                // FSQ's implicit codebook and numbering are the library's.
                let implicit = try NPY.read(dir + "/implicit-codebook.npy")
                #expect(implicit.shape == [levels.reduce(1, *), levels.count])
                #expect(Self.offBy(book.vectors.data, implicit.data) <= 1e-6)
            }
        case .cvae:
            Issue.record("\(name): no conditional fixtures here")
        }
    }
}

/// How `info` writes diffusers' scaling: no "− -0.25", no "− 0".
@Suite struct ScaledLatentTextTests {
    @Test func signsAndIdentitiesReadNaturally() {
        #expect(ImportedModelSummary.scaledLatent(shift: 0, scale: 0.7) == "z · 0.7")
        #expect(ImportedModelSummary.scaledLatent(shift: -0.25, scale: 1.5) == "(z + 0.25) · 1.5")
        #expect(ImportedModelSummary.scaledLatent(shift: 0.1159, scale: 0.3611) == "(z − 0.1159) · 0.3611")
        #expect(ImportedModelSummary.scaledLatent(shift: 0.5, scale: 1) == "z − 0.5")
    }
}
