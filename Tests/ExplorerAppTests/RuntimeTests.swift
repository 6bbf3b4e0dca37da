@testable import ExplorerApp
import Foundation
import LatentCore
import LatentIO
import LatentNN
import TermRender
import Testing

/// The runtime with the real shipped models and data: keys in, decoded images out.
@Suite(.serialized) struct RuntimeTests {
    static func heldOut() throws -> LabeledImages {
        let dir = repositoryRoot + "/Weights/data/"
        return try LabeledImages.read(images: dir + ShippedData.heldOutImages, labels: dir + ShippedData.heldOutLabels)
    }

    static func runtime(_ name: String = "vae-z10.safetensors") throws -> Runtime {
        let engine = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/" + name, data: heldOut())
        var m = AppModel(width: 120, height: 40, capability: .palette256, model: engine.summary,
                         modelPaths: ["vae-z2.safetensors", "vqvae-k32.safetensors"].map { repositoryRoot + "/Weights/" + $0 })
        m.renderMode = .ascii
        let r = Runtime(model: m, engine: engine)
        r.start()
        return r
    }

    static func waitForDataset(_ r: Runtime) {
        for _ in 0..<400 where r.model.datasetProgress != nil { r.waitForBackground(seconds: 0.05) }
    }

    /// With a budget that no strip fits, strips are decoded in the background: the key's frame comes
    /// at once (the digit decoded, the strip not yet), the strip arrives later, and after a run of keys
    /// the strip shown is the one for the last z — the same images a decode at once gives.
    @Test func slowStripsArriveFromTheBackgroundNewestLast() throws {
        let r = try Self.runtime(), direct = try Self.runtime()
        defer { r.waitUntilIdle(seconds: 60); direct.waitUntilIdle(seconds: 60) }
        r.backgroundDecodeBudget = 0
        let before = r.model.vae.strip
        r.handle(.key(.down))  // another dimension: its progression strip is new
        #expect(r.model.vae.selected == 1 && r.model.vae.image != nil)
        #expect(r.model.vae.strip == before, "the strip was decoded in the key's frame")  // (compared, not printed: 784 values a tile)
        for _ in 0..<5 { r.handle(.key(.char("L"))) }
        for _ in 0..<200 where !(r.model.vae.strip != before && r.hasNoBackgroundWork) { r.waitForBackground(seconds: 0.02) }
        r.waitUntilIdle(seconds: 10)
        direct.handle(.key(.down))
        for _ in 0..<5 { direct.handle(.key(.char("L"))) }
        #expect(r.model.vae.z == direct.model.vae.z)
        #expect(r.model.vae.strip.count == direct.model.vae.strip.count && !r.model.vae.strip.isEmpty)
        // Decoded a chunk at a time instead of in one batch: the same images up to BLAS rounding.
        let difference = zip(r.model.vae.strip, direct.model.vae.strip).map { a, b in zip(a.pixels, b.pixels).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 1
        #expect(difference < 1e-5)
    }

    /// The budget is the frame's: a strip that alone would fit goes to the background when what the
    /// frame did before it (here a clock that jumps 4 s at every look) leaves too little of the budget.
    @Test func aStripCountsWhatItsFrameHasAlreadySpent() throws {
        let r = try Self.runtime()
        defer { r.waitUntilIdle(seconds: 60) }
        r.waitUntilIdle(seconds: 30)
        r.backgroundDecodeBudget = 3  // seconds: any strip of this model fits
        let first = r.model.vae.strip
        r.handle(.key(.down))
        let decodedAtOnce = r.model.vae.strip != first
        #expect(decodedAtOnce, "a strip that fits the budget is decoded in the key's frame")
        var now: UInt64 = 0
        r.clock = { now += 4_000_000_000; return now }
        let second = r.model.vae.strip
        r.handle(.key(.down))
        let decodedLater = r.model.vae.strip == second
        #expect(decodedLater, "the strip was decoded in a frame already past its budget")
        for _ in 0..<200 where r.model.vae.strip == second { r.waitForBackground(seconds: 0.02) }
        let arrived = r.model.vae.strip != second && !r.model.vae.strip.isEmpty
        #expect(arrived)
    }

    /// With a budget no image decode fits (a slow model), the shown image is decoded in the background:
    /// the key's frame keeps the previous image, the new one follows, and what ends on screen after a
    /// slider move and a data step is what decoding at once gives (a late image for an older request
    /// never replaces a newer one).
    @Test func aSlowImageArrivesFromTheBackground() throws {
        let r = try Self.runtime(), direct = try Self.runtime()
        defer { r.waitUntilIdle(seconds: 60); direct.waitUntilIdle(seconds: 60) }
        r.waitUntilIdle(seconds: 30)
        r.backgroundImageBudget = 0
        let before = r.model.vae.image
        r.handle(.key(.char("L")))
        #expect(r.model.vae.image == before, "the image was decoded in the key's frame")
        for _ in 0..<200 where r.model.vae.image == before { r.waitForBackground(seconds: 0.02) }
        direct.handle(.key(.char("L")))
        func difference(_ a: Image?, _ b: Image?) -> Float {
            guard let a, let b, a.pixels.count == b.pixels.count else { return .infinity }
            return zip(a.pixels, b.pixels).map { abs($0 - $1) }.max() ?? 0
        }
        #expect(r.model.vae.z == direct.model.vae.z && difference(r.model.vae.image, direct.model.vae.image) < 1e-5)
        r.handle([.key(.char("L")), .key(.char("n"))])
        direct.handle([.key(.char("L")), .key(.char("n"))])
        r.waitUntilIdle(seconds: 30)
        #expect(r.model.vae.current?.index == direct.model.vae.current?.index && r.model.vae.z == direct.model.vae.z)
        #expect(difference(r.model.vae.image, direct.model.vae.image) < 1e-5)
    }

    /// A model too slow to open an image in the key's frame opens it in the background: the frame comes
    /// at once, every n still counts (each steps on from the image asked for), and the keys typed after
    /// them wait for that image and act on it — the same end as opening each at once.
    @Test func slowDataStepsCountAndTheKeysAfterThemActOnTheirImage() throws {
        let r = try Self.runtime(), direct = try Self.runtime()
        defer { r.waitUntilIdle(seconds: 60); direct.waitUntilIdle(seconds: 60) }
        r.waitUntilIdle(seconds: 30)
        r.backgroundImageBudget = 0
        let keys: [Message] = [.key(.char("n")), .key(.char("n")), .key(.char("n")), .key(.char("L")), .key(.char("n")), .key(.char("L"))]
        r.handle(keys)
        #expect(r.model.vae.current == nil, "an image was opened in the key's frame")
        #expect(r.model.requestedImage == 2)
        for _ in 0..<400 where !(r.model.requestedImage == nil && r.hasNoBackgroundWork) { r.waitForBackground(seconds: 0.02) }
        r.waitUntilIdle(seconds: 10)
        direct.handle(keys)
        #expect(r.model.vae.current?.index == 3 && direct.model.vae.current?.index == 3)
        #expect(r.model.vae.z == direct.model.vae.z && r.model.vae.z != r.model.vae.current?.mu)
        // A VQ-VAE: an edit typed after n edits the grid n opened.
        let engine = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/vqvae-k32.safetensors", data: Self.heldOut())
        let vq = Runtime(model: AppModel(width: 120, height: 40, capability: .palette256, model: engine.summary, vqShape: engine.vqShapeValue),
                         engine: engine)
        vq.start()
        defer { vq.waitUntilIdle(seconds: 60) }
        vq.waitUntilIdle(seconds: 30)
        vq.backgroundImageBudget = 0
        vq.handle([.key(.char("n")), .key(.char("n")), .key(.char("+"))])
        for _ in 0..<400 where !(vq.model.requestedImage == nil && vq.hasNoBackgroundWork) { vq.waitForBackground(seconds: 0.02) }
        vq.waitUntilIdle(seconds: 10)
        let source = try #require(vq.model.vq.source)
        #expect(source.index == 2)
        #expect(vq.model.vq.codes[0] == (source.codes[0] + 1) % 32 && Array(vq.model.vq.codes.dropFirst()) == Array(source.codes.dropFirst()))
    }

    /// Ten `n` in one read move ten images (#27: they moved one), and `p` steps back as many.
    @Test func everyDataStepInABatchCounts() throws {
        let r = try Self.runtime()
        defer { r.waitUntilIdle(seconds: 60) }
        r.handle(Array(repeating: .key(.char("n")), count: 10))
        #expect(r.model.vae.current?.index == 9)
        r.handle(Array(repeating: .key(.char("p")), count: 3))
        #expect(r.model.vae.current?.index == 6 && r.model.vae.z == r.model.vae.current?.mu)
        #expect(Runtime.coalesce([.encodeImage(index: 1), .encodeImage(index: 2)]).count == 2)
    }

    /// VQ-VAE: steps through the data, code edits and panel switches in one read all count, and an edit
    /// typed after `n` edits the grid `n` opened.
    @Test func everyVQStepInABatchCounts() throws {
        let engine = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/vqvae-k32.safetensors", data: Self.heldOut())
        let r = Runtime(model: AppModel(width: 120, height: 40, capability: .palette256, model: engine.summary, vqShape: engine.vqShapeValue),
                        engine: engine)
        r.start()
        defer { r.waitUntilIdle(seconds: 60) }
        #expect(r.model.vq.source?.index == 0)
        r.handle(Array(repeating: .key(.char("n")), count: 10) + [.key(.char("+"))])
        let source = try #require(r.model.vq.source)
        #expect(source.index == 10)
        #expect(r.model.vq.codes[0] == (source.codes[0] + 1) % 32 && r.model.vq.undo.count == 1)
        r.handle(Array(repeating: .key(.char("+")), count: 9) + Array(repeating: .key(.tab), count: 3))
        #expect(r.model.vq.codes[0] == (source.codes[0] + 10) % 32 && r.model.vq.panel == .map)
    }

    /// Bookmarks survive a restart: kept by one runtime, there when the next one opens the model.
    @Test func bookmarksSurviveARestart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("latent-marks-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try Self.runtime("vae-z2.safetensors")
        first.bookmarkStore = BookmarkStore(directory: dir)
        first.handle(.key(.char("L")))
        first.handle(.key(.char("B")))
        first.handle(.key(.char("'")))
        first.handle(.key(.char("r")))
        for _ in 0..<12 { first.handle(.key(.backspace)) }
        for c in "seven" { first.handle(.key(.char(c))) }
        first.handle(.key(.enter))
        first.handle(.key(.escape))
        let z = first.model.vae.z
        first.waitUntilIdle(seconds: 30)
        let engine = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/vae-z2.safetensors", data: Self.heldOut())
        let second = Runtime(model: AppModel(width: 120, height: 40, capability: .palette256, model: engine.summary), engine: engine)
        second.bookmarkStore = BookmarkStore(directory: dir)
        second.start()
        defer { second.waitUntilIdle(seconds: 30) }
        #expect(second.model.bookmarks == [Bookmark(name: "seven", place: .latent(z: z, label: nil))])
    }

    /// `S` writes real files next to each other, never over one another: the decoded digit at the
    /// automatic scale and the morph A → B → A as a GIF with every frame.
    @Test func sWritesTheImageAndTheMorphAsFiles() throws {
        let r = try Self.runtime("vae-z2.safetensors")
        defer { r.waitUntilIdle(seconds: 60) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("latent-figures-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        r.figureDirectory = dir
        r.handle(.key(.char("a")))
        r.handle(.key(.char("L")))
        r.handle(.key(.char("b")))
        r.handle(.key(.char("i")))
        r.handle(.key(.char("S")))
        r.waitUntilIdle(seconds: 30)
        #expect(r.model.status == "saved vae-z2-{image-1.png,z-1.npy,z-1.json,line-1.png,morph-1.gif,morph-path-1.npy,morph-path-1.json}"
                + " · latent decode --model vae-z2.safetensors --z vae-z2-z-1.npy")
        #expect(try NPY.read(dir + "/vae-z2-z-1.npy").data == r.model.vae.z)
        #expect(try NPY.read(dir + "/vae-z2-morph-path-1.npy").shape == [Interpolation.frames + 1, 2])
        let png = try PNG.decode(FileBytes.read(dir + "/vae-z2-image-1.png"))
        #expect(png.width == 28 * 9 && png.height == 28 * 9)
        let gif = try GIF.decode(FileBytes.read(dir + "/vae-z2-morph-1.gif"))
        #expect(gif.width == 28 * 9 && gif.frames.count == 2 * Interpolation.frames)  // a GIF plays one frame at a time: as large as the image
        #expect(gif.frames[0].rgb != gif.frames[Interpolation.frames].rgb)
        r.handle(.key(.char("S")))
        r.waitUntilIdle(seconds: 30)
        #expect(r.model.status.contains("{image-2.png,z-2.npy,z-2.json,line-2.png,morph-2.gif,morph-path-2.npy,morph-path-2.json}"))
        #expect(FileManager.default.fileExists(atPath: dir + "/vae-z2-image-1.png"))
    }

    /// A save that fails says why first, in plain words, and the path last; never Foundation's raw
    /// `Error Domain=NSCocoaErrorDomain Code=512 …` (#27).
    @Test func failedSavesSayWhyFirstAndThePathLast() throws {
        let r = try Self.runtime("vae-z2.safetensors")
        defer { r.waitUntilIdle(seconds: 60) }
        // /sys refuses new folders even to root; a folder under a file is "not a folder" for anyone.
        r.bookmarkStore = BookmarkStore(directory: "/sys/kernel/latent-explorer/bookmarks")
        r.handle(.key(.char("B")))
        #expect(r.model.status == "bookmarks not saved: permission denied · /sys/kernel/latent-explorer", "\(r.model.status)")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("latent-notafolder-\(getpid())").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: file) }
        r.bookmarkStore = BookmarkStore(directory: file + "/bookmarks")
        r.handle(.key(.char("B")))
        #expect(r.model.status.hasPrefix("bookmarks not saved: a part of the path is a file, not a folder · ") && !r.model.status.contains("Domain"),
                "\(r.model.status)")
        r.figureDirectory = file + "/figures"
        r.handle(.key(.char("S")))
        r.waitUntilIdle(seconds: 30)
        #expect(r.model.status == "figure not saved: cannot create: a part of the path is not a directory · \(file)/figures/vae-z2-image-1.png",
                "\(r.model.status)")
        // At 80 columns the file name stays whole at the end and the reason keeps its start and end.
        let shown = Explorer.statusLine(r.model, width: 80)
        #expect(shown.head == " LatentExplorer" && shown.head.count + shown.message.count <= 80)
        #expect(shown.message.hasPrefix(" │ figure not saved: cannot c") && shown.message.hasSuffix("directory · …/vae-z2-image-1.png"),
                "\(shown.message)")
        let wide = Explorer.statusLine(r.model, width: 120)
        #expect(wide.message.contains("a part of the path is not a directory · …") && wide.message.hasSuffix("/figures/vae-z2-image-1.png"))
        #expect(wide.head.count + wide.message.count <= 120)
    }

    /// A model names the dataset it was trained on: picking the Fashion-MNIST VAE while digits are
    /// shown brings its own 2,000 held-out images and class names; the digits' models bring the digits back.
    @Test func eachModelOpensWithItsOwnDataset() throws {
        let fashion = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/fashion-vae-z10.safetensors", data: Self.heldOut())
        #expect(fashion.data.count == 2000 && fashion.summary.classNames[9] == "Ankle boot")
        let digits = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/vae-z2.safetensors", data: fashion.data)
        #expect(digits.data.count == 1000 && digits.summary.classNames[9] == "9")
        #expect(dataNote(forModelAt: repositoryRoot + "/Weights/fashion-vae-z10.safetensors") == "Fashion-MNIST subset")
        #expect(dataNote(forModelAt: repositoryRoot + "/Weights/vqvae-k32.safetensors") == "MNIST subset · with a prior")
    }

    @Test func movingASliderChangesTheDigit() throws {
        let r = try Self.runtime()
        defer { r.waitUntilIdle(seconds: 60) }  // no background work may outlive the test (see Runtime.waitUntilIdle)
        let first = try #require(r.model.vae.image)
        #expect(first.pixels.contains { $0 > 0.5 })  // z = 0 decodes to ink, not a blank
        r.handle([.key(.char("L")), .key(.char("L")), .key(.char("L"))])
        let moved = try #require(r.model.vae.image)
        #expect(r.model.vae.z[0] == 1.5)
        let change = zip(first.pixels, moved.pixels).map { abs($0 - $1) }.reduce(0, +)
        #expect(change > 5)
        #expect(r.model.vae.strip.count == Layout(width: 120, height: 40, latentDim: 10, renderMode: .ascii).stripTiles)
        // Background work (the dataset's encoding, its PCA) ends, and its results have arrived.
        #expect(r.waitUntilIdle(seconds: 60))
        #expect(r.model.datasetProgress == nil && r.model.scatter.isReady)
    }

    @Test func prototypesAndDataStepping() throws {
        let r = try Self.runtime()
        defer { r.waitUntilIdle(seconds: 60) }  // no background work may outlive the test (see Runtime.waitUntilIdle)
        Self.waitForDataset(r)
        #expect(r.model.datasetProgress == nil)
        #expect(r.model.vae.prototypes.count == 10)
        r.handle(.key(.char("1")))
        #expect(r.model.vae.z == r.model.vae.prototypes[1])
        // The prototype of "1" decodes to a thin stroke: far less ink than the prototype of "0".
        let one = r.model.vae.image!.pixels.reduce(0, +)
        r.handle(.key(.char("0")))
        let zero = r.model.vae.image!.pixels.reduce(0, +)
        #expect(one < zero * 0.75)
        r.handle(.key(.char("n")))
        let cur = try #require(r.model.vae.current)
        #expect(cur.index == 0 && r.model.vae.z == cur.mu && cur.sigma.allSatisfy { $0 > 0 })
        // The reconstruction resembles the original more than a random other image does.
        let recon = r.model.vae.image!
        let other = Image(width: 28, height: 28, pixels: try r.engine.data.pixels(of: 1))
        func mse(_ a: Image, _ b: Image) -> Float { zip(a.pixels, b.pixels).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 784 }
        #expect(mse(recon, cur.original) < mse(other, cur.original))
    }

    @Test func pickerLoadsAnotherModelAndSwitchesToTheVQVAEMode() throws {
        let r = try Self.runtime()
        defer { r.waitUntilIdle(seconds: 60) }  // no background work may outlive the test (see Runtime.waitUntilIdle)
        r.handle([.key(.char("M")), .key(.enter)])  // first entry: vae-z2
        for _ in 0..<100 where r.model.model.latentDim != 2 { r.waitForBackground(seconds: 0.05) }
        #expect(r.model.model.name == "vae-z2.safetensors" && r.model.vae.z.count == 2)
        #expect(r.model.vae.image != nil)
        r.handle([.key(.char("M")), .key(.down), .key(.enter)])
        for _ in 0..<100 where !r.model.isVQ { r.waitForBackground(seconds: 0.05) }
        #expect(r.model.isVQ && r.model.vq.cells == 49 && r.model.vq.codebookSize == 32)
        #expect(r.model.vq.source?.index == 0 && r.model.vq.image != nil && r.model.vq.paletteTiles.count == 32)
    }

    @Test func conditionalModelDecodesTheChosenClass() throws {
        let r = try Self.runtime("cvae-z2.safetensors")
        defer { r.waitUntilIdle(seconds: 60) }  // no background work may outlive the test (see Runtime.waitUntilIdle)
        r.handle(.key(.char("1")))
        let one = r.model.vae.image!.pixels.reduce(0, +)
        r.handle(.key(.char("8")))
        let eight = r.model.vae.image!.pixels.reduce(0, +)
        #expect(r.model.vae.label == 8 && one < eight * 0.75)
    }
}

