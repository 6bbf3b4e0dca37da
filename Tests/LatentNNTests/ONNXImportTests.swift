import Foundation
import LatentCore
import LatentIO
@testable import LatentNN
import Testing

/// Models exported from PyTorch with both exporters (scripts/make_onnx_fixtures.py): every manifest
/// loads, and encoder and decoder reproduce PyTorch's outputs to 1e-4.
@Suite struct ONNXImportTests {
    static let directory = fixturesDirectory + "/onnx"
    static var fixtures: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    static func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
    }

    @Test(arguments: fixtures)
    func matchesPyTorch(_ name: String) throws {
        let dir = Self.directory + "/" + name
        let model = try ImportedAutoencoder.load(dir + "/model.json")
        let x = try NPY.read(dir + "/input-x.npy"), z = try NPY.read(dir + "/input-z.npy")
        let expected = try NPY.read(dir + "/expected-x_hat.npy")
        let labels: [Int]? = model.kind == .cvae
            ? try NPY.read(dir + "/input-y.npy").data.chunked(model.classCount).map { $0.firstIndex(of: 1)! } : nil
        switch model.kind {
        case .vae, .cvae:
            let (mu, logvar) = try model.encodeImages(x, labels: labels)
            let eMu = try NPY.read(dir + "/expected-mu.npy"), eLogvar = try NPY.read(dir + "/expected-logvar.npy")
            #expect(mu.shape == eMu.shape && logvar.shape == eLogvar.shape)
            #expect(Self.maxDifference(mu, eMu) <= 1e-4 && Self.maxDifference(logvar, eLogvar) <= 1e-4,
                    "\(name): μ off by \(Self.maxDifference(mu, eMu)), log σ² by \(Self.maxDifference(logvar, eLogvar))")
            let xHat = try model.decodeLatents(z, labels: labels)
            #expect(xHat.shape == expected.shape && Self.maxDifference(xHat, expected) <= 1e-4,
                    "\(name): x̂ \(xHat.shape) off by \(Self.maxDifference(xHat, expected))")
        case .ae:
            Issue.record("\(name): the deterministic models' fixtures are LibraryModelTests'")
        case .vqvae:
            let ze = try model.encodeGrid(x), eZe = try NPY.read(dir + "/expected-z_e.npy")
            #expect(ze.shape == eZe.shape && Self.maxDifference(ze, eZe) <= 1e-4, "\(name): z_e off by \(Self.maxDifference(ze, eZe))")
            let out = try ImportedAutoencoder.run(model.decoder.graph, [z])[0].floats()
            #expect(Self.maxDifference(out.reshaped(expected.shape), expected) <= 1e-4, "\(name): x̂ off by \(Self.maxDifference(out, expected))")
            // Codes: the nearest codebook entry of each z_e vector, as numpy finds it.
            let codes = model.codebook!.quantize(ze)
            let book = model.codebook!.vectors, rows = model.codebook!.gridVectors(eZe)
            let reference = (0..<rows.shape[0]).map { r in
                (0..<book.shape[0]).min { a, b in
                    func d(_ c: Int) -> Float { (0..<book.shape[1]).reduce(0) { $0 + pow(rows.data[r * book.shape[1] + $1] - book.data[c * book.shape[1] + $1], 2) } }
                    return d(a) < d(b) || (d(a) == d(b) && a < b)
                }!
            }
            #expect(codes == reference)
            #expect(try model.decodeCodes(codes).shape == [x.shape[0]] + model.inputShape)
        }
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
