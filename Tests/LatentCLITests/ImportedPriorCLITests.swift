import Foundation
import LatentCore
import LatentIO
import Testing

/// `latent train prior --model model.json` on a copy of an exported residual VQ-VAE: the prior is
/// written beside the manifest and named in it, `info` and `sample` use it, a second run replaces it,
/// and a damaged prior is trained over.
@Suite struct ImportedPriorCLITests {
    static let fixture = CLITests.root + "/Tests/LatentNNTests/Fixtures/onnx-lib/rvq-ts"

    /// 30 colour 16×16 images of a blob that moves, as float32 .npy bytes.
    static func images(_ n: Int = 30) -> [UInt8] {
        Fixture.npy("<f4", [n, 3, 16, 16], Fixture.f32((0..<(n * 768)).map { i in
            let image = i / 768, p = i % 256, y = Float(p / 16 - 4 - image % 8), x = Float(p % 16 - 4 - image / 8 % 8)
            return max(0, 1 - (x * x + y * y) / 12) * (i / 256 % 3 == image % 3 ? 1 : 0.4)
        }))
    }

    static func manifest(_ path: String) throws -> [(key: String, value: JSONValue)] {
        try #require(try JSONParser.parse(try FileBytes.read(path, limit: 1 << 20)).object)
    }

    @Test func trainsAPriorBesideTheManifestAndSamplesFromIt() throws {
        let dir = NSTemporaryDirectory() + "latent-prior-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for file in ["encoder.onnx", "decoder.onnx", "codebook.npy"] {
            try FileManager.default.copyItem(atPath: Self.fixture + "/" + file, toPath: dir + "/" + file)
        }
        Fixture.write(Self.images(), to: dir + "/images.npy")
        // The manifest's own data is what the prior is trained on.
        let path = dir + "/model.json"
        try #"{"kind": "vqvae", "encoder": "encoder.onnx", "decoder": "decoder.onnx", "codebook": "codebook.npy", "input_shape": [3, 16, 16], "data": "images.npy"}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let before = try Self.manifest(path)

        let trained = try CLITests.run(["train", "prior", "--model", path, "--epochs", "2", "--threads", "1"])
        #expect(trained.status == 0, "\(trained.stdout)\(trained.stderr)")
        #expect(trained.stdout.contains("4×4×3 levels grids of 16 codes") && trained.stdout.contains("27 training grids, 3 held out"), "\(trained.stdout)")
        #expect(FileManager.default.fileExists(atPath: dir + "/prior.safetensors"))
        let after = try Self.manifest(path)
        #expect(after.map(\.key) == before.map(\.key) + ["prior"] && after.last?.value == .string("prior.safetensors"))
        #expect(zip(before, after).allSatisfy { $0.key == $1.key && $0.value == $1.value })

        let info = try CLITests.run(["info", path])
        #expect(info.status == 0 && info.stdout.contains("prior: prior.safetensors · learned over the code grids, all 3 levels"), "\(info.stdout)\(info.stderr)")
        #expect(info.stdout.contains("nll_bits_per_grid"), "\(info.stdout)")
        let sampled = try CLITests.run(["sample", "--model", path, "--n", "3", "--seed", "2", "--format", "json"])
        #expect(sampled.status == 0, "\(sampled.stderr)")
        let grids = try #require(try JSONParser.parse(sampled.stdout)["grids"]?.array)
        #expect(grids.count == 3 && grids.allSatisfy { g in
            g.array?.count == 4 * 4 * 3 && g.array!.allSatisfy { ($0.nonNegativeInt ?? 99) < 16 }
        }, "\(sampled.stdout)")

        // A damaged prior is not read when a new one is trained over it; -o names another file.
        try "damaged".write(toFile: dir + "/prior.safetensors", atomically: true, encoding: .utf8)
        #expect(try CLITests.run(["info", path]).status != 0)
        let again = try CLITests.run(["train", "prior", "--model", path, "--epochs", "1", "--threads", "1", "-o", "prior-2.safetensors"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(try Self.manifest(path).filter { $0.key == "prior" }.map(\.value) == [.string("prior-2.safetensors")])
        #expect(try CLITests.run(["sample", "--model", path, "--n", "2", "-o", dir + "/sheet.png"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir + "/sheet.png"))
    }
}