/// A model exported from PyTorch (an ONNX fixture and its manifest) in the explorer, on the same engine.
@Suite(.serialized) struct ImportedRuntimeTests {
    @Test(arguments: ["mlp-vae-ts", "mlp-vae-dynamo"])
    func anImportedVAEExploresLikeANativeOne(_ fixture: String) throws {
        let path = repositoryRoot + "/Tests/LatentNNTests/Fixtures/onnx/\(fixture)/model.json"
        let engine = try ExplorerEngine.load(modelPath: path, data: RuntimeTests.heldOut())
        #expect(engine.summary.latentDim == 4 && engine.summary.classNames.count == 10)  // classes from the data's labels
        var m = AppModel(width: 120, height: 40, capability: .palette256, model: engine.summary)
        m.renderMode = .ascii
        let r = Runtime(model: m, engine: engine)
        defer { r.waitUntilIdle(seconds: 60) }
        r.start()
        let first = try #require(r.model.vae.image)
        r.handle([.key(.char("L")), .key(.char("L")), .key(.char("L")), .key(.char("L"))])
        let moved = try #require(r.model.vae.image)
        #expect(r.model.vae.z[0] == 2 && first != moved)
        // The decode is the graph's: the same z through ImportedAutoencoder gives the same pixels.
        let direct = try ImportedAutoencoder.load(path).decodeLatents(Tensor(shape: [1, 4], data: r.model.vae.z))
        #expect(zip(direct.data, moved.pixels).allSatisfy { abs($0 - $1) < 1e-6 })
        r.handle(.key(.char("n")))
        #expect(r.model.vae.current?.index == 0 && r.model.vae.reconstruction != nil)
        for _ in 0..<400 where r.model.datasetProgress != nil { r.waitForBackground(seconds: 0.05) }
        #expect(r.model.scatter.mus.count == 1000 && r.model.scatter.mus.allSatisfy { $0.count == 4 })
    }

