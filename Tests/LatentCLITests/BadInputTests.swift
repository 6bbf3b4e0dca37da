import Foundation
import LatentCore
import LatentIO
import Testing

/// Malformed and unusual data, as users hand it to us, run through the built `latent`: every bad file
/// gets one clear line naming it and an exit status of 1…123 — never a signal, a hang, more than 1 GB
/// of memory, a file written, or a read outside the folder a manifest names — and every valid but
/// unusual file (16-bit, palette and grey+alpha PNGs, big-endian floats, booleans, v2 headers, odd
/// names) is read.
@Suite struct BadInputTests {
    enum Expect: Sendable {
        /// A non-zero exit with at most three lines, the first error naming this file.
        case refused(naming: String)
        case accepted
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        /// `$F` stands for the fixtures folder, `$W` for the shipped weights.
        let args: [String]
        let expect: Expect
        var testDescription: String { name }
    }

    /// The fixtures, made once per test process in a temporary folder.
    static let fixtures: String = makeFixtures()
    static let weights = CLITests.root + "/Weights"

    @Test(arguments: cases) func answersAsPromised(_ c: Case) throws {
        let binary = try #require(CLITests.binary, "latent binary not found under .build")
        let base = FileManager.default.temporaryDirectory.path + "/latent-bad-\(UUID().uuidString)"
        let work = base + "/work", home = base + "/home"
        for dir in [work, home] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        defer { try? FileManager.default.removeItem(atPath: base) }
        let before = try Self.listing(Self.fixtures)
        let args = c.args.map { $0.replacingOccurrences(of: "$F", with: Self.fixtures).replacingOccurrences(of: "$W", with: Self.weights) }
        let out = Spawned.run(binary, args, in: work, environment: ["HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"],
                              scratch: base)
        let said = "\(c.name): \(out.text)"
        #expect(!out.timedOut, "\(said)")
        #expect(out.signal == nil, "ended by signal \(out.signal ?? 0): \(said)")
        #expect(out.peakKB <= 1 << 20, "peak RSS \(out.peakKB) kB: \(said)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).isEmpty, "wrote into the working folder: \(said)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: home).isEmpty, "wrote into HOME: \(said)")
        #expect(try Self.listing(Self.fixtures) == before, "changed the fixtures: \(said)")
        switch c.expect {
        case .accepted:
            #expect(out.exitCode == 0, "\(said)")
            // Names and metadata from a file are printed escaped: nothing in them reaches the terminal.
            #expect(!(out.stdout + out.stderr).contains(0x1B), "an ESC byte in the output: \(said)")
        case .refused(let file):
            #expect((1...123).contains(out.exitCode ?? 0), "exit \(out.exitCode.map(String.init) ?? "none"): \(said)")
            #expect(out.lines.count <= 3, "\(out.lines.count) lines: \(said)")
            let error = String(decoding: out.stderr, as: UTF8.self)
            #expect(error.contains(file), "does not name \(file): \(said)")
            // Bytes from a file never reach the terminal raw: no ESC, NUL or other control byte.
            #expect(!(out.stdout + out.stderr).contains { $0 < 0x20 && $0 != 0x0A }, "control bytes in the output: \(said)")
        }
    }

    static func listing(_ dir: String) throws -> [String] {
        (FileManager.default.subpaths(atPath: dir) ?? []).sorted()
    }

    // MARK: The cases

    static let vae = "$W/vae-z10.safetensors", cvae = "$W/cvae-z2.safetensors"
    static func encode(_ data: String, labels: String? = nil, model: String = vae) -> [String] {
        ["encode", "--model", model, "--data", "$F/" + data, "--index", "0"] + (labels.map { ["--labels", "$F/" + $0] } ?? [])
    }

