import Foundation
import LatentCore
import LatentIO
import Testing

/// `latent directions` as a script uses it: the JSON promised (unit rows, strongest first, one score
/// and one std each), the .npy the same matrix, and one clear line for every bad argument.
@Suite struct DirectionsCLITests {
    static let emoji = "Weights/emoji-vae-z32.safetensors", vae = CLITests.vae, cvae = CLITests.cvae

    struct Output { let directions: [[Double]]; let scores: [Double]; let std: [Double]; let object: [String: Any] }

    func directions(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Output {
        let r = try CLITests.run(["directions"] + args)
        try #require(r.status == 0, "status \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], sourceLocation: sourceLocation)
        let rows = try #require(object["directions"] as? [[Double]], sourceLocation: sourceLocation)
        let scores = try #require(object["scores"] as? [Double], sourceLocation: sourceLocation)
        let std = try #require(object["std"] as? [Double], sourceLocation: sourceLocation)
        #expect(scores.count == rows.count && std.count == rows.count, sourceLocation: sourceLocation)
        for row in rows { #expect(abs(row.reduce(0) { $0 + $1 * $1 }.squareRoot() - 1) < 1e-4, "a row of length ≠ 1", sourceLocation: sourceLocation) }
        #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 >= $1 }, "scores not strongest first: \(scores)", sourceLocation: sourceLocation)
        #expect(std.allSatisfy { $0 > 0 }, sourceLocation: sourceLocation)
        return Output(directions: rows, scores: scores, std: std, object: object)
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// Global PCA of the emoji's μ: 8 orthonormal rows of 32, their variance fractions in (0, 1] and
    /// summing to at most 1, and a slider unit that is the square root of the variance.
    @Test func pcaOfTheEmojiLatents() throws {
        let out = try directions(["--model", Self.emoji, "--method", "pca", "--count", "8"])
        #expect(out.object["method"] as? String == "pca")
        #expect(out.directions.count == 8 && out.directions.allSatisfy { $0.count == 32 })
        for i in 0..<8 { for j in (i + 1)..<8 { #expect(abs(Self.dot(out.directions[i], out.directions[j])) < 1e-4) } }
        let explained = try #require(out.object["explained"] as? [Double])
        #expect(explained.allSatisfy { $0 > 0 && $0 <= 1 } && explained.reduce(0, +) <= 1 + 1e-6)
        for (s, v) in zip(out.std, out.scores) { #expect(abs(s - v.squareRoot()) < 1e-3 * s) }
        print("emoji VAE: the first 8 global PCA directions explain \(String(format: "%.1f", 100 * explained.reduce(0, +))) % of the μ's variance")
    }

    /// The Jacobian at --z by both methods gives the same strongest direction, and the .npy is the JSON's matrix.
    @Test func jacobianAtZAsJSONAndNPY() throws {
        let z = "--z=" + (0..<10).map { $0 % 2 == 0 ? "0.5" : "-0.25" }.joined(separator: ",")
        let backward = try directions(["--model", Self.vae, "--method", "jacobian", z, "--jacobian", "backward", "--count", "3"])
        let fd = try directions(["--model", Self.vae, "--method", "jacobian", z, "--jacobian", "fd", "--count", "3"])
        #expect(backward.object["jacobian"] as? String == "backward" && fd.object["jacobian"] as? String == "fd")
        // An MLP of ReLUs is piecewise linear: steps of 0.001 stay inside one piece, so the two agree closely.
        #expect(abs(Self.dot(backward.directions[0], fd.directions[0])) > 0.9999)
        for (a, b) in zip(backward.scores, fd.scores) { #expect(abs(a - b) < 1e-3 * a, "\(backward.scores) vs \(fd.scores)") }
        #expect(backward.object["score_unit"] as? String == "pixels per unit")
        let dir = FileManager.default.temporaryDirectory.path + "/latent-directions-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLITests.run(["directions", "--model", Self.vae, "--method", "jacobian", z, "--jacobian", "backward", "--count", "3",
                                  "--format", "npy", "-o", dir + "/d.npy"])
        #expect(r.status == 0, "\(r.stderr)")
        let matrix = try NPY.read(dir + "/d.npy")
        #expect(matrix.shape == [3, 10])
        for i in 0..<3 { for j in 0..<10 { #expect(abs(Double(matrix.data[i * 10 + j]) - backward.directions[i][j]) < 1e-5) } }
    }

    @Test func localAndAttributeDirections() throws {
        let local = try directions(["--model", Self.vae, "--method", "local", "--z=0,0,0,0,0,0,0,0,0,0", "--neighbors", "30", "--count", "4"])
        #expect(local.object["neighbors"] as? Int == 30 && local.directions.count == 4)
        let attribute = try directions(["--model", Self.vae, "--method", "attribute", "--classes", "1,7"])
        #expect(attribute.directions.count == 1 && attribute.scores[0] > 0)
        // Reversing the classes reverses the direction.
        let reversed = try directions(["--model", Self.vae, "--method", "attribute", "--classes", "7,1"])
        #expect(Self.dot(attribute.directions[0], reversed.directions[0]) < -0.9999)
        let ab = try directions(["--model", Self.vae, "--method", "attribute", "--from=0,0,0,0,0,0,0,0,0,0", "--to=3,4,0,0,0,0,0,0,0,0"])
        #expect(abs(ab.directions[0][0] - 0.6) < 1e-5 && abs(ab.directions[0][1] - 0.8) < 1e-5 && abs(ab.scores[0] - 5) < 1e-4)
        let conditional = try directions(["--model", Self.cvae, "--method", "jacobian", "--label", "4"])
        #expect(conditional.directions.count == 2)
    }

    /// An imported AutoencoderKL's [4, 8, 8] latent: directions over its 256 flattened values, by
    /// differences (an ONNX graph has no backward), with unit steps as it names no data.
    @Test func aSpatialLatentIsFlattened() throws {
        let out = try directions(["--model", "Tests/LatentNNTests/Fixtures/onnx-lib/kl-ts/model.json", "--method", "jacobian", "--count", "3"])
        #expect(out.directions.count == 3 && out.directions.allSatisfy { $0.count == 256 })
        #expect(out.object["latent_shape"] as? [Int] == [4, 8, 8] && out.object["jacobian"] as? String == "fd")
        #expect(out.std == [1, 1, 1] && out.object["std_note"] != nil)
    }

    static let badArguments: [([String], String)] = [
        (["--model", vae, "--method", "ica"], "--method must be pca, local, jacobian or attribute, not 'ica'"),
        (["--model", vae, "--count", "0"], "--count must be 1…65,536"),
        (["--model", vae, "--count", "11"], "--count 11 is more than the latent's 10 dimensions"),
        (["--model", vae, "--format", "png"], "--format must be json or npy, not 'png'"),
        (["--model", vae, "--method", "jacobian", "--jacobian", "exact"], "--jacobian must be auto, backward or fd, not 'exact'"),
        (["--model", vae, "--method", "jacobian", "--z", "1,2"], "--z has 2 values; this model needs 10"),
        (["--model", vae, "--method", "jacobian", "--z", "0,0,0,0,0,0,0,0,0,nan"], "--z value 10 ('nan') is not a finite number"),
        (["--model", vae, "--method", "jacobian", "--step", "0"], "--step must be a number in (0, 10]"),
        (["--model", vae, "--method", "jacobian", "--label", "3"], "--label is for a conditional VAE"),
        (["--model", cvae, "--method", "jacobian"], "a conditional VAE needs --label"),
        (["--model", vae, "--method", "pca", "--z", "0"], "--z is for --method local or jacobian"),
        (["--model", vae, "--method", "local", "--neighbors", "1"], "--neighbors must be 2…1,000,000"),
        (["--model", vae, "--method", "attribute"], "--method attribute needs --classes a,b or --from and --to"),
        (["--model", vae, "--method", "attribute", "--classes", "3"], "--classes needs two classes, a,b (got '3')"),
        (["--model", vae, "--method", "attribute", "--classes", "3,3"], "--classes needs two different classes, got 3 twice"),
        (["--model", vae, "--method", "attribute", "--classes", "3,cat"], "--classes: 'cat' is not a class of the data"),
        (["--model", vae, "--method", "attribute", "--from", "0"], "--from and --to go together"),
        (["--model", vae, "--method", "attribute", "--from=1,0,0,0,0,0,0,0,0,0", "--to=1,0,0,0,0,0,0,0,0,0"], "A and B are the same latent"),
        (["--model", vae, "--method", "pca", "--classes", "1,2"], "--classes, --from and --to are for --method attribute"),
        (["--model", CLITests.vq], "is a VQ-VAE: its latent is a grid of discrete codes"),
        (["--model", "Tests/LatentNNTests/Fixtures/onnx/mlp-vae-ts/model.json", "--method", "jacobian", "--jacobian", "backward"],
         "imported graph, which has no backward pass"),
    ]

    @Test(arguments: badArguments)
    func badArgumentsGetOneClearLine(_ args: [String], _ fragment: String) throws {
        let r = try CLITests.run(["directions"] + args)
        #expect(r.status != 0 && r.status < 128, "status \(r.status)")
        #expect(r.stderr.hasPrefix("latent directions: ") && r.stderr.contains(fragment), "stderr: \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stdout.isEmpty, "stderr: \(r.stderr)")
    }
}