    /// A colour model of another size (3×32×32 in [-1, 1]; 3×16×16 VQ) opens, decodes colour and
    /// draws it fitted to every box.
    @Test(arguments: ["conv-vae-rgb-ts", "conv-vae-rgb-dynamo", "vqvae-rgb-ts", "vqvae-rgb-dynamo"])
    func colourModelsOfAnySizeOpenAndDrawInColour(_ fixture: String) throws {
        let dir = repositoryRoot + "/Tests/LatentNNTests/Fixtures/onnx/\(fixture)/"
        let model = try ImportedAutoencoder.load(dir + "model.json")
        let x = try NPY.read(dir + "input-x.npy")
        let images = LabeledImages(unlabelled: x)
        let engine = try ExplorerEngine.load(modelPath: dir + "model.json", data: images, dataRange: model.pixelRange)
        let m = AppModel(width: 120, height: 40, capability: .palette256, model: engine.summary, vqShape: engine.vqShapeValue)
        let r = Runtime(model: m, engine: engine)
        defer { r.waitUntilIdle(seconds: 60) }
        r.start()
        r.handle(.key(.char("n")))
        let shown = try #require(model.kind == .vqvae ? r.model.vq.image : r.model.vae.image)
        #expect(shown.channels == 3 && shown.width == x.shape[3] && shown.height == x.shape[2])
        let index = try #require(model.kind == .vqvae ? r.model.vq.source?.index : r.model.vae.current?.index)
        let original = try #require(model.kind == .vqvae ? r.model.vq.source?.original : r.model.vae.current?.original)
        // The original is the data image mapped from the pixel range to [0, 1], in colour.
        let unit = PixelValues.unit(try images.pixels(of: index), from: model.pixelRange)
        #expect(zip(unit, original.pixels).allSatisfy { abs(min(max($0, 0), 1) - $1) < 1e-6 })
        for mode in RenderMode.allCases {
            var frame = r.model
            frame.renderMode = mode
            let buffer = Explorer.view(frame)
            let coloured = buffer.cells.filter {
                if case .rgb(let c) = $0.style.fg, c.r != c.g || c.g != c.b { return $0.glyph == "▀" || ($0.glyph.value >= 0x2800 && $0.glyph.value < 0x2900) }
                return false
            }
            // Half-blocks and braille carry the image's colours; ASCII shows its brightness only.
            if mode == .ascii { #expect(coloured.isEmpty) } else { #expect(coloured.count > 20, "\(fixture) \(mode)") }
        }
    }
}

/// The VQ-VAE mode with the shipped VQ-VAE and data.
@Suite(.serialized) struct VQRuntimeTests {
    static func runtime() throws -> Runtime {
        let engine = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/vqvae-k32.safetensors", data: RuntimeTests.heldOut())
        let m = AppModel(width: 120, height: 40, capability: .palette256, model: engine.summary, vqShape: engine.vqShapeValue)
        let r = Runtime(model: m, engine: engine)
        r.start()
        return r
    }