    static let cases: [Case] = {
        var c: [Case] = []
        func refused(_ name: String, _ args: [String], naming file: String) { c.append(Case(name: name, args: args, expect: .refused(naming: file))) }
        func accepted(_ name: String, _ args: [String]) { c.append(Case(name: name, args: args, expect: .accepted)) }
        // .npy images
        for bad in ["nan", "inf", "int-300", "empty-n", "wrong-shape", "truncated", "bad-magic", "header-past-end", "header-not-text",
                    "fortran", "complex", "claims-huge", "version-9", "no-shape", "negative-dim", "overflow-shape", "zero-bytes",
                    "rank-1", "rank-5", "u2-be-pipe"] {
            refused("npy \(bad)", encode("img-\(bad).npy"), naming: "img-\(bad).npy")
        }
        for good in ["i64-0-255", "bool", "f4-big-endian", "v2-header", "f2", "u2", "i16", "f8-nhwc1"] {
            accepted("npy \(good)", encode("img-\(good).npy"))
        }
        accepted("eval on i64 images", ["eval", "--model", vae, "--data", "$F/img-i64-0-255.npy"])
        refused("eval on no images", ["eval", "--model", vae, "--data", "$F/img-empty-n.npy"], naming: "img-empty-n.npy")
        refused("eval on NaN images", ["eval", "--model", vae, "--data", "$F/img-nan.npy"], naming: "img-nan.npy")
        // labels (.npy)
        for bad in ["nan", "huge", "negative", "count", "two-d", "fraction"] {
            refused("labels \(bad)", encode("img-ok.npy", labels: "labels-\(bad).npy"), naming: "labels-\(bad).npy")
        }
        for good in ["i16", "i64-big-endian", "bool", "f4-whole", "u1"] {
            accepted("labels \(good)", encode("img-ok.npy", labels: "labels-\(good).npy"))
        }
        refused("cvae label beyond its classes", encode("img-ok.npy", labels: "labels-twelve.npy", model: cvae), naming: "labels-twelve.npy")
        refused("cvae label beyond its classes, explorer", ["explore", "--model", cvae, "--data", "$F/img-ok.npy", "--labels", "$F/labels-twelve.npy"],
                naming: "labels-twelve.npy")
        refused("explorer on NaN images", ["explore", "--model", vae, "--data", "$F/img-nan.npy"], naming: "img-nan.npy")
        // Directions find their PCA, local and attribute sets in the data's μ: the same files, the same refusals.
        refused("directions on NaN images", ["directions", "--model", vae, "--data", "$F/img-nan.npy"], naming: "img-nan.npy")
        refused("directions on no images", ["directions", "--model", vae, "--method", "local", "--data", "$F/img-empty-n.npy"], naming: "img-empty-n.npy")
        refused("directions with bad labels", ["directions", "--model", vae, "--method", "attribute", "--classes", "0,1",
                                               "--data", "$F/img-ok.npy", "--labels", "$F/labels-nan.npy"], naming: "labels-nan.npy")
        accepted("directions on i64 images", ["directions", "--model", vae, "--data", "$F/img-i64-0-255.npy", "--count", "2"])
        // IDX
        for bad in ["truncated", "truncated.gz", "bomb.gz", "blank400k.gz", "bad-magic", "type-0x07", "rank-0", "rank-2", "f32-nan",
                    "i32-300", "corrupt.gz", "trailing.gz", "claims-huge"] {
            refused("idx \(bad)", encode("\(bad)-images-idx3-ubyte"), naming: "\(bad)-images-idx3-ubyte")
        }
        for good in ["raw", "ok.gz", "f64"] { accepted("idx \(good)", encode("\(good)-images-idx3-ubyte")) }
        refused("info on a gzip bomb", ["info", "$F/bomb.gz-images-idx3-ubyte"], naming: "bomb.gz-images-idx3-ubyte")
        refused("info on 400k blank images", ["info", "$F/blank400k.gz-images-idx3-ubyte"], naming: "blank400k.gz-images-idx3-ubyte")
        for bad in ["nan", "huge", "count"] {
            refused("idx labels \(bad)", encode("lab\(bad)-images-idx3-ubyte"), naming: "lab\(bad)-labels-idx1-ubyte")
            refused("project --labels idx \(bad)", ["project", "--input", "$F/rows.csv", "--labels", "$F/lab\(bad)-labels-idx1-ubyte", "--plot"],
                    naming: "lab\(bad)-labels-idx1-ubyte")
        }
        // CSV and matrices
        refused("csv with ESC and NUL", ["info", "$F/escape.csv"], naming: "escape.csv")
        refused("csv with ESC, projected", ["project", "--input", "$F/escape.csv"], naming: "escape.csv")
        for bad in ["ragged", "nan", "empty", "latin1"] {
            refused("csv \(bad)", ["project", "--input", "$F/\(bad).csv"], naming: "\(bad).csv")
        }
        refused("csv labels with a fraction", ["project", "--input", "$F/rows.csv", "--labels", "$F/labels-fraction.csv", "--metrics"],
                naming: "labels-fraction.csv")
        refused("matrix of zero columns", ["project", "--input", "$F/zero-columns.npy"], naming: "zero-columns.npy")
        refused("matrix of zero columns, pca", ["project", "--input", "$F/zero-columns.npy", "--method", "pca"], naming: "zero-columns.npy")
        refused("matrix with NaN, pca", ["project", "--input", "$F/matrix-nan.npy", "--method", "pca"], naming: "matrix-nan.npy")
        refused("matrix of two rows", ["project", "--input", "$F/two-rows.npy"], naming: "two-rows.npy")
        accepted("pca of 3 rows × 200,000", ["project", "--input", "$F/wide.npy", "--method", "pca"])
        accepted("csv rows", ["project", "--input", "$F/rows.csv", "--method", "pca"])
        // PNG folders
        for good in ["grey16", "palette", "grey-alpha", "rgba", "odd-names", "not-utf8"] {
            accepted("png folder \(good)", encode("png-\(good)"))
        }
        refused("png of the wrong size", encode("png-wrong-size"), naming: "small.png")
        refused("corrupt png", encode("png-corrupt"), naming: "broken.png")
        refused("truncated png", encode("png-truncated"), naming: "cut.png")
        refused("folder without pngs", encode("png-none"), naming: "png-none")
        // manifests
        refused("manifest data folder with a symlink out", ["encode", "--model", "$F/manifest-symlink/model.json", "--index", "0"],
                naming: "escape.png")
        refused("manifest data that is a symlink out", ["encode", "--model", "$F/manifest-npy-link/model.json", "--index", "0"],
                naming: "model.json")
        refused("manifest data ../", ["info", "$F/manifest-dotdot/model.json"], naming: "model.json")
        refused("manifest absolute data", ["encode", "--model", "$F/manifest-absolute/model.json", "--index", "0"], naming: "model.json")
        refused("manifest unknown key", ["encode", "--model", "$F/manifest-unknown-key/model.json", "--index", "0"], naming: "model.json")
        refused("manifest bad JSON", ["encode", "--model", "$F/manifest-bad-json/model.json", "--index", "0"], naming: "model.json")
        refused("manifest data of NaN", ["eval", "--model", "$F/manifest-nan-data/model.json"], naming: "nan.npy")
        refused("manifest without its encoder", ["encode", "--model", "$F/manifest-no-encoder/model.json", "--index", "0"], naming: "encoder.onnx")
        accepted("manifest with its own PNG folder", ["encode", "--model", "$F/manifest-png-ok/model.json", "--index", "0"])
        // found by an outside corpus: each a class of its own
        refused("umap of values near Float's limit", ["project", "--input", "$F/huge.csv", "--neighbors", "2"], naming: "huge.csv")
        refused("t-sne of values near Float's limit", ["project", "--input", "$F/huge.csv", "--method", "tsne"], naming: "huge.csv")
        refused("pca of values near Float's limit", ["project", "--input", "$F/huge.csv", "--method", "pca", "--metrics"], naming: "huge.csv")
        refused("float images of 3e38", encode("img-3e38.npy"), naming: "img-3e38.npy")
        refused("a z that overflows the decoder", ["decode", "--model", vae, "--z", Array(repeating: "3e38", count: 10).joined(separator: ","), "--format", "json"],
                naming: "decoder")
        refused("csv field with a NUL inside a number", ["project", "--input", "$F/nul-in-number.csv", "--method", "pca"], naming: "nul-in-number.csv")
        accepted("csv with a byte-order mark", ["project", "--input", "$F/bom.csv", "--method", "pca"])
        refused("--labels beside IDX data", encode("raw-images-idx3-ubyte", labels: "labels-nan.npy"), naming: "raw-images-idx3-ubyte")
        refused("project --labels checked without --plot", ["project", "--input", "$F/rows.csv", "--method", "pca", "--labels", "$F/labels-fraction.csv"],
                naming: "labels-fraction.csv")
        refused("manifest data: a relative symlink out", ["encode", "--model", "$F/manifest-relative-link/model.json", "--index", "0"], naming: "model.json")
        refused("manifest IDX data whose labels file is a symlink out", ["encode", "--model", "$F/manifest-idx-labels-link/model.json", "--index", "0"],
                naming: "t-labels-idx1-ubyte")
        refused("manifest shipped-layout folder of symlinks out", ["encode", "--model", "$F/manifest-shipped-links/model.json", "--index", "0"],
                naming: "mnist-heldout-images-idx3-ubyte.gz")
        refused("manifest PNG class folder that is a symlink out", ["encode", "--model", "$F/manifest-class-link/model.json", "--index", "0"],
                naming: "pngs/b")
        accepted("project a manifest's PNG folder", ["project", "--model", "$F/manifest-png-ok/model.json", "--method", "pca"])
        accepted("manifest with a byte-order mark", ["encode", "--model", "$F/manifest-bom/model.json", "--index", "0"])
        accepted("gzip of two members", encode("two-members.gz-images-idx3-ubyte"))
        accepted("info escapes metadata", ["info", "$F/escape-metadata.safetensors"])
        // an imported VQ-VAE's prior (latent train prior --model model.json)
        refused("manifest prior missing", ["info", "$F/vq-prior-missing/model.json"], naming: "prior.safetensors")
        refused("manifest prior not safetensors", ["sample", "--model", "$F/vq-prior-corrupt/model.json"], naming: "prior.safetensors")
        refused("manifest prior for another codebook", ["info", "$F/vq-prior-other-k/model.json"], naming: "prior.safetensors")
        refused("manifest prior for another grid", ["sample", "--model", "$F/vq-prior-other-grid/model.json"], naming: "prior.safetensors")
        refused("manifest prior ../", ["info", "$F/vq-prior-dotdot/model.json"], naming: "model.json")
        refused("manifest prior that is a symlink out", ["info", "$F/vq-prior-link/model.json"], naming: "model.json")
        refused("manifest prior on a vae", ["info", "$F/manifest-vae-prior/model.json"], naming: "model.json")
        refused("train prior on a vae manifest", ["train", "prior", "--model", "$F/manifest-png-ok/model.json"], naming: "model.json")
        refused("train prior -o outside the manifest's folder", ["train", "prior", "--model", "$F/vq-prior-missing/model.json",
                                                                 "--data", "$F/vq-images.npy", "-o", "../p.safetensors"], naming: "model.json")
        refused("train prior over an FSQ of 2²⁰ codes", ["train", "prior", "--model", "$F/fsq-huge/model.json"], naming: "model.json")
        refused("sample a manifest without a prior", ["sample", "--model", "$F/vq-no-prior/model.json"], naming: "model.json")
        // arguments
        refused("--index -1", ["encode", "--model", vae, "--index", "-1"], naming: "--index")
        refused("--n -3", ["sample", "--model", "$W/vqvae-k32.safetensors", "--n", "-3"], naming: "--n")
        refused("--epochs -5", ["project", "--input", "$F/rows.csv", "--epochs", "-5"], naming: "--epochs")
        refused("--count -1", ["bench", "decode", "--count", "-1"], naming: "--count")
        return c
    }()

