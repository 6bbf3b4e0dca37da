import Foundation
import LatentCore
import LatentIO
@testable import LatentNN
import Testing

/// The learned prior of an imported (ONNX + manifest) VQ-VAE: trained on the model's own code lists,
/// stored beside the manifest and named in it, reloaded with the model, and refused in one line when
/// the file named is missing, damaged, for another model or outside the folder.
@Suite struct ImportedPriorTests {
    static let library = fixturesDirectory + "/onnx-lib"

    /// A copy of fixture `name` in a fresh temporary folder (tests never write into the repository's
    /// fixtures); returns the copied manifest's path.
    static func copy(_ name: String) throws -> String {
        let dir = try makeTempDirectory() + "/" + name
        try FileManager.default.copyItem(atPath: library + "/" + name, toPath: dir)
        return dir + "/model.json"
    }

    /// 40 colour 16×16 images of a soft blob that moves and changes colour: code grids with structure
    /// (the blob's codes depend on each other), unlike noise.
    static func images(_ n: Int = 40) -> Tensor {
        var x = Tensor(zeros: [n, 3, 16, 16])
        for i in 0..<n {
            let cy = Float(4 + i % 8), cx = Float(4 + (i / 8) % 8), r2 = Float(10 + 4 * (i % 3))
            for c in 0..<3 {
                let tint: Float = c == i % 3 ? 1 : 0.3
                for y in 0..<16 {
                    for xx in 0..<16 {
                        let d = (Float(y) - cy) * (Float(y) - cy) + (Float(xx) - cx) * (Float(xx) - cx)
                        x.data[((i * 3 + c) * 16 + y) * 16 + xx] = tint * max(0, 1 - d / r2)
                    }
                }
            }
        }
        return x
    }

    static func members(_ path: String) throws -> [(key: String, value: JSONValue)] {
        try #require(try JSONParser.parse(try FileBytes.read(path, limit: 1 << 20)).object)
    }

    /// The one-line error loading `manifest` gives (nil when it loads).
    static func loadError(_ manifest: String) -> String? {
        do { _ = try ImportedAutoencoder.load(manifest); return nil } catch { return "\(error)" }
    }

    // MARK: Training, storing, reloading