    @Test func codebookMapsByPCAAndUMAPPlaceEncoderVectorsBesideTheirCodes() throws {
        let r = try Self.runtime()
        defer { r.waitUntilIdle(seconds: 60) }  // no background work may outlive the test (see Runtime.waitUntilIdle)
        for method in [ProjectionMethod.pca, .umap] {
            let map = r.engine.codebookMap(method, maxPoints: 2000)
            #expect(map.method == method && map.codes.count == 32 && map.points.count == map.pointCodes.count)
            #expect((map.codes + map.points).allSatisfy { $0.allSatisfy { $0.isFinite } })
            // Most encoder vectors land nearer their own code than the average code is.
            func d2(_ a: [Float], _ b: [Float]) -> Float { (a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) }
            let near = zip(map.points, map.pointCodes).filter { p, c in
                let own = d2(p, map.codes[c])
                let mean = map.codes.map { d2(p, $0) }.reduce(0, +) / 32
                return own < mean / 4
            }.count
            #expect(Double(near) > 0.8 * Double(map.points.count), "\(method): \(near) of \(map.points.count)")
        }
    }

    @Test func editingACellChangesTheDecodeAndRevertRestoresIt() throws {
        let r = try Self.runtime()
        defer { r.waitUntilIdle(seconds: 60) }  // no background work may outlive the test (see Runtime.waitUntilIdle)
        let source = try #require(r.model.vq.source)
        #expect(r.model.vq.codes == source.codes)
        // The image's own codes are each cell's nearest code.
        for (cell, code) in source.codes.enumerated() { #expect(source.distances[cell][code] == source.distances[cell].min()) }
        let before = try #require(r.model.vq.image)
        #expect(before == r.model.vq.reconstruction)
        r.handle([.key(.down), .key(.down), .key(.right), .key(.right), .key(.right)])  // a central cell
        let old = r.model.vq.codes[r.model.vq.cursor]
        r.handle(.key(.char("+")))
        #expect(r.model.vq.codes[r.model.vq.cursor] == (old + 1) % 32)
        let after = try #require(r.model.vq.image)
        #expect(zip(before.pixels, after.pixels).map { abs($0 - $1) }.reduce(0, +) > 0.5)
        #expect(Explorer.cellDifferences(r.model.vq).max()! > 0)
        r.handle(.key(.char("r")))
        #expect(r.model.vq.image == before)
    }

    @Test func datasetUsageMatchesTheEvaluation() throws {
        let r = try Self.runtime()
        defer { r.waitUntilIdle(seconds: 60) }  // no background work may outlive the test (see Runtime.waitUntilIdle)
        for _ in 0..<200 where r.model.vq.usage.isEmpty || r.model.vq.map == nil { r.waitForBackground(seconds: 0.05) }
        let usage = r.model.vq.usage
        #expect(usage.reduce(0, +) == 49 * 1000)
        #expect(r.model.vq.deadCodes.isEmpty)  // all 32 codes are used on the held-out digits
        let total = Double(usage.reduce(0, +))
        let perplexity = exp(-usage.reduce(0.0) { $1 == 0 ? $0 : $0 + Double($1) / total * log(Double($1) / total) })
        #expect(abs(perplexity - 17.9) < 0.1)  // `latent eval` reports 17.9039
        let map = try #require(r.model.vq.map)
        #expect(map.codes.count == 32 && map.points.count == map.pointCodes.count && map.explained > 0.3)
        // The shipped model has a prior: s samples a grid from it (the same one for the same count of
        // samples), keeping a locked cell; the grid is decoded and the prior's analysis follows.
        #expect(r.model.vq.hasPrior)
        let before = r.model.vq.codes
        r.handle(.key(.char("x")))
        r.handle(.key(.char("s")))
        #expect(r.model.status.contains("prior sample") && r.model.vq.codes != before && r.model.vq.codes[0] == before[0])
        for _ in 0..<200 where r.model.vq.analysedGrid != r.model.vq.codes { r.waitForBackground(seconds: 0.05) }
        #expect(r.model.vq.surprise.count == 49 && r.model.vq.surprise.allSatisfy { $0.isFinite && $0 >= 0 })
        // With the terminal's frame budget the sample comes from the background: the key's frame first,
        // then the same kind of grid, the locked cell kept.
        r.waitUntilIdle(seconds: 30)
        r.backgroundDecodeBudget = Runtime.interactiveDecodeBudget
        let previous = r.model.vq.codes
        r.handle(.key(.char("s")))
        for _ in 0..<200 where r.model.vq.codes == previous { r.waitForBackground(seconds: 0.02) }
        #expect(r.model.vq.codes != previous && r.model.vq.codes[0] == before[0])
    }
}

/// Results of work started for a model must never reach the state of the model that replaced it.
@Suite(.serialized) struct StaleResultTests {
    @Test func resultsOfTheOldModelAreDroppedAfterASwitch() throws {
        for _ in 0..<5 {
            let r = try RuntimeTests.runtime()  // vae-z10: its dataset encoding (10-D μ) is under way
            defer { r.waitUntilIdle(seconds: 60) }  // no background work may outlive the test (see Runtime.waitUntilIdle)
            r.handle([.key(.char("M")), .key(.enter)])  // switch at once to vae-z2 (2-D)
            for _ in 0..<1000 where r.model.model.latentDim != 2 || r.model.datasetProgress != nil { r.waitForBackground(seconds: 0.01) }
            #expect(r.model.vae.z.count == 2 && r.model.vae.ranges.count == 2)
            #expect(r.model.vae.prototypes.allSatisfy { $0.count == 2 || $0.isEmpty })
            #expect(r.model.scatter.mus.allSatisfy { $0.count == 2 })
        }
    }
}