    // MARK: Making the fixtures

    static func makeFixtures() -> String {
        let tmp = FileManager.default.temporaryDirectory.path, prefix = "latent-bad-fixtures-"
        // The fixtures live as long as the test process; those of earlier runs (their process gone) go.
        for old in (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? [] where old.hasPrefix(prefix) {
            if let pid = Int32(old.dropFirst(prefix.count)), kill(pid, 0) != 0 { try? FileManager.default.removeItem(atPath: tmp + "/" + old) }
        }
        let dir = tmp + "/" + prefix + "\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func put(_ name: String, _ bytes: [UInt8]) { Fixture.write(bytes, to: dir + "/" + name) }
        func folder(_ name: String) -> String {
            try? FileManager.default.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: true)
            return dir + "/" + name
        }
        let four = Fixture.digits(4), okData = Fixture.f32(four)
        var withNaN = four; withNaN[100] = .nan
        var withInf = four; withInf[2 * 784 + 5] = .infinity
        // .npy images
        put("img-ok.npy", Fixture.npy("<f4", [4, 28, 28], okData))
        put("img-nan.npy", Fixture.npy("<f4", [4, 28, 28], Fixture.f32(withNaN)))
        put("img-inf.npy", Fixture.npy("<f4", [4, 28, 28], Fixture.f32(withInf)))
        put("img-int-300.npy", Fixture.npy("<i8", [4, 28, 28], Fixture.i64(four.map { Int64($0 * 300) })))
        put("img-i64-0-255.npy", Fixture.npy("<i8", [4, 28, 28], Fixture.i64(four.map { Int64($0 * 255) })))
        put("img-empty-n.npy", Fixture.npy("<f4", [0, 28, 28], []))
        put("img-wrong-shape.npy", Fixture.npy("<f4", [4, 27, 28], Array(okData.prefix(4 * 27 * 28 * 4))))
        put("img-truncated.npy", Fixture.npy("<f4", [4, 28, 28], Array(okData.dropLast(7))))
        put("img-bad-magic.npy", [0x94] + Array(Fixture.npy("<f4", [4, 28, 28], okData).dropFirst()))
        put("img-header-past-end.npy", [0x93] + Array("NUMPY".utf8) + [1, 0, 0xFF, 0xFF] + Array("{'descr'".utf8))
        put("img-header-not-text.npy", [0x93] + Array("NUMPY".utf8) + [1, 0, 4, 0, 0xFF, 0xFE, 0xC0, 0x0A])
        put("img-fortran.npy", Fixture.npy("<f4", [4, 28, 28], okData, fortran: true))
        put("img-complex.npy", Fixture.npy("<c8", [4, 28, 28], okData + okData))
        put("img-claims-huge.npy", Fixture.npy("<f4", [100_000_000, 28, 28], okData))
        put("img-version-9.npy", Fixture.npy("<f4", [4, 28, 28], okData, version: 9))
        put("img-no-shape.npy", Fixture.npy("<f4", [4, 28, 28], okData, header: "{'descr': '<f4', 'fortran_order': False, }"))
        put("img-negative-dim.npy", Fixture.npy("<f4", [4, 28, 28], okData, header: "{'descr': '<f4', 'fortran_order': False, 'shape': (-4, 28, 28), }"))
        put("img-overflow-shape.npy", Fixture.npy("<f4", [1 << 40, 1 << 40], okData))
        put("img-zero-bytes.npy", [])
        put("img-rank-1.npy", Fixture.npy("<f4", [784], Array(okData.prefix(784 * 4))))
        put("img-rank-5.npy", Fixture.npy("<f4", [4, 1, 1, 28, 28], okData))
        put("img-u2-be-pipe.npy", Fixture.npy("|u2", [4, 28, 28], okData.prefix(4 * 784 * 2).map { $0 }))
        put("img-bool.npy", Fixture.npy("|b1", [4, 28, 28], four.map { $0 > 0.5 ? 1 : 0 }))
        put("img-f4-big-endian.npy", Fixture.npy(">f4", [4, 28, 28], Fixture.f32(four, bigEndian: true)))
        put("img-v2-header.npy", Fixture.npy("<f4", [4, 28, 28], okData, version: 2))
        put("img-f2.npy", Fixture.npy("<f2", [4, 28, 28], four.flatMap { Fixture.halfBytes($0) }))
        put("img-u2.npy", Fixture.npy("<u2", [4, 28, 28], four.flatMap { UInt16($0 * 255).leBytes }))
        put("img-i16.npy", Fixture.npy("<i2", [4, 28, 28], Fixture.i16(four.map { Int16($0 * 255) })))
        put("img-f8-nhwc1.npy", Fixture.npy("<f8", [4, 28, 28, 1], four.flatMap { Double($0).bitPattern.leBytes }))
        // labels
        put("labels-nan.npy", Fixture.npy("<f4", [4], Fixture.f32([0, 1, .nan, 3])))
        put("labels-huge.npy", Fixture.npy("<f4", [4], Fixture.f32([0, 1, 1e30, 3])))
        put("labels-negative.npy", Fixture.npy("<i8", [4], Fixture.i64([0, -1, 2, 3])))
        put("labels-count.npy", Fixture.npy("<i8", [3], Fixture.i64([0, 1, 2])))
        put("labels-two-d.npy", Fixture.npy("<i8", [4, 2], Fixture.i64([0, 1, 2, 3, 4, 5, 6, 7])))
        put("labels-fraction.npy", Fixture.npy("<f4", [4], Fixture.f32([0, 1.5, 2, 3])))
        put("labels-i16.npy", Fixture.npy("<i2", [4], Fixture.i16([0, 1, 2, 3])))
        put("labels-i64-big-endian.npy", Fixture.npy(">i8", [4], Fixture.i64([0, 1, 2, 3], bigEndian: true)))
        put("labels-bool.npy", Fixture.npy("|b1", [4], [0, 1, 1, 0]))
        put("labels-f4-whole.npy", Fixture.npy("<f4", [4], Fixture.f32([0, 1, 2, 3])))
        put("labels-u1.npy", Fixture.npy("|u1", [4], [0, 1, 2, 3]))
        put("labels-twelve.npy", Fixture.npy("<i8", [4], Fixture.i64([0, 1, 12, 3])))
        // IDX
        let bytes = four.map { UInt8($0 * 255) }
        put("raw-images-idx3-ubyte", Fixture.idx(0x08, [4, 28, 28], bytes))
        put("ok.gz-images-idx3-ubyte", Fixture.idx(0x08, [4, 28, 28], bytes, gzip: true))
        put("f64-images-idx3-ubyte", Fixture.idx(0x0E, [4, 28, 28], four.flatMap { Double($0).bitPattern.beBytes }))
        put("truncated-images-idx3-ubyte", Fixture.idx(0x08, [4, 28, 28], Array(bytes.dropLast(9))))
        put("truncated.gz-images-idx3-ubyte", Array(Fixture.idx(0x08, [4, 28, 28], bytes, gzip: true).dropLast(20)))
        // A bomb: the header says one image, the stream goes on for 256 MiB of zeros (250 kB compressed).
        put("bomb.gz-images-idx3-ubyte", Gzip.compress(Fixture.idx(0x08, [1, 28, 28], [UInt8](repeating: 0, count: 784)) + [UInt8](repeating: 0, count: 1 << 28), level: 9))
        put("blank400k.gz-images-idx3-ubyte", Gzip.compress(Fixture.idx(0x08, [400_000, 28, 28], [UInt8](repeating: 0, count: 400_000 * 784)), level: 9))
        put("bad-magic-images-idx3-ubyte", [1, 0] + Array(Fixture.idx(0x08, [4, 28, 28], bytes).dropFirst(2)))
        put("type-0x07-images-idx3-ubyte", Fixture.idx(0x07, [4, 28, 28], bytes))
        put("rank-0-images-idx3-ubyte", Fixture.idx(0x08, [], bytes))
        put("rank-2-images-idx3-ubyte", Fixture.idx(0x08, [4, 784], bytes))
        var nanFloats = four; nanFloats[3] = .nan
        put("f32-nan-images-idx3-ubyte", Fixture.idx(0x0D, [4, 28, 28], nanFloats.flatMap { $0.bitPattern.beBytes }))
        put("i32-300-images-idx3-ubyte", Fixture.idx(0x0C, [4, 28, 28], four.flatMap { Int32($0 * 300).beBytes }))
        var corrupt = Fixture.idx(0x08, [4, 28, 28], bytes, gzip: true)
        for i in 20..<min(60, corrupt.count - 8) { corrupt[i] ^= 0x5A }
        put("corrupt.gz-images-idx3-ubyte", corrupt)
        put("trailing.gz-images-idx3-ubyte", Fixture.idx(0x08, [4, 28, 28], bytes, gzip: true) + Array("junk after".utf8))
        put("claims-huge-images-idx3-ubyte", Fixture.idx(0x08, [200_000_000, 28, 28], bytes))
        for (name, labels) in [("nan", Fixture.idx(0x0D, [4], [0, 1, Float.nan, 3].flatMap { $0.bitPattern.beBytes })),
                               ("huge", Fixture.idx(0x0D, [4], [0, 1, Float(1e30), 3].flatMap { $0.bitPattern.beBytes })),
                               ("count", Fixture.idx(0x08, [3], [0, 1, 2]))] {
            put("lab\(name)-images-idx3-ubyte", Fixture.idx(0x08, [4, 28, 28], bytes))
            put("lab\(name)-labels-idx1-ubyte", labels)
        }
        // CSV and matrices
        put("escape.csv", Array("1,2\n3,\u{1B}[31mred\u{0}\n".utf8))
        put("ragged.csv", Array("1,2,3\n4,5\n6,7,8\n".utf8))
        put("nan.csv", Array("1,2\n3,nan\n5,6\n7,8\n".utf8))
        put("empty.csv", [])
        put("latin1.csv", [0x61, 0xE9, 0x2C, 0x62, 0x0A, 0x31, 0x2C, 0x32, 0x0A])
        put("rows.csv", Array((0..<4).map { i in "\(i),\(i * i),\(i % 2)" }.joined(separator: "\n").utf8))
        put("labels-fraction.csv", Array("0\n1.5\n2\n3\n".utf8))
        put("huge.csv", Array((0..<8).map { i in "\(i),3e38,\(i % 3)" }.joined(separator: "\n").utf8))
        put("nul-in-number.csv", Array("1,2\n3,5\u{0}junk\n5,6\n7,8\n".utf8))
        put("bom.csv", [0xEF, 0xBB, 0xBF] + Array("1,2\n3,4\n5,6\n7,9\n".utf8))
        put("img-3e38.npy", Fixture.npy("<f4", [4, 28, 28], Fixture.f32([Float](repeating: 3e38, count: 4 * 784))))
        let idxBytes = Fixture.idx(0x08, [4, 28, 28], four.map { UInt8($0 * 255) })
        put("two-members.gz-images-idx3-ubyte", Gzip.compress(Array(idxBytes.prefix(1000))) + Gzip.compress(Array(idxBytes.dropFirst(1000))))
        let header = "{\"__metadata__\":{\"note\":\"\\u001b]0;pwned\\u0007\\u001b[2J\"},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        let padded = header + String(repeating: " ", count: (8 - header.utf8.count % 8) % 8)
        put("escape-metadata.safetensors", UInt64(padded.utf8.count).leBytes + Array(padded.utf8) + [0, 0, 128, 63])
        put("zero-columns.npy", Fixture.npy("<f4", [10, 0], []))
        put("matrix-nan.npy", Fixture.npy("<f4", [4, 2], Fixture.f32([0, 1, 2, .nan, 4, 5, 6, 7])))
        put("two-rows.npy", Fixture.npy("<f4", [2, 2], Fixture.f32([0, 1, 2, 3])))
        put("wide.npy", Fixture.npy("<f4", [3, 200_000], Fixture.f32((0..<600_000).map { Float(($0 * 7919) % 1000) / 1000 })))
        // PNG folders: valid unusual kinds, each with two classes
        let rows8: [[UInt8]] = (0..<28).map { (y: Int) -> [UInt8] in (0..<28).map { (x: Int) -> UInt8 in UInt8((x * 9 + y * 5) % 256) } }
        func pngFolder(_ name: String, _ files: [(String, [UInt8])]) {
            let f = folder(name)
            for (file, bytes) in files {
                if let slash = file.lastIndex(of: "/") {
                    try? FileManager.default.createDirectory(atPath: f + "/" + file[..<slash], withIntermediateDirectories: true)
                }
                Fixture.write(bytes, to: f + "/" + file)
            }
        }
        let grey16 = Fixture.png(width: 28, height: 28, colorType: 0, bitDepth: 16, rows: rows8.map { $0.flatMap { [$0, $0] } })
        let palette = Fixture.png(width: 28, height: 28, colorType: 3, bitDepth: 8, rows: rows8.map { $0.map { $0 % 4 } },
                                  palette: [0, 0, 0, 90, 90, 90, 180, 180, 180, 255, 255, 255])
        let greyAlpha = Fixture.png(width: 28, height: 28, colorType: 4, bitDepth: 8, rows: rows8.map { $0.flatMap { [$0, 255] } })
        let rgba = Fixture.png(width: 28, height: 28, colorType: 6, bitDepth: 8, rows: rows8.map { $0.flatMap { [$0, $0, $0, 200] } })
        pngFolder("png-grey16", [("a/1.png", grey16), ("b/2.png", grey16)])
        pngFolder("png-palette", [("a/1.png", palette), ("b/2.png", palette)])
        pngFolder("png-grey-alpha", [("a/1.png", greyAlpha), ("b/2.png", greyAlpha)])
        pngFolder("png-rgba", [("a/1.png", rgba), ("b/2.png", rgba)])
        pngFolder("png-odd-names", [("class one/ünïcödé ñame.png", Fixture.greyPNG()), ("-rf/--index.png", Fixture.greyPNG())])
        let notUTF8 = folder("png-not-utf8")
        Fixture.write(Fixture.greyPNG(), to: notUTF8 + "/plain.png")
        // A name with the byte 0xFF, which is not UTF-8: made through the C API.
        var raw = Array((notUTF8 + "/bad").utf8) + [0xFF] + Array(".png".utf8)
        raw.append(0)
        let fd = raw.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } }
        let png = Fixture.greyPNG()
        _ = png.withUnsafeBytes { Foundation.write(fd, $0.baseAddress!, $0.count) }
        close(fd)
        pngFolder("png-wrong-size", [("a/fine.png", Fixture.greyPNG()), ("a/small.png", Fixture.greyPNG(size: 20))])
        pngFolder("png-corrupt", [("a/fine.png", Fixture.greyPNG()), ("a/broken.png", Array(Fixture.greyPNG().prefix(40)) + [UInt8](repeating: 0x41, count: 40))])
        pngFolder("png-truncated", [("cut.png", Array(Fixture.greyPNG().prefix(60)))])
        pngFolder("png-none", [("readme.txt", Array("no images here".utf8))])
        // manifests around the small exported MLP VAE of the ONNX fixtures
        let onnx = CLITests.root + "/Tests/LatentNNTests/Fixtures/onnx/mlp-vae-ts"
        func manifest(_ name: String, _ json: String, withModel: Bool = true) -> String {
            let f = folder(name)
            if withModel {
                for file in ["encoder.onnx", "decoder.onnx"] { try? FileManager.default.copyItem(atPath: onnx + "/" + file, toPath: f + "/" + file) }
            }
            Fixture.write(Array(json.utf8), to: f + "/model.json")
            return f
        }
        let base = "\"kind\": \"vae\", \"encoder\": \"encoder.onnx\", \"decoder\": \"decoder.onnx\", \"input_shape\": [1, 28, 28]"
        Fixture.write(Fixture.greyPNG(), to: dir + "/outside.png")
        let symlinked = manifest("manifest-symlink", "{\(base), \"data\": \"pngs\"}")
        pngFolder("manifest-symlink/pngs", [("a/fine.png", Fixture.greyPNG())])
        symlink(dir + "/outside.png", symlinked + "/pngs/a/escape.png")
        let linkedNPY = manifest("manifest-npy-link", "{\(base), \"data\": \"data.npy\"}")
        symlink(dir + "/img-ok.npy", linkedNPY + "/data.npy")
        _ = manifest("manifest-dotdot", "{\(base), \"data\": \"../img-ok.npy\"}")
        _ = manifest("manifest-absolute", "{\(base), \"data\": \"\(dir)/img-ok.npy\"}")
        _ = manifest("manifest-unknown-key", "{\(base), \"dataset\": \"x\"}")
        _ = manifest("manifest-bad-json", "{\(base), \"data\": ")
        let nanData = manifest("manifest-nan-data", "{\(base), \"data\": \"nan.npy\"}")
        Fixture.write(Fixture.npy("<f4", [4, 28, 28], Fixture.f32(withNaN)), to: nanData + "/nan.npy")
        _ = manifest("manifest-no-encoder", "{\(base)}", withModel: false)
        _ = manifest("manifest-png-ok", "{\(base), \"data\": \"pngs\"}")
        let relative = manifest("manifest-relative-link", "{\(base), \"data\": \"x.npy\"}")
        symlink("../img-ok.npy", relative + "/x.npy")
        let idxLabels = manifest("manifest-idx-labels-link", "{\(base), \"data\": \"t-images-idx3-ubyte\"}")
        Fixture.write(Fixture.idx(0x08, [4, 28, 28], four.map { UInt8($0 * 255) }), to: idxLabels + "/t-images-idx3-ubyte")
        Fixture.write(Fixture.idx(0x08, [4], [0, 1, 2, 3]), to: dir + "/outside-labels-idx1-ubyte")
        symlink(dir + "/outside-labels-idx1-ubyte", idxLabels + "/t-labels-idx1-ubyte")
        let shipped = manifest("manifest-shipped-links", "{\(base), \"data\": \"set\"}")
        _ = folder("manifest-shipped-links/set")
        for part in ["images-idx3", "labels-idx1"] {
            symlink(CLITests.root + "/Weights/data/mnist-heldout-\(part)-ubyte.gz", shipped + "/set/mnist-heldout-\(part)-ubyte.gz")
        }
        let classLink = manifest("manifest-class-link", "{\(base), \"data\": \"pngs\"}")
        pngFolder("manifest-class-link/pngs", [("a/1.png", Fixture.greyPNG())])
        pngFolder("outside-pngs", [("2.png", Fixture.greyPNG())])
        symlink(dir + "/outside-pngs", classLink + "/pngs/b")
        let bom = manifest("manifest-bom", "{\(base)}")
        Fixture.write([0xEF, 0xBB, 0xBF] + Array("{\(base)}".utf8), to: bom + "/model.json")
        pngFolder("manifest-png-ok/pngs", [("a/1.png", Fixture.greyPNG()), ("b/2.png", grey16), ("b/3.png", palette), ("a/4.png", greyAlpha)])
        _ = manifest("manifest-vae-prior", "{\(base), \"prior\": \"prior.safetensors\"}")
        // manifests around the exported euclidean VQ-VAE (K = 32, 4×4 grid), each naming a bad prior
        let vqFixture = CLITests.root + "/Tests/LatentNNTests/Fixtures/onnx-lib/vq-euclid-ts"
        func vq(_ name: String, prior: String?) -> String {
            let f = folder(name)
            for file in ["encoder.onnx", "decoder.onnx", "codebook.npy"] { try? FileManager.default.copyItem(atPath: vqFixture + "/" + file, toPath: f + "/" + file) }
            let key = prior.map { ", \"prior\": \"\($0)\"" } ?? ""
            Fixture.write(Array(#"{"kind": "vqvae", "encoder": "encoder.onnx", "decoder": "decoder.onnx", "codebook": "codebook.npy", "input_shape": [3, 16, 16]"#.utf8)
                          + Array("\(key)}".utf8), to: f + "/model.json")
            return f
        }
        /// A prior file's header alone: the config is checked before any tensor is read.
        func priorHeader(k: Int, grid: [Int]) -> [UInt8] {
            var w = SafetensorsWriter()
            w.metadata = [("config", #"{"format": "latent-explorer-prior", "version": 1, "codebook_size": \#(k), "grid": \#(grid), "levels": 1, "ops": []}"#)]
            return w.encoded()
        }
        _ = vq("vq-no-prior", prior: nil)
        _ = vq("vq-prior-missing", prior: "prior.safetensors")
        Fixture.write(Array("not a prior".utf8), to: vq("vq-prior-corrupt", prior: "prior.safetensors") + "/prior.safetensors")
        Fixture.write(priorHeader(k: 16, grid: [4, 4]), to: vq("vq-prior-other-k", prior: "prior.safetensors") + "/prior.safetensors")
        Fixture.write(priorHeader(k: 32, grid: [8, 8]), to: vq("vq-prior-other-grid", prior: "prior.safetensors") + "/prior.safetensors")
        Fixture.write(priorHeader(k: 32, grid: [4, 4]), to: dir + "/outside-prior.safetensors")
        _ = vq("vq-prior-dotdot", prior: "../outside-prior.safetensors")
        symlink("../outside-prior.safetensors", vq("vq-prior-link", prior: "prior.safetensors") + "/prior.safetensors")
        let fsq = folder("fsq-huge")
        for file in ["encoder.onnx", "decoder.onnx"] {
            try? FileManager.default.copyItem(atPath: CLITests.root + "/Tests/LatentNNTests/Fixtures/onnx-lib/fsq-ts/" + file, toPath: fsq + "/" + file)
        }
        Fixture.write(Array(#"{"kind": "vqvae", "encoder": "encoder.onnx", "decoder": "decoder.onnx", "input_shape": [3, 16, 16], "levels": [1024, 64, 4, 4]}"#.utf8),
                      to: fsq + "/model.json")
        put("vq-images.npy", Fixture.npy("<f4", [4, 3, 16, 16], Fixture.f32((0..<(4 * 768)).map { Float($0 % 7) / 7 })))
        return dir
    }
}

extension Fixture {
    /// A value in [0, 1] as little-endian IEEE float16.
    static func halfBytes(_ v: Float) -> [UInt8] {
        guard v > 0 else { return [0, 0] }
        var e = 0, m = v
        while m < 1 { m *= 2; e -= 1 }
        while m >= 2 { m /= 2; e += 1 }
        let bits = UInt16(e + 15) << 10 | UInt16(((m - 1) * 1024).rounded(.down))
        return bits.leBytes
    }
}