    @Test(arguments: ["vq-euclid-ts", "vq-cos-ts", "rvq-ts", "fsq-ts"])
    func trainsStoresAndReloads(_ fixture: String) throws {
        let path = try Self.copy(fixture)
        defer { try? FileManager.default.removeItem(atPath: ((path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent) }
        let before = try Self.members(path)
        let model = try ImportedAutoencoder.load(path)
        #expect(model.gridPrior == nil)
        let book = try #require(model.codebook)
        let tokens = model.grid.height * model.grid.width * book.levels
        let grids = try model.codeGrids(Self.images())
        #expect(grids.count == 40 && grids.allSatisfy { $0.count == tokens })
        let (prior, ops) = try model.newPrior(seed: 1, channels: 16, blocks: 1, mixHidden: 32)
        #expect(prior.cells == tokens && prior.codebookSize == book.size && prior.levels == book.levels)
        let nllBefore = prior.negLogLikelihood(grids).reduce(0, +)
        var options = PriorTrainer.Options()
        options.epochs = 6
        options.batchSize = 8
        options.learningRate = 3e-3
        options.threads = 1
        withComputeThreads(1) { PriorTrainer.train(prior, grids: grids, heldOut: [], options: options, epoch: { _ in }) }
        let nllAfter = prior.negLogLikelihood(grids).reduce(0, +)
        #expect(nllAfter < 0.9 * nllBefore, "NLL \(nllBefore) → \(nllAfter) bits over the training grids")

        try model.savePrior(prior, PriorConfig(ops: ops, metrics: .object([("nll_bits_per_grid", .number("1.5"))])))
        let folder = (path as NSString).deletingLastPathComponent
        #expect(FileManager.default.fileExists(atPath: folder + "/prior.safetensors"))
        let after = try Self.members(path)
        // Every key keeps its value and place; the prior's name comes last.
        #expect(after.count == before.count + 1 && after.last?.key == "prior" && after.last?.value == .string("prior.safetensors"))
        #expect(zip(before, after).allSatisfy { $0.key == $1.key && $0.value == $1.value })
        #expect(try ModelManifest.load(path).fsqLevels == (try ModelManifest.load(Self.library + "/" + fixture + "/model.json").fsqLevels))

        // The model picker's note says so, as for a native model with a prior.
        #expect(dataNote(forModelAt: path).hasSuffix(" · with a prior"))
        let reloaded = try ImportedAutoencoder.load(path)
        let loaded = try #require(reloaded.gridPrior)
        #expect(loaded.cells == tokens && loaded.levels == book.levels && loaded.codeGrid == model.grid)
        #expect(loaded.logProbabilities([grids[0]]) == prior.logProbabilities([grids[0]]))
        #expect(reloaded.priorDescription?.metrics["nll_bits_per_grid"] == .number("1.5"))

        // sample, inpaint and surprise on the code list as decodeCodes takes it (h·w·Q, level fastest)
        var rng = SeededRNG(seed: 3)
        let samples = loaded.sample(count: 3, rng: &rng)
        #expect(samples.count == 3 && samples.allSatisfy { $0.count == tokens && $0.allSatisfy { (0..<book.size).contains($0) } })
        #expect(try reloaded.decodeCodes(samples.flatMap { $0 }).shape == [3, 3, 16, 16])
        let locked = grids[5].enumerated().map { $0.offset < tokens / 2 ? $0.element : nil }
        let inpainted = loaded.sample(count: 2, locked: locked, temperature: 0.8, rng: &rng)
        #expect(inpainted.allSatisfy { g in g.count == tokens && (0..<(tokens / 2)).allSatisfy { g[$0] == grids[5][$0] } })
        let (bits, top) = loaded.analyse(grids[5], cell: tokens - 1, count: 4)
        #expect(bits.count == tokens && bits.allSatisfy { $0.isFinite && $0 >= 0 })
        #expect(top.count == min(4, book.size) && top.allSatisfy { (0..<book.size).contains($0.code) })
        #expect(loaded.perCell(bits).count == model.grid.height * model.grid.width)
    }

    /// Residual levels condition on each other: grids of 1×2 cells, 2 levels, whose second level
    /// repeats the first. After training, level 1 is predicted from level 0 (and back), samples keep
    /// the rule, and a broken copy is surprising — as a one-level prior learns between cells.
    @Test func learnsAcrossResidualLevels() throws {
        var rng = SeededRNG(seed: 5)
        let tokens = GridPrior.tokenGrid(height: 1, width: 2, levels: 2)
        let ops = GridPrior.architecture(codebookSize: 4, height: tokens.height, width: tokens.width, channels: 16, blocks: 1,
                                         mixChannels: 4, mixHidden: 16)
        let prior = GridPrior(ops: ops, codebookSize: 4, height: tokens.height, width: tokens.width, levels: 2, rng: &rng)
        #expect(prior.cells == 4 && prior.codeGrid == (1, 2))
        // Codes in order: cell 0 levels 0, 1; cell 1 levels 0, 1.
        let grids = (0..<256).map { i in [i % 4, i % 4, (i / 4) % 4, (i / 4) % 4] }
        var options = PriorTrainer.Options()
        options.epochs = 30
        options.batchSize = 32
        options.learningRate = 3e-3
        options.threads = 1
        withComputeThreads(1) { PriorTrainer.train(prior, grids: grids, heldOut: [], options: options, epoch: { _ in }) }
        let m = prior.maskToken
        #expect(prior.topCodes([2, m, 1, 1], cell: 1, count: 1).first.map { $0.code == 2 && $0.probability > 0.8 } == true)
        #expect(prior.topCodes([3, 3, m, 0], cell: 2, count: 1).first.map { $0.code == 0 && $0.probability > 0.8 } == true)
        let broken = prior.surprise([1, 3, 2, 2]), kept = prior.surprise([1, 1, 2, 2])
        #expect(broken[0] > 2.5 && broken[1] > 2.5 && kept.allSatisfy { $0 < 1 })
        #expect(prior.perCell(kept).count == 2)
        var a = SeededRNG(seed: 9)
        let samples = prior.sample(count: 40, rng: &a)
        #expect(samples.filter { $0[0] == $0[1] && $0[2] == $0[3] }.count >= 34)
    }

    // MARK: The manifest rewrite

    @Test func settingThePriorKeepsEveryOtherKeyAndReplacesAnOldName() throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.json"
        let text = "\u{FEFF}{\"kind\": \"vqvae\", \"prior\": \"old.safetensors\", \"input_shape\": [3, 16, 16], \"pixel_range\": [-1.50, 1e0],\n \"class_names\": [\"a\\\"b\", \"é\"]}"
        try FileBytes.write(Array(text.utf8), to: path)
        try ModelManifest.setPrior("new.safetensors", inManifestAt: path)
        let members = try Self.members(path)
        #expect(members.map(\.key) == ["kind", "prior", "input_shape", "pixel_range", "class_names"])
        #expect(members[1].value == .string("new.safetensors"))
        // Numbers keep their text; strings their characters.
        #expect(members[3].value == .array([.number("-1.50"), .number("1e0")]))
        #expect(members[4].value == .array([.string("a\"b"), .string("é")]))
        try ModelManifest.setPrior(nil, inManifestAt: path)
        #expect(try Self.members(path).map(\.key) == ["kind", "input_shape", "pixel_range", "class_names"])
        #expect(throws: FormatError.self) { try ModelManifest.setPrior("../p.safetensors", inManifestAt: path) }
        // Nothing is left behind but the manifest.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["model.json"])
    }

    // MARK: Bad prior files

    struct Bad: Sendable, CustomTestStringConvertible {
        let name: String
        /// Changes a copied euclidean VQ fixture (its folder) and returns the "prior" value to name.
        let make: @Sendable (String) throws -> String
        /// What the one-line error says.
        let says: String
        var testDescription: String { name }
    }

    /// A trained-looking prior for a grid of `k` codes, `h`×`w` cells, `q` levels (weights untrained).
    static func priorBytes(k: Int, h: Int, w: Int, q: Int = 1, describedOps: [OpSpec]? = nil) -> [UInt8] {
        let t = GridPrior.tokenGrid(height: h, width: w, levels: q)
        let ops = GridPrior.architecture(codebookSize: k, height: t.height, width: t.width, channels: 8, blocks: 1, mixChannels: 2, mixHidden: 8)
        var rng = SeededRNG(seed: 2)
        let prior = GridPrior(ops: ops, codebookSize: k, height: t.height, width: t.width, levels: q, rng: &rng)
        return PriorFile.encoded(prior, PriorConfig(ops: describedOps ?? ops))
    }

    static let bad: [Bad] = [
        Bad(name: "missing", make: { _ in "prior.safetensors" }, says: "prior.safetensors"),
        Bad(name: "not safetensors", make: { dir in
            try FileBytes.write(Array("not a prior at all".utf8), to: dir + "/prior.safetensors"); return "prior.safetensors"
        }, says: "prior.safetensors"),
        Bad(name: "truncated", make: { dir in
            try FileBytes.write(Array(priorBytes(k: 32, h: 4, w: 4).dropLast(100)), to: dir + "/prior.safetensors"); return "prior.safetensors"
        }, says: "prior.safetensors"),
        Bad(name: "wrong K", make: { dir in
            try FileBytes.write(priorBytes(k: 16, h: 4, w: 4), to: dir + "/p.safetensors"); return "p.safetensors"
        }, says: "p.safetensors: a prior over 16 codes; the model's codebook has 32"),
        Bad(name: "wrong grid", make: { dir in
            try FileBytes.write(priorBytes(k: 32, h: 2, w: 4), to: dir + "/p.safetensors"); return "p.safetensors"
        }, says: "a prior over 2×4 grids; the model's code grid is 4×4"),
        Bad(name: "wrong levels", make: { dir in
            try FileBytes.write(priorBytes(k: 32, h: 4, w: 4, q: 3), to: dir + "/p.safetensors"); return "p.safetensors"
        }, says: "a prior over 3 levels per cell; the model has 1"),
        Bad(name: "tensor shape unlike its ops", make: { dir in
            let wider = GridPrior.architecture(codebookSize: 32, height: 4, width: 4, channels: 12, blocks: 1, mixChannels: 2, mixHidden: 8)
            try FileBytes.write(priorBytes(k: 32, h: 4, w: 4, describedOps: wider), to: dir + "/p.safetensors"); return "p.safetensors"
        }, says: "tensor 'prior.0.weight' has shape"),
        Bad(name: "ops that do not give logits", make: { dir in
            let ops: [OpSpec] = [.conv2d(in: 33 + 16, out: 8, kernel: 1, stride: 1, padding: 0)]
            try FileBytes.write(priorBytes(k: 32, h: 4, w: 4, describedOps: ops), to: dir + "/p.safetensors"); return "p.safetensors"
        }, says: "ops produce [8, 4, 4]"),
        Bad(name: "a native model file", make: { dir in
            try FileManager.default.copyItem(atPath: repositoryRoot + "/Weights/vqvae-k32.safetensors", toPath: dir + "/p.safetensors")
            return "p.safetensors"
        }, says: "p.safetensors: config format"),
        Bad(name: "NaN weights", make: { dir in
            var bytes = priorBytes(k: 32, h: 4, w: 4)
            // The last four bytes are the final bias's last value.
            bytes.replaceSubrange((bytes.count - 4)..., with: Float.nan.bitPattern.leBytes)
            try FileBytes.write(bytes, to: dir + "/p.safetensors"); return "p.safetensors"
        }, says: "non-finite"),
        Bad(name: "outside the folder", make: { dir in
            try FileBytes.write(priorBytes(k: 32, h: 4, w: 4), to: dir + "/../p.safetensors"); return "../p.safetensors"
        }, says: "model.json: 'prior': ../p.safetensors is outside the manifest's folder"),
        Bad(name: "absolute path", make: { dir in
            try FileBytes.write(priorBytes(k: 32, h: 4, w: 4), to: dir + "/../p.safetensors"); return dir + "/../p.safetensors"
        }, says: "is outside the manifest's folder"),
        Bad(name: "a symlink out", make: { dir in
            try FileBytes.write(priorBytes(k: 32, h: 4, w: 4), to: dir + "/../p.safetensors")
            try FileManager.default.createSymbolicLink(atPath: dir + "/p.safetensors", withDestinationPath: "../p.safetensors")
            return "p.safetensors"
        }, says: "leads outside the manifest's folder"),
        Bad(name: "not a string", make: { _ in "" }, says: "'prior' must be a file name"),
    ]

    @Test(arguments: bad) func aBadPriorIsOneLine(_ c: Bad) throws {
        let path = try Self.copy("vq-euclid-ts")
        let dir = (path as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: (dir as NSString).deletingLastPathComponent) }
        let name = try c.make(dir)
        var members = try Self.members(path)
        members.append((key: "prior", value: .string(name)))
        try FileBytes.write(Array(JSONValue.object(members).serialized.utf8), to: path)
        let error = try #require(Self.loadError(path), "\(c.name): loaded")
        #expect(error.contains(c.says), "\(c.name): \(error)")
        #expect(!error.contains("\n"), "\(c.name): \(error)")
        // A bad prior file (not a bad name in the manifest) leaves the model loadable without it, so
        // that a new prior can be trained over it.
        if !error.hasPrefix("model.json") { #expect(try ImportedAutoencoder.load(path, loadingPrior: false).gridPrior == nil) }
    }

    @Test func aPriorKeyIsForAVQVAE() throws {
        let path = try Self.copy("kl-ts")
        defer { try? FileManager.default.removeItem(atPath: ((path as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent) }
        let members = try Self.members(path) + [(key: "prior", value: .string("prior.safetensors"))]
        try FileBytes.write(Array(JSONValue.object(members).serialized.utf8), to: path)
        #expect(Self.loadError(path)?.contains("'prior' is for a vqvae") == true)
    }
}

private extension FixedWidthInteger {
    var leBytes: [UInt8] { (0..<(Self.bitWidth / 8)).map { UInt8(truncatingIfNeeded: self >> (8 * $0)) } }
}
