import Foundation
import LatentCore
import LatentIO
import Testing

/// The `latent` executable driven as a user would: arguments in, stdout/stderr/exit status out.
/// Bad input must give one clear line on stderr and a non-zero status, never a crash.
@Suite struct CLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The `latent` that `swift test` just built (this target depends on it).
    static let binary: String? = {
        let fm = FileManager.default
        let candidates = [root + "/.build/debug/latent"]
            + ((try? fm.contentsOfDirectory(atPath: root + "/.build")) ?? []).map { root + "/.build/\($0)/debug/latent" }
        return candidates.filter { fm.isExecutableFile(atPath: $0) }
            .max { ((try? fm.attributesOfItem(atPath: $0)[.modificationDate] as? Date) ?? .distantPast)
                 < ((try? fm.attributesOfItem(atPath: $1)[.modificationDate] as? Date) ?? .distantPast) }
    }()

    struct Result { let status: Int32; let stdout: String; let stderr: String }

    /// `latent args`, or `emulator… latent args` (the emulator's path first).
    static func run(_ args: [String], environment: [String: String] = [:], under emulator: [String] = []) throws -> Result {
        let bin = try #require(binary, "latent binary not found under .build")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: emulator.first ?? bin)
        p.arguments = emulator.isEmpty ? args : Array(emulator.dropFirst()) + [bin] + args
        if !environment.isEmpty || !emulator.isEmpty {  // a BLAS kernel set for this shell is not the test's
            var env = ProcessInfo.processInfo.environment
            env.removeValue(forKey: "OPENBLAS_CORETYPE")
            for (k, v) in environment { env[k] = v }
            p.environment = env
        }
        p.currentDirectoryURL = URL(fileURLWithPath: root)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static let vae = "Weights/vae-z10.safetensors", vae2 = "Weights/vae-z2.safetensors"
    static let cvae = "Weights/cvae-z2.safetensors", vq = "Weights/vqvae-k32.safetensors"

    static let badInputs: [([String], String)] = [
        (["decode", "--model", vae, "--z", "1,2,3"], "--z has 3 values; this model needs 10"),
        (["decode", "--model", vae2, "--z", "0,abc"], "--z value 2 ('abc') is not a finite number"),
        (["decode", "--model", vae2, "--z", "0,nan"], "--z value 2 ('nan') is not a finite number"),
        (["decode", "--model", vae2, "--z", "0,0", "--label", "3"], "--label is for a conditional VAE"),
        (["decode", "--model", cvae, "--z", "0,0", "--label", "12"], "--label '12' is not a class of this model"),
        (["decode", "--model", cvae, "--z", "0,0"], "a conditional VAE needs --label"),
        (["decode", "--model", vq, "--codes", "1,2,3"], "--codes has 3 indices; this model's grid needs 49"),
        (["decode", "--model", vq, "--codes", Array(repeating: "32", count: 49).joined(separator: ",")], "--codes entry 1 is 32, outside the codebook 0…31"),
        (["decode", "--model", vq, "--z", "0"], "--z is for a VAE"),
        (["decode", "--model", "Weights/nope.safetensors", "--z", "0"], "Weights/nope.safetensors: no such file"),
        (["decode", "--model", "Weights/data/mnist-heldout-labels-idx1-ubyte.gz", "--z", "0"], "header length"),
        (["encode", "--model", vae, "--index", "5000"], "--index 5000 is outside the data's 0…999"),
        (["info", "Weights"], "Weights: is a directory, not a file"),
        (["train", "gan"], "kind must be vae, cvae, vqvae or prior"),
        (["train", "prior"], "train prior needs --model"),
        (["train", "prior", "--model", vae], "a prior is learned over a VQ-VAE's code grids"),
        (["sample", "--model", vae], "sampling grids needs a VQ-VAE"),
        (["sample", "--model", "Weights/emoji-vae-z32.safetensors"], "sampling grids needs a VQ-VAE"),
        (["sample", "--model", vq, "--n", "0"], "--n must be 1…1024"),
        (["sample", "--model", vq, "--temperature=-1"], "--temperature must be 0…100"),
        (["sample", "--model", vq, "--format", "pgm"], "--format must be png or json"),
        (["render", "manifold", "--model", vq, "-o", "/tmp/x.png"], "is a VQ-VAE: its figure is `latent render palette`"),
        (["render", "manifold", "--model", vae, "--dims", "3,3", "-o", "/tmp/x.png"], "--dims must be two different dimensions in 0…9"),
        (["render", "manifold", "--model", vae, "-o", "/tmp/x.gif"], "this figure is written as .png"),
        (["render", "manifold", "--model", vae, "--scale", "40", "-o", "/tmp/x.png"], "--scale must be 1…16"),
        (["render", "manifold", "--model", cvae, "-o", "/tmp/x.png"], "a conditional VAE needs --label"),
        (["render", "morph", "--model", vae, "--from", "0", "--to", "1000", "-o", "/tmp/x.gif"], "--to 1000 is not an image of the data (0…999)"),
        (["render", "morph", "--model", vq, "--from", "0", "--to", "1", "-o", "/tmp/x.gif"], "a morph walks a continuous latent space"),
        (["render", "palette", "--model", vae, "-o", "/tmp/x.png"], "is not a VQ-VAE"),
        (["render", "palette", "--model", "Weights/emoji-vqvae-k512.safetensors", "--scale", "16", "-o", "/tmp/x.png"], "larger than 4096×4096"),
    ]

    /// `latent render`: each figure decodes to the promised size; the morph loops A → B → A.
    @Test func rendersFiguresToFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("latent-render-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r1 = try Self.run(["render", "manifold", "--model", Self.vae2, "--size", "4", "--scale", "2", "-o", dir + "/m.png"])
        #expect(r1.status == 0 && r1.stdout.contains("wrote"), "\(r1.stderr)")
        let grid = try PNG.decode(FileBytes.read(dir + "/m.png"))
        #expect(grid.width == (4 * 28 + 5) * 2 && grid.height == grid.width)

        let r2 = try Self.run(["render", "morph", "--model", Self.vae, "--from", "0", "--to", "5", "--frames", "6", "--scale", "1", "-o", dir + "/a.gif"])
        #expect(r2.status == 0, "\(r2.stderr)")
        let gif = try GIF.decode(FileBytes.read(dir + "/a.gif"))
        #expect(gif.width == 28 && gif.height == 28 && gif.frames.count == 12)
        #expect(gif.frames[0].rgb != gif.frames[6].rgb && gif.frames[1].rgb == gif.frames[11].rgb)

        let r3 = try Self.run(["render", "palette", "--model", Self.vq, "--scale", "1", "-o", dir + "/p.png"])
        #expect(r3.status == 0, "\(r3.stderr)")
        let palette = try PNG.decode(FileBytes.read(dir + "/p.png"))
        #expect(palette.width == 6 * 28 + 7)  // 32 codes in rows of ⌈√32⌉ = 6
        #expect(palette.height == 6 * (28 + 6) + 7)  // each code's index under its tile
    }

    /// `latent sample`: the same seed gives the same grids, in the order decode takes; a PNG sheet.
    @Test func samplesFromTheShippedPrior() throws {
        let a = try Self.run(["sample", "--model", Self.vq, "--n", "3", "--seed", "4", "--format", "json"])
        let b = try Self.run(["sample", "--model", Self.vq, "--n", "3", "--seed", "4", "--format", "json"])
        let c = try Self.run(["sample", "--model", Self.vq, "--n", "3", "--seed", "5", "--format", "json"])
        #expect(a.status == 0 && a.stdout == b.stdout && a.stdout != c.stdout, "\(a.stderr)")
        let json = try JSONParser.parse(a.stdout)
        let grids = try #require(json["grids"]?.array)
        #expect(grids.count == 3 && grids.allSatisfy { ($0.array?.count ?? 0) == 49 })
        let codes = grids[0].array!.compactMap(\.nonNegativeInt)
        #expect(codes.count == 49 && codes.allSatisfy { $0 < 32 })
        let decoded = try Self.run(["decode", "--model", Self.vq, "--codes", codes.map(String.init).joined(separator: ",")])
        #expect(decoded.status == 0)
        let png = FileManager.default.temporaryDirectory.appendingPathComponent("latent-samples-\(getpid()).png").path
        defer { try? FileManager.default.removeItem(atPath: png) }
        #expect(try Self.run(["sample", "--model", Self.vq, "--n", "4", "-o", png]).status == 0)
        let sheet = try PNG.decode(FileBytes.read(png))
        // 2 × 2 tiles of 28 px with 1-px gaps and a 6-px caption line under each, at the sheets'
        // automatic scale of 3 (96-px tiles).
        #expect(sheet.width == (2 * 28 + 3) * 3 && sheet.height == (2 * (28 + 6) + 3) * 3)
    }


    @Test(arguments: badInputs)
    func badInputGetsOneClearLine(_ args: [String], _ fragment: String) throws {
        let r = try Self.run(args)
        #expect(r.status != 0 && r.status < 128, "status \(r.status)")  // ≥ 128 would be a signal (a crash)
        #expect(r.stderr.contains(fragment), "stderr: \(r.stderr)")
        // One line, usage errors included: no usage block after it.
        #expect(r.stderr.split(separator: "\n").count == 1, "stderr: \(r.stderr)")
    }

    /// A model exported from PyTorch, given by its manifest: info describes both graphs, encode and
    /// decode reproduce PyTorch's outputs (the fixtures of scripts/make_onnx_fixtures.py).
    @Test func manifestsWorkWithInfoEncodeAndDecode() throws {
        let dir = "Tests/LatentNNTests/Fixtures/onnx/"
        let info = try Self.run(["info", dir + "conv-vae-rgb-ts/model.json"])
        #expect(info.status == 0 && info.stdout.contains("VAE, z = 8") && info.stdout.contains("ops: ") && info.stdout.contains("opset 17"), "\(info.stderr)")
        // Shapes after each block, one image: the encoder's first conv halves 32×32, the decoder ends at the input shape.
        #expect(info.stdout.contains("shapes: x [1, 3, 32, 32] → Conv [1, 16, 16, 16]") && info.stdout.contains("ConvTranspose [1, 3, 32, 32]"), "\(info.stdout)")
        let enc = try Self.run(["encode", "--model", dir + "mlp-vae-dynamo/model.json", "--data", dir + "mlp-vae-dynamo/input-x.npy", "--index", "0", "--format", "json"])
        #expect(enc.status == 0 && enc.stdout.contains("\"mu\":[") && enc.stdout.contains("\"label\":null"), "\(enc.stderr)")
        let vq = try Self.run(["encode", "--model", dir + "vqvae-rgb-ts/model.json", "--data", dir + "vqvae-rgb-ts/input-x.npy", "--index", "1", "--format", "json"])
        #expect(vq.status == 0 && vq.stdout.contains("\"grid\":[4,4]"), "\(vq.stderr)")
        let dec = try Self.run(["decode", "--model", dir + "conv-vae-rgb-ts/model.json", "--z", "-1,0,0,0,0,0,0,1", "--format", "json"])
        #expect(dec.status == 0 && dec.stdout.hasPrefix("{\"shape\":[3,32,32],\"data\":["), "\(dec.stderr)")
        // tanh output: values in the manifest's pixel_range [-1, 1], some of them negative.
        let values = dec.stdout.split(separator: "[").last!.split(separator: "]").first!.split(separator: ",").compactMap { Float($0) }
        #expect(values.count == 3072 && values.allSatisfy { $0 >= -1 && $0 <= 1 } && values.contains { $0 < 0 })
        let png = FileManager.default.temporaryDirectory.appendingPathComponent("latent-rgb-\(UUID().uuidString.prefix(8)).png").path
        defer { try? FileManager.default.removeItem(atPath: png) }
        let p = try Self.run(["decode", "--model", dir + "conv-vae-rgb-ts/model.json", "--z", "0,0,0,0,0,0,0,0", "--format", "png", "-o", png])
        let header = [UInt8](try Data(contentsOf: URL(fileURLWithPath: png)).prefix(26))
        #expect(p.status == 0 && header.count == 26 && header[25] == 2, "PNG colour type \(header.last ?? 0) (2 = RGB)")
        // project --model: the imported encoder's μ of all 5,000 shipped digits, to 2-D.
        let coords = FileManager.default.temporaryDirectory.appendingPathComponent("latent-proj-\(UUID().uuidString.prefix(8)).csv").path
        defer { try? FileManager.default.removeItem(atPath: coords) }
        let proj = try Self.run(["project", "--model", dir + "mlp-vae-ts/model.json", "--method", "pca", "-o", coords])
        #expect(proj.status == 0, "\(proj.stderr)")
        #expect((try? String(contentsOfFile: coords, encoding: .utf8))?.split(separator: "\n").count == 5000)
        let bad = try Self.run(["decode", "--model", dir + "mlp-cvae-ts/model.json", "--z", "0,0,0", "--label", "zebra"])
        #expect(bad.status == 64 && bad.stderr.split(separator: "\n").count == 1 && bad.stderr.contains("'zebra' is not a class"))
    }

    /// The latents of current libraries' models through the commands: a spatial VAE's flattened μ with its
    /// shape, decoded back; a residual VQ's codes (level fastest) decoded, its levels' palettes drawn; an
    /// `ae` evaluated without KL; an FSQ too large for the explorer's palette refused in one line.
    /// `decode --z` and `--codes` take a `.npy` (as the explorer's `S` writes them): the same image as
    /// the values typed out; a file of the wrong size or with a non-integer code is one line.
    @Test func decodeTakesTheLatentFromANpy() throws {
        let dir = NSTemporaryDirectory() + "latent-znpy-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NPY.write(Tensor(shape: [2], data: [0.5, -1.25]), to: dir + "/z.npy")
        let typed = try Self.run(["decode", "--model", "Weights/vae-z2.safetensors", "--z", "0.5,-1.25", "--format", "json"])
        let fromFile = try Self.run(["decode", "--model", "Weights/vae-z2.safetensors", "--z", dir + "/z.npy", "--format", "json"])
        #expect(typed.status == 0 && fromFile.status == 0 && typed.stdout == fromFile.stdout, "\(fromFile.stderr)")
        try NPY.write(Tensor(shape: [3], data: [0, 0, 0]), to: dir + "/z3.npy")
        let wrong = try Self.run(["decode", "--model", "Weights/vae-z2.safetensors", "--z", dir + "/z3.npy"])
        #expect(wrong.status != 0 && wrong.stderr.split(separator: "\n").count == 1 && wrong.stderr.contains("holds 3 values"), "\(wrong.stderr)")
        let grid = (0..<49).map { Float($0 % 32) }
        try NPY.write(Tensor(shape: [7, 7], data: grid), to: dir + "/codes.npy")
        let codes = try Self.run(["decode", "--model", "Weights/vqvae-k32.safetensors", "--codes", dir + "/codes.npy", "--format", "json"])
        let listed = try Self.run(["decode", "--model", "Weights/vqvae-k32.safetensors", "--codes", grid.map { String(Int($0)) }.joined(separator: ","), "--format", "json"])
        #expect(codes.status == 0 && codes.stdout == listed.stdout, "\(codes.stderr)")
        try NPY.write(Tensor(shape: [7, 7], data: grid.map { $0 + 0.5 }), to: dir + "/half.npy")
        let half = try Self.run(["decode", "--model", "Weights/vqvae-k32.safetensors", "--codes", dir + "/half.npy"])
        #expect(half.status != 0 && half.stderr.contains("not a code index"), "\(half.stderr)")
    }

    @Test func spatialAndResidualLatentsWorkWithEncodeDecodeAndEval() throws {
        let dir = "Tests/LatentNNTests/Fixtures/onnx-lib/"
        let kl = try Self.run(["encode", "--model", dir + "kl-ts/model.json", "--data", dir + "kl-ts/input-x.npy", "--index", "0", "--format", "json"])
        #expect(kl.status == 0 && kl.stdout.contains("\"latent_shape\":[4,8,8]") && kl.stdout.contains("\"logvar\":["), "\(kl.stderr)")
        let mu = kl.stdout.components(separatedBy: "\"mu\":[").last!.split(separator: "]").first!
        #expect(mu.split(separator: ",").count == 256)
        let back = try Self.run(["decode", "--model", dir + "kl-ts/model.json", "--z", String(mu), "--format", "json"])
        #expect(back.status == 0 && back.stdout.hasPrefix("{\"shape\":[3,16,16]"), "\(back.stderr)")
        let tiny = try Self.run(["encode", "--model", dir + "tiny-ts/model.json", "--data", dir + "tiny-ts/input-x.npy", "--index", "1", "--format", "json"])
        #expect(tiny.status == 0 && tiny.stdout.contains("\"mu\":[") && !tiny.stdout.contains("logvar"), "\(tiny.stderr)")
        let eval = try Self.run(["eval", "--model", dir + "tiny-ts/model.json", "--data", dir + "tiny-ts/input-x.npy"])
        #expect(eval.status == 0 && eval.stdout.contains("mse_at_mu") && !eval.stdout.contains("kl"), "\(eval.stdout)\(eval.stderr)")
        let rvq = try Self.run(["encode", "--model", dir + "rvq-ts/model.json", "--data", dir + "rvq-ts/input-x.npy", "--index", "1", "--format", "json"])
        #expect(rvq.status == 0 && rvq.stdout.contains("\"levels\":3"), "\(rvq.stderr)")
        let codes = rvq.stdout.components(separatedBy: "\"codes\":[").last!.split(separator: "]").first!
        #expect(codes.split(separator: ",").count == 4 * 4 * 3)
        let decoded = try Self.run(["decode", "--model", dir + "rvq-ts/model.json", "--codes", String(codes), "--format", "json"])
        #expect(decoded.status == 0 && decoded.stdout.hasPrefix("{\"shape\":[3,16,16]"), "\(decoded.stderr)")
        // Each level's codes alone, as a sheet; a level the model does not have is one line.
        let sheet = NSTemporaryDirectory() + "latent-rvq-\(UUID().uuidString.prefix(8)).png"
        defer { try? FileManager.default.removeItem(atPath: sheet) }
        let palette = try Self.run(["render", "palette", "--model", dir + "rvq-ts/model.json", "--level", "2", "-o", sheet])
        #expect(palette.status == 0 && FileManager.default.fileExists(atPath: sheet), "\(palette.stderr)")
        let beyond = try Self.run(["render", "palette", "--model", dir + "rvq-ts/model.json", "--level", "3", "-o", sheet])
        #expect(beyond.status != 0 && beyond.stderr.split(separator: "\n").count == 1 && beyond.stderr.contains("--level must be 0…2"), "\(beyond.stderr)")
        // An FSQ of 16·16·16·4 = 16,384 codes: the commands take it, the explorer (whose palette decodes every code) does not.
        let big = NSTemporaryDirectory() + "latent-fsq-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: big, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: big) }
        for file in ["encoder.onnx", "decoder.onnx", "input-x.npy"] {
            try FileManager.default.copyItem(atPath: Self.root + "/" + dir + "fsq-ts/" + file, toPath: big + "/" + file)
        }
        try #"{"kind":"vqvae","encoder":"encoder.onnx","decoder":"decoder.onnx","input_shape":[3,16,16],"levels":[16,16,16,4]}"#
            .write(toFile: big + "/model.json", atomically: true, encoding: .utf8)
        let wide = try Self.run(["encode", "--model", big + "/model.json", "--data", big + "/input-x.npy", "--index", "0", "--format", "json"])
        #expect(wide.status == 0 && wide.stdout.contains("\"grid\":[4,4]"), "\(wide.stderr)")
        let refused = try Self.run(["--model", big + "/model.json", "--data", big + "/input-x.npy"])
        #expect(refused.status != 0 && refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("16384 codes"), "\(refused.stderr)")
    }

    /// `eval` takes manifests: the imported MLP VAE on the shipped digits gives the Bernoulli figures and
    /// k-NN accuracy, and its mse_at_mu is the one the same images give through `encode` and `decode`
    /// by hand (checked on the PCA side by the explained variance being a fraction); a colour VQ-VAE on
    /// a PNG folder (one subfolder per class) gives its code statistics.
    @Test func evalTakesManifestsAndPNGFolders() throws {
        let dir = "Tests/LatentNNTests/Fixtures/onnx/"
        let vae = try Self.run(["eval", "--model", dir + "mlp-vae-ts/model.json"])
        #expect(vae.status == 0, "\(vae.stderr)")
        func figure(_ out: String, _ name: String) -> Double? {
            out.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(name + " ") }
                .flatMap { Double($0.split(separator: " ").last!) }
        }
        let negElbo = try #require(figure(vae.stdout, "neg_elbo")), bce = try #require(figure(vae.stdout, "bce")), kl = try #require(figure(vae.stdout, "kl"))
        #expect(abs(negElbo - (bce + kl)) < 1e-3 * negElbo)
        let knn = try #require(figure(vae.stdout, "knn10_accuracy"))
        #expect(knn >= 0 && knn <= 1)
        #expect(vae.stdout.contains("fitted on 4000 training images"))
        // Twelve 16×16 PNGs in three class folders.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("latent-pngs-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (c, name) in ["apple", "kiwi", "plum"].enumerated() {
            try FileManager.default.createDirectory(atPath: folder + "/" + name, withIntermediateDirectories: true)
            for i in 0..<4 {
                var pixels: [UInt8] = []
                for p in 0..<256 { pixels += [UInt8((p * 7 + i * 40) % 256), UInt8(c * 100), UInt8(p % 16 * 16)] }
                try Data(try PNG.encode(pixels: pixels, width: 16, height: 16, format: .rgb)).write(to: URL(fileURLWithPath: folder + "/\(name)/\(i).png"))
            }
        }
        let vq = try Self.run(["eval", "--model", dir + "vqvae-rgb-ts/model.json", "--data", folder])
        #expect(vq.status == 0 && vq.stdout.contains("on 12 images"), "\(vq.stderr)")
        let used = try #require(figure(vq.stdout, "codes_used"))
        let mse = try #require(figure(vq.stdout, "mse"))
        #expect(used >= 1 && used <= 16 && mse >= 0 && mse <= 1)
        let enc = try Self.run(["encode", "--model", dir + "vqvae-rgb-ts/model.json", "--data", folder, "--index", "5", "--format", "json"])
        #expect(enc.status == 0 && enc.stdout.contains("\"label\":1"), "\(enc.stdout) \(enc.stderr)")
        let wrong = try Self.run(["eval", "--model", dir + "conv-vae-rgb-ts/model.json", "--data", folder])
        #expect(wrong.status != 0 && wrong.status < 128 && wrong.stderr.contains("16×16") && wrong.stderr.contains("32×32"), "\(wrong.stderr)")
    }

    /// The Fashion-MNIST VAE evaluates and encodes on its own dataset without --data; --data names a
    /// shipped dataset by name too.
    @Test func modelsUseTheDatasetTheyWereTrainedOn() throws {
        let model = "Weights/fashion-vae-z10.safetensors"
        let eval = try Self.run(["eval", "--model", model])
        #expect(eval.status == 0 && eval.stdout.contains("on 2000 held-out images") && eval.stdout.contains("fitted on 8000 training images"), "\(eval.stderr)")
        let enc = try Self.run(["encode", "--model", model, "--index", "0"])
        let named = try Self.run(["encode", "--model", model, "--data", "fashion-mnist", "--index", "0"])
        #expect(enc.status == 0 && enc.stdout == named.stdout && !enc.stdout.isEmpty, "\(enc.stderr)")
        let digits = try Self.run(["encode", "--model", model, "--data", "mnist", "--index", "0"])
        #expect(digits.status == 0 && digits.stdout != enc.stdout)
    }

    /// `bench decode` times a model of every kind it opens: codes for a residual VQ are one per level
    /// and cell, an FSQ's come from its levels, a deterministic autoencoder's latent is its own shape.
    @Test(arguments: ["rvq-ts", "fsq-ts", "tiny-ts", "vq-cos-ts", "kl-ts"])
    func benchDecodeTimesEveryKindOfImportedModel(_ fixture: String) throws {
        let r = try Self.run(["bench", "decode", "--count", "3", "Tests/LatentNNTests/Fixtures/onnx-lib/\(fixture)/model.json"])
        #expect(r.status == 0, "\(r.stderr)")
        let row = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("\(fixture)/model.json") }, "\(r.stdout)")
        // median, p99 and fastest decode
        let times = row.split(separator: " ").suffix(3).compactMap { Double($0) }
        #expect(times.count == 3 && times.allSatisfy { $0 > 0 } && times[2] <= times[0] && times[0] <= times[1], "\(row)")
    }

    /// The BLAS kernel: when OpenBLAS falls back to a core without AVX2 on a CPU that has it (faked here
    /// with LATENT_BLAS_ASSUME_CORE), latent re-executes itself once with a better kernel, checks it against
    /// the naive GEMM and says so; a kernel already set in the environment is kept.
    @Test func aWeakBLASKernelIsReplacedAndAPresetOneKept() throws {
        let flags = BLASKernel.cpuFlags()
        let expected = BLASKernel.recommendedCore(reported: "Prescott", cpuFlags: flags)
        let forced = try Self.run(["bench", "blas"], environment: ["LATENT_BLAS_ASSUME_CORE": "Prescott"])
        #expect(forced.status == 0 && forced.stdout.contains("and SSYRK agree with the naive loops"), "\(forced.stdout) \(forced.stderr)")
        if let expected {
            #expect(forced.stdout.contains("kernel \(expected) (OPENBLAS_CORETYPE=\(expected) set by latent: OpenBLAS chose Prescott"), "\(forced.stdout)")
        } else {
            #expect(forced.stdout.contains("chosen by OpenBLAS"), "\(forced.stdout)")
        }
        let preset = try Self.run(["bench", "blas"], environment: ["OPENBLAS_CORETYPE": "Prescott", "LATENT_BLAS_ASSUME_CORE": "Prescott"])
        #expect(preset.status == 0 && preset.stdout.contains("kernel Prescott (OPENBLAS_CORETYPE=Prescott from the environment)"), "\(preset.stdout)")
    }

    /// LATENT_CPU_LEVEL caps every kernel's instruction set: under `avx2` no AVX-512 feature is reported,
    /// our kernels run their AVX2 builds and OpenBLAS an AVX2 core (an AVX-512 one is replaced, checked);
    /// under `baseline`, SSE only. Decoding the emoji VQ-VAE (Winograd and direct convolutions) gives the
    /// uncapped run's pixels at every level.
    @Test func anInstructionSetCapReachesEveryKernel() throws {
        let flags = BLASKernel.cpuFlags()
        let decode = ["decode", "--model", "Weights/emoji-vqvae-k512.safetensors", "--format", "json",
                      "--codes", (0..<64).map { String($0 * 7 % 512) }.joined(separator: ",")]
        let native = try pixels(try Self.run(decode).stdout)
        for level in ["avx2", "baseline"] {
            let env = ["LATENT_CPU_LEVEL": level]
            let blas = try Self.run(["bench", "blas"], environment: env)
            #expect(blas.status == 0 && blas.stdout.contains("agree with the naive loops"), "\(level): \(blas.stdout) \(blas.stderr)")
            let lines = blas.stdout.split(separator: "\n")
            let cpu = try #require(lines.first { $0.hasPrefix("cpu:") })
            #expect(!cpu.contains("avx512") && cpu.contains("capped by LATENT_CPU_LEVEL=\(level)"), "\(cpu)")
            let expected = level == "avx2" && flags.isSuperset(of: ["avx2", "fma"]) ? "avx2" : "baseline"
            #expect(lines.contains("kernels: \(expected)"), "\(level): \(blas.stdout)")
            let core = try #require(lines.first { $0.hasPrefix("BLAS:") }).lowercased()
            #expect(!["skylakex", "cooperlake", "sapphirerapids"].contains { core.contains("kernel \($0)") }, "\(core)")
            #if arch(x86_64)
            if level == "baseline" { #expect(core.contains("kernel prescott"), "\(core)") }
            #endif
            let capped = try pixels(try Self.run(decode, environment: env).stdout)
            #expect(capped.count == native.count && capped.count > 0 && zip(capped, native).allSatisfy { abs($0 - $1) <= 1e-5 },
                    "\(level): largest difference \(zip(capped, native).map { abs($0 - $1) }.max() ?? -1)")
        }
        let wrong = try Self.run(["bench", "blas"], environment: ["LATENT_CPU_LEVEL": "avx-2"])
        #expect(wrong.status != 0 && wrong.stderr.contains("LATENT_CPU_LEVEL=avx-2 is not one of"), "\(wrong.stderr)")
    }

    /// qemu's user-mode emulator (x86-64 hosts; `make test` installs it), for running latent on CPUs this
    /// machine is not — when it runs a program at all here (a sandbox may forbid what it needs).
    static let qemu: String? = {
        #if arch(x86_64)
        guard let path = ["/usr/bin/qemu-x86_64", "/usr/local/bin/qemu-x86_64"].first(where: FileManager.default.isExecutableFile)
        else { return nil }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: path)
        probe.arguments = ["-cpu", "Haswell", "/bin/true"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return nil }
        probe.waitUntilExit()
        return probe.terminationStatus == 0 ? path : nil
        #else
        return nil
        #endif
    }()

    /// The case the kernel choice exists for, with OpenBLAS's own CPU detection rather than a faked report:
    /// under qemu posing as an Intel CPU of family 6, model 207 (the Xeon of issue 13, which Debian's
    /// OpenBLAS 0.3.21 does not know) with AVX2 and FMA, OpenBLAS falls back to Prescott and latent re-executes
    /// itself with the Haswell kernel, checked; without AVX2 it keeps Prescott. Either way decoding gives
    /// the native run's pixels.
    @Test(.enabled(if: qemu != nil, "needs a working qemu-x86_64 (apt install qemu-user)"))
    func anUnknownIntelCPUGetsAnAVX2KernelUnderEmulation() throws {
        let unknownIntel = "Haswell,family=6,model=207"
        let cases = [(unknownIntel, "kernel Haswell (OPENBLAS_CORETYPE=Haswell set by latent: OpenBLAS chose Prescott on a CPU with AVX2 and FMA"),
                     (unknownIntel + ",-avx2", "kernel Prescott (chosen by OpenBLAS for this CPU)")]
        let decodes = [["decode", "--model", Self.vae, "--z", "0.5,-1,0,0,1,0,0,0,0,2", "--format", "json"],
                       ["decode", "--model", "Weights/emoji-vqvae-k512.safetensors", "--format", "json",
                        "--codes", (0..<64).map { String($0 * 7 % 512) }.joined(separator: ",")]]
        let native = try decodes.map { try Self.run($0) }
        for (cpu, expected) in cases {
            let emulator = [try #require(Self.qemu), "-cpu", cpu]
            let blas = try Self.run(["bench", "blas"], under: emulator)
            #expect(blas.status == 0 && blas.stdout.contains(expected), "\(cpu): \(blas.stdout) \(blas.stderr)")
            #expect(blas.stdout.contains("and SSYRK agree with the naive loops"), "\(cpu): \(blas.stdout)")
            for (args, reference) in zip(decodes, native) {
                let emulated = try Self.run(args, under: emulator)
                let a = try pixels(emulated.stdout), b = try pixels(reference.stdout)
                #expect(a.count == b.count && a.count > 0 && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 },
                        "\(cpu) \(args[2]): largest difference \(zip(a, b).map { abs($0 - $1) }.max() ?? -1)")
            }
        }
    }

    private func pixels(_ json: String) throws -> [Double] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return try #require(object?["data"] as? [Double], "no data in \(json.prefix(200))")
    }

    /// Every subcommand's options parse (two options of one name only fail when the command runs).
    @Test(arguments: ["explore", "train", "decode", "encode", "eval", "project", "directions", "info", "bench"])
    func everySubcommandHasHelp(_ sub: String) throws {
        let r = try Self.run([sub, "--help"])
        #expect(r.status == 0 && r.stdout.contains("USAGE: latent \(sub)"), "\(sub): \(r.stderr)")
    }

    /// Errors found while a subcommand runs are one line naming that subcommand, never the root's usage.
    @Test func runTimeErrorsNameTheSubcommandInOneLine() throws {
        let r = try Self.run(["decode", "--model", Self.vae, "--z", "-0.5,1"])
        #expect(r.status == 64)
        #expect(r.stderr == "latent decode: --z has 2 values; this model needs 10\n", "stderr: \(r.stderr)")
        let e = try Self.run(["encode", "--model", Self.vae, "--index", "-3"])
        #expect(e.status != 0 && !e.stderr.contains("Usage: latent <subcommand>"), "stderr: \(e.stderr)")
    }

    /// A leading minus in a numeric list is a value, not an option (`--z -0.5,1` as `--z=-0.5,1`).
    @Test func negativeValuesNeedNoEqualsSign() throws {
        let spaced = try Self.run(["decode", "--model", Self.vae2, "--z", "-0.5,1", "--format", "json"])
        let joined = try Self.run(["decode", "--model", Self.vae2, "--z=-0.5,1", "--format", "json"])
        #expect(spaced.status == 0 && spaced.stdout == joined.stdout && !spaced.stdout.isEmpty, "stderr: \(spaced.stderr)")
        let codes = try Self.run(["decode", "--model", Self.vq, "--codes", "-1" + String(repeating: ",0", count: 48)])
        #expect(codes.status == 64 && codes.stderr.contains("--codes entry 1 is -1, outside the codebook"), "stderr: \(codes.stderr)")
    }

    /// An images file without a labels file beside it still encodes (the label is unknown); only a
    /// conditional VAE, which needs labels, says so.
    @Test func imagesWithoutLabelsAreFine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("latent-unlabelled-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let images = dir + "/digits-images-idx3-ubyte.gz"
        try FileManager.default.copyItem(atPath: Self.root + "/Weights/data/mnist-heldout-images-idx3-ubyte.gz", toPath: images)
        let labelled = try Self.run(["encode", "--model", Self.vae, "--index", "3"])
        let r = try Self.run(["encode", "--model", Self.vae, "--data", images, "--index", "3"])
        #expect(r.status == 0 && r.stdout.hasPrefix("index 3, label ?"), "stderr: \(r.stderr)")
        #expect(r.stdout.split(separator: "\n").dropFirst() == labelled.stdout.split(separator: "\n").dropFirst())
        let vq = try Self.run(["encode", "--model", Self.vq, "--data", images, "--index", "3", "--format", "json"])
        #expect(vq.status == 0 && vq.stdout.contains("\"label\":null"), "stderr: \(vq.stderr)")
        let c = try Self.run(["encode", "--model", Self.cvae, "--data", images, "--index", "3"])
        #expect(c.status == 64 && c.stderr.contains("no labels file"), "stderr: \(c.stderr)")
    }

    @Test func decodeWritesAnImageInEveryFormat() throws {
        let json = try Self.run(["decode", "--model", Self.vae2, "--z", "0.5,-1", "--format", "json"])
        #expect(json.status == 0)
        #expect(json.stdout.hasPrefix("{\"shape\":[1,28,28],\"data\":["))
        let values = json.stdout.split(separator: "[").last!.split(separator: "]").first!.split(separator: ",").compactMap { Float($0) }
        #expect(values.count == 784 && values.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(values.filter { $0 > 0.5 }.count > 40)  // a digit has ink

        let text = try Self.run(["decode", "--model", Self.vq, "--codes", Array(repeating: "0", count: 49).joined(separator: ",")])
        #expect(text.status == 0 && text.stdout.split(separator: "\n").count == 14)

        let dir = NSTemporaryDirectory() + "latent-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let png = try Self.run(["decode", "--model", Self.cvae, "--z", "0,0", "--label", "7", "--format", "png", "-o", dir + "/7.png"])
        #expect(png.status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/7.png"))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    }

    @Test func encodeRoundTripsThroughDecode() throws {
        let e = try Self.run(["encode", "--model", Self.vq, "--index", "3", "--format", "json"])
        #expect(e.status == 0 && e.stdout.contains("\"grid\":[7,7]"))
        let codes = e.stdout.split(separator: "codes\":[").last!.split(separator: "]").first!
        #expect(codes.split(separator: ",").count == 49)
        let d = try Self.run(["decode", "--model", Self.vq, "--codes", String(codes)])
        #expect(d.status == 0)
        let mu = try Self.run(["encode", "--model", Self.vae, "--index", "0"])
        #expect(mu.status == 0 && mu.stdout.contains("mu ") && mu.stdout.contains("logvar "))
    }

    @Test func infoDescribesEveryShippedModel() throws {
        for model in [Self.vae, Self.vae2, Self.cvae, Self.vq] {
            let r = try Self.run(["info", model])
            #expect(r.status == 0)
            #expect(r.stdout.contains("model: ") && r.stdout.contains("held-out metrics: "))
            #expect(r.stdout.contains("trained with: latent train"))
        }
    }

    @Test func projectRefusesBadMatricesAndProjectsGoodOnes() throws {
        let dir = NSTemporaryDirectory() + "latent-project-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [(String, String, String)] = [
            ("one.csv", "1,2,3\n", "need at least 3 rows"),
            ("ragged.csv", "1,2,3\n4,5\n6,7,8\n", "line 2 has 2 values, expected 3"),
            ("nan.csv", "1,2\n3,nan\n5,6\n", "'nan' is not a finite number"),
            ("few.csv", (0..<8).map { "\($0),\($0 * 2)" }.joined(separator: "\n"), "needs more than 15 rows"),
        ]
        for (name, text, fragment) in cases {
            try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            let r = try Self.run(["project", "--input", dir + "/" + name])
            #expect(r.status == 1 && r.stderr.contains(fragment), "\(name): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
        }
        // A well-formed matrix: two separated groups stay apart in the 2-D output.
        let rows = (0..<60).map { i in "\(i < 30 ? 0 : 10).\(i % 7),\(i % 5).5,\(i < 30 ? 1 : 9)" }
        try rows.joined(separator: "\n").write(toFile: dir + "/good.csv", atomically: true, encoding: .utf8)
        let r = try Self.run(["project", "--input", dir + "/good.csv", "--neighbors", "10", "--metrics", "-o", dir + "/y.csv"])
        #expect(r.status == 0 && r.stdout.contains("trustworthiness(15)"), "\(r.stdout)")
        // The report ends with the process's own peak memory (what the benchmark scripts print).
        let peak = r.stdout.split(separator: "\n").first { $0.hasPrefix("coordinates ready:") }?
            .split(separator: ",").last?.split(separator: " ")
        #expect(peak?.first == "peak" && peak?.last == "MB" && (peak.flatMap { Int($0[2]) }.map { (1...4096).contains($0) } ?? false),
                "\(r.stdout)")
        let coords = try String(contentsOfFile: dir + "/y.csv", encoding: .utf8).split(separator: "\n")
        #expect(coords.count == 60 && coords.allSatisfy { $0.split(separator: ",").count == 2 })
        // The same coordinates as .npy: scoring either file gives the same figures.
        _ = try Self.run(["project", "--input", dir + "/good.csv", "--neighbors", "10", "-o", dir + "/y.npy"])
        let fromCSV = try Self.run(["project", "--input", dir + "/good.csv", "--score", dir + "/y.csv"])
        let fromNPY = try Self.run(["project", "--input", dir + "/good.csv", "--score", dir + "/y.npy"])
        #expect(fromNPY.status == 0 && fromNPY.stdout.split(separator: "\n").last.map { String($0).prefix(44) }
                == fromCSV.stdout.split(separator: "\n").last.map { String($0).prefix(44) }, "\(fromNPY.stdout) \(fromNPY.stderr)")

        // Held-out rows are placed into the map fitted on the others, beside their own group.
        let h = try Self.run(["project", "--input", dir + "/good.csv", "--neighbors", "10", "--hold-out", "10", "-o", dir + "/h.csv"])
        #expect(h.status == 0 && h.stdout.contains("transform 10 rows into the 50-point map"), "\(h.stdout) \(h.stderr)")
        let placed = try String(contentsOfFile: dir + "/h.csv", encoding: .utf8).split(separator: "\n")
            .map { $0.split(separator: ",").map { Double($0)! } }
        #expect(placed.count == 60)
        func centroid(_ r: Range<Int>) -> [Double] { [0, 1].map { c in r.reduce(0.0) { $0 + placed[$1][c] } / Double(r.count) } }
        let first = centroid(0..<30), second = centroid(30..<50)
        func d2(_ p: [Double], _ q: [Double]) -> Double { (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) }
        #expect((50..<60).allSatisfy { d2(placed[$0], second) < d2(placed[$0], first) })
        // UMAP says how many epochs ran: all of them with --all-epochs.
        let all = try Self.run(["project", "--input", dir + "/good.csv", "--epochs", "30", "--all-epochs"])
        #expect(all.status == 0 && all.stdout.contains("epochs 30 of 30"), "\(all.stdout) \(all.stderr)")
        // Any embedding can be scored against its input; a wrong-sized one is refused in one line.
        let scored = try Self.run(["project", "--input", dir + "/good.csv", "--score", dir + "/y.csv"])
        #expect(scored.status == 0 && scored.stdout.contains("trustworthiness(15)"), "\(scored.stderr)")
        let wrong = try Self.run(["project", "--input", dir + "/good.csv", "--score", dir + "/ragged.csv"])
        #expect(wrong.status == 1 && wrong.stderr.split(separator: "\n").count == 1, "\(wrong.stderr)")
        // --plot draws the map (piped: plain text, digits of the labels) with a legend.
        let labels = (0..<60).map { $0 < 30 ? "3" : "7" }.joined(separator: "\n")
        try labels.write(toFile: dir + "/labels.csv", atomically: true, encoding: .utf8)
        let plotted = try Self.run(["project", "--input", dir + "/good.csv", "--neighbors", "10", "--plot", "--labels", dir + "/labels.csv", "--metrics"])
        #expect(plotted.status == 0 && plotted.stdout.contains("■3  ■7") && !plotted.stdout.contains("\u{1B}["), "\(plotted.stderr)")
        #expect(plotted.stdout.contains("10-NN label accuracy: 1.0000 in 2-D, 1.0000 in the input"), "\(plotted.stdout)")
        #expect(plotted.stdout.contains("3") && plotted.stdout.split(separator: "\n").count > 10)
        try "1\n2\n3\n".write(toFile: dir + "/short.csv", atomically: true, encoding: .utf8)
        let miscount = try Self.run(["project", "--input", dir + "/good.csv", "--plot", "--labels", dir + "/short.csv"])
        #expect(miscount.status == 1 && miscount.stderr.contains("has 3 labels for 60 rows")
                && miscount.stderr.split(separator: "\n").count == 1, "\(miscount.stderr)")
        // t-SNE of the same groups keeps them apart too; a bad perplexity is refused.
        let tsne = try Self.run(["project", "--input", dir + "/good.csv", "--method", "tsne", "--metrics"])
        #expect(tsne.status == 0 && tsne.stdout.contains("perplexity 20") && tsne.stdout.contains("trustworthiness(15)"), "\(tsne.stderr)")
        let badPerplexity = try Self.run(["project", "--input", dir + "/good.csv", "--method", "tsne", "--perplexity=0"])
        #expect(badPerplexity.status != 0 && badPerplexity.stderr.contains("--perplexity must be a positive number"))
        let fft = try Self.run(["project", "--input", dir + "/good.csv", "--method", "tsne", "--repulsion", "fft"])
        #expect(fft.status == 0 && fft.stdout.contains("repulsion FFT"), "\(fft.stderr)")
        let badRepulsion = try Self.run(["project", "--input", dir + "/good.csv", "--method", "tsne", "--repulsion", "fast"])
        #expect(badRepulsion.status != 0 && badRepulsion.stderr.contains("--repulsion must be bh, fft or auto"), "\(badRepulsion.stderr)")
        let badInit = try Self.run(["project", "--input", dir + "/good.csv", "--init", "random"])
        #expect(badInit.status != 0 && badInit.stderr.contains("--init must be spectral, pca or auto"), "\(badInit.stderr)")
        let tooMany = try Self.run(["project", "--input", dir + "/good.csv", "--hold-out", "50"])
        #expect(tooMany.status == 1 && tooMany.stderr.contains("leaves 10 rows to fit"), "\(tooMany.stderr)")
    }
}
