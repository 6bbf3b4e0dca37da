@testable import ExplorerApp
import TermRender
import Testing

/// `update`: a message in, a model and commands out. No terminal, no model file.
@Suite struct UpdateTests {
    @Test func startDecodesZeroAndEncodesTheDataset() {
        var m = makeModel()
        let commands = Explorer.start(&m)
        #expect(commands.first == .encodeDataset)
        #expect(commands.contains(.decode(z: [Float](repeating: 0, count: 10), label: nil)))
        let tiles = Layout(width: 120, height: 40, latentDim: 10, renderMode: .half).stripTiles
        #expect(tiles == 10)  // the panel filled: 5 across, 2 rows of 20-pixel tiles
        #expect(commands.contains { if case .decodeStrip(.progression, let zs, _) = $0 { return zs.count == tiles } else { return false } })
        // No image is open: n and p both open image 0 first, so it is opened ahead.
        #expect(commands.last == .openAhead(shown: nil, steps: [0]))
    }

    @Test func arrowsMoveTheSelectedDimensionAndDecode() {
        var m = makeModel()
        _ = Explorer.update(&m, .key(.down))
        _ = Explorer.update(&m, .key(.down))
        #expect(m.vae.selected == 2)
        let c = Explorer.update(&m, .key(.right))
        #expect(m.vae.z[2] == 0.1)
        #expect(c.first == .decode(z: m.vae.z, label: nil))
        _ = Explorer.update(&m, .key(.shiftRight))
        #expect(abs(m.vae.z[2] - 0.6) < 1e-6)
        for _ in 0..<20 { _ = Explorer.update(&m, .key(.char("L"))) }
        #expect(m.vae.z[2] == 3)  // clamped to the range
        _ = Explorer.update(&m, .key(.char("h")))
        #expect(abs(m.vae.z[2] - 2.9) < 1e-6)
        for _ in 0..<15 { _ = Explorer.update(&m, .key(.up)) }
        #expect(m.vae.selected == 0)
    }

    @Test func progressionSweepsTheSelectedDimensionOverItsRange() {
        var m = makeModel()
        _ = Explorer.update(&m, .key(.down))
        let c = Explorer.update(&m, .key(.right))
        guard case .decodeStrip(.progression, let zs, _)? = c.last else { Issue.record("no strip"); return }
        #expect(zs.first?[1] == -3 && zs.last?[1] == 3)
        #expect(zs.allSatisfy { $0[0] == 0 })
    }

    @Test func sampleIsSeededAndResetReturnsToZero() {
        var a = makeModel(), b = makeModel()
        _ = Explorer.update(&a, .key(.char("s")))
        _ = Explorer.update(&b, .key(.char("s")))
        #expect(a.vae.z == b.vae.z && a.vae.z.contains { $0 != 0 })
        _ = Explorer.update(&a, .key(.char("s")))
        #expect(a.vae.z != b.vae.z)
        _ = Explorer.update(&a, .key(.char("r")))
        #expect(a.vae.z.allSatisfy { $0 == 0 })
    }

    @Test func prototypesArriveWithTheEncodedDataset() {
        var m = makeModel()
        _ = Explorer.update(&m, .key(.char("3")))
        #expect(m.status.contains("once the dataset is encoded"))
        let mus: [[Float]] = (0..<20).map { i in [Float](repeating: Float(i % 10) + (i < 10 ? 0 : 0.5), count: 10) }
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: (0..<20).map { $0 % 10 }))
        #expect(m.datasetProgress == nil)
        #expect(m.vae.prototypes.count == 10)
        let c = Explorer.update(&m, .key(.char("3")))
        #expect(m.vae.z == [Float](repeating: 3.25, count: 10))
        #expect(c.first == .decode(z: m.vae.z, label: nil))
        // Ranges widen to cover the data's μ (9.5 here), rounded out to a half.
        #expect(m.vae.ranges[0] == -3...9.5)
    }

    @Test func conditionalModelsPickTheClassWithDigits() {
        var m = makeModel(conditional: true)
        let c = Explorer.update(&m, .key(.char("7")))
        #expect(m.vae.label == 7)
        #expect(c.first == .decode(z: [0, 0], label: 7))
        _ = Explorer.update(&m, .key(.char("]")))
        #expect(m.vae.label == 8)
        _ = Explorer.update(&m, .key(.char("[")))
        _ = Explorer.update(&m, .key(.char("[")))
        #expect(m.vae.label == 6)
    }

    @Test func steppingThroughDataEncodesAndShowsThePosterior() {
        var m = makeModel()
        #expect(Explorer.update(&m, .key(.char("n"))) == [.encodeImage(index: 0)])
        // Before image 0 arrives, p steps back from it (every press counts): the last image.
        #expect(m.requestedImage == 0)
        #expect(Explorer.update(&m, .key(.char("p"))) == [.encodeImage(index: 999)])
        let encoded = EncodedImage(index: 41, label: 4, original: ring(), mu: [Float](repeating: 0.5, count: 10),
                                   sigma: [Float](repeating: 0.2, count: 10))
        let c = Explorer.update(&m, .imageEncoded(encoded, reconstruction: ring(7)))
        #expect(m.vae.z == encoded.mu && m.vae.current == encoded && m.requestedImage == nil)
        // z = μ decodes to the reconstruction: shown as it is, not decoded again.
        #expect(m.vae.image == ring(7) && !c.contains(.decode(z: encoded.mu, label: nil)))
        #expect(m.status.contains("label 4"))
        #expect(Explorer.update(&m, .key(.char("n"))) == [.encodeImage(index: 42)])
        // n then p before 42 arrives: back to 41.
        #expect(Explorer.update(&m, .key(.char("p"))) == [.encodeImage(index: 41)])
    }

    /// `:` then a number opens that image; a number past the data is refused in the status line, and
    /// Esc leaves the image shown.
    @Test func colonGoesToAnImageByItsNumber() {
        var m = makeModel()
        _ = Explorer.update(&m, .key(.char(":")))
        #expect(m.overlay == .goToImage(text: ""))
        for c in "4x2" { _ = Explorer.update(&m, .key(.char(c))) }
        _ = Explorer.update(&m, .key(.backspace))
        _ = Explorer.update(&m, .key(.char("7")))
        #expect(m.overlay == .goToImage(text: "47"))
        #expect(Explorer.view(m).text.contains("image: 47"))
        #expect(Explorer.update(&m, .key(.enter)) == [.encodeImage(index: 47)] && m.overlay == nil && m.requestedImage == 47)
        _ = Explorer.update(&m, .key(.char(":")))
        for c in "1000" { _ = Explorer.update(&m, .key(.char(c))) }
        #expect(Explorer.update(&m, .key(.enter)).isEmpty && m.status == "no image 1000: the data has 0…999")
        _ = Explorer.update(&m, .key(.char(":")))
        _ = Explorer.update(&m, .key(.char("3")))
        #expect(Explorer.update(&m, .key(.escape)).isEmpty && m.overlay == nil)
    }

    /// Editing z from an opened image keeps the image, its reconstruction and μ ± σ as the reference,
    /// and titles the edit with its mean squared difference from the reconstruction.
    @Test func editingKeepsTheOpenedImageAsTheReference() {
        var m = makeModel()
        let encoded = EncodedImage(index: 41, label: 4, original: ring(), mu: [Float](repeating: 0.5, count: 10),
                                   sigma: [Float](repeating: 0.2, count: 10))
        fakeRun(&m, Explorer.update(&m, .imageEncoded(encoded, reconstruction: ring(6.5))))
        #expect(Explorer.view(m).text.contains(" reconstruction "))
        for _ in 0..<5 { fakeRun(&m, Explorer.update(&m, .key(.right))) }
        #expect(m.vae.current == encoded && m.vae.reconstruction == ring(6.5) && m.vae.z[0] == 1)
        let expected = Explorer.meanSquaredDifference(ring(7), ring(6.5))!   // fakeRun decodes z[0] = 1 as ring(7)
        #expect(expected > 0.001)
        let text = Explorer.view(m).text
        #expect(text.contains(String(format: " edited · ΔMSE %.4f ", expected)) && text.contains("image 41") && text.contains("═"))
        #expect(Explorer.update(&m, .key(.char("n"))) == [.encodeImage(index: 42)])
        // Replacing z (a sample) leaves the image.
        fakeRun(&m, Explorer.update(&m, .key(.char("s"))))
        #expect(m.vae.current == nil && !Explorer.view(m).text.contains("image 41"))
    }

    @Test func manifoldGridCoversTwoDimensionsWithUpAsPositive() {
        var m = makeModel()
        _ = Explorer.update(&m, .key(.down))
        _ = Explorer.update(&m, .key(.down))
        let c = Explorer.update(&m, .key(.char("y")))
        #expect(m.vae.panel == .manifold && m.vae.manifoldDims == (0, 2))
        guard case .decodeStrip(.manifold, let zs, _)? = c.last else { Issue.record("no grid"); return }
        let (cols, rows) = m.vae.manifoldShape
        #expect(zs.count == cols * rows && cols >= 5 && rows >= 5)
        #expect(zs[0][0] == -3 && zs[0][2] == 3)              // top-left: x low, y high
        #expect(zs[cols * rows - 1][0] == 3 && zs[cols * rows - 1][2] == -3)
    }

    @Test func interpolationNeedsTwoMarksThenPlays() {
        var m = makeModel()
        #expect(Explorer.update(&m, .key(.char("i"))).isEmpty)
        #expect(m.status.contains("mark two points"))
        _ = Explorer.update(&m, .key(.char("a")))
        for _ in 0..<10 { _ = Explorer.update(&m, .key(.right)) }
        _ = Explorer.update(&m, .key(.char("b")))
        let c = Explorer.update(&m, .key(.char("i")))
        #expect(m.isAnimating)
        guard case .decodeStrip(.interpolation, let zs, _)? = c.last else { Issue.record("no strip"); return }
        #expect(zs.first?[0] == 0 && abs((zs.last?[0] ?? 0) - 1) < 1e-6)
        let t = Explorer.update(&m, .tick)
        #expect(m.vae.interpolation?.frame == 1)
        guard case .decode(let z, _)? = t.first else { Issue.record("no frame"); return }
        #expect(z[0] > 0 && z[0] < 0.1)
        _ = Explorer.update(&m, .key(.char(" ")))
        #expect(!m.isAnimating && Explorer.update(&m, .tick).isEmpty)
    }

    /// One rule for playback: a box shows what its title says. A played frame is z (the sliders and ‖z‖
    /// follow it) and the big image is titled "frame k/N"; opening an image stops the playback, so no
    /// frame lands in the box titled "reconstruction"; resuming leaves the image.
    @Test func playbackFramesAreZAndOpeningAnImageStopsThem() {
        var m = makeModel()
        fakeRun(&m, Explorer.update(&m, .key(.char("a"))))
        for _ in 0..<10 { fakeRun(&m, Explorer.update(&m, .key(.right))) }
        fakeRun(&m, Explorer.update(&m, .key(.char("b"))))
        fakeRun(&m, Explorer.update(&m, .key(.char("i"))))
        for _ in 0..<6 { fakeRun(&m, Explorer.update(&m, .tick)) }
        #expect(m.vae.z == Explorer.interpolationFrame(m.vae) && m.vae.z[0] > 0.1 && m.vae.z[0] < 0.9)
        var text = Explorer.view(m).text
        #expect(text.contains(" frame 7/48 ") && text.contains(String(format: "%+5.2f", m.vae.z[0])))
        #expect(text.contains(String(format: "‖z‖ %.2f", m.vae.z[0])))
        // n opens an image: playback stops at once, and the image's box is what it says.
        #expect(Explorer.update(&m, .key(.char("n"))) == [.encodeImage(index: 0)])
        #expect(!m.isAnimating)
        let encoded = EncodedImage(index: 271, label: 5, original: ring(), mu: [Float](repeating: 0.5, count: 10),
                                   sigma: [Float](repeating: 0.2, count: 10))
        fakeRun(&m, Explorer.update(&m, .imageEncoded(encoded, reconstruction: ring(7))))
        #expect(Explorer.update(&m, .tick).isEmpty && m.vae.z == encoded.mu)
        text = Explorer.view(m).text
        #expect(text.contains(" reconstruction ") && !text.contains(" frame "))
        // space resumes the paused morph: the image is left, its frames are titled as frames.
        _ = Explorer.update(&m, .key(.char(" ")))
        fakeRun(&m, Explorer.update(&m, .tick))
        text = Explorer.view(m).text
        #expect(m.vae.current == nil && text.contains(" frame 8/48 ") && !text.contains(" reconstruction ") && !text.contains("image 271"))
        _ = Explorer.update(&m, .key(.char(" ")))
        #expect(Explorer.view(m).text.contains(" frame 8/48 · paused "))
    }

    /// What the status line and the titles say agrees with what is drawn (#27).
    @Test func manifoldStatusAgreesWithItsTitle() {
        var m = makeModel()
        fakeRun(&m, Explorer.update(&m, .key(.char("x"))))
        fakeRun(&m, Explorer.update(&m, .key(.down)))
        fakeRun(&m, Explorer.update(&m, .key(.char("y"))))
        #expect(m.vae.manifoldDims == (0, 1))
        #expect(m.status.contains("z0 across") && m.status.contains("z1 up ↑") && !m.status.contains("down"))
        #expect(Explorer.view(m).text.contains("z0 → z1 ↑"))
    }

    @Test func aPrototypeIsTheMeanOfItsImagesNotDigits() {
        var m = makeModel()
        m.model = ModelSummaryLine(name: "fashion-vae-z10.safetensors", kind: .vae, latentDim: 10, codebookSize: 0,
                                   classNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])
        let mus: [[Float]] = (0..<20).map { i in [Float](repeating: Float(i % 10), count: 10) }
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: (0..<20).map { $0 % 10 }))
        _ = Explorer.update(&m, .key(.char("3")))
        #expect(m.status == "prototype of Dress: the mean μ of its images")
    }

    /// Every slider row is drawn on one axis, the one its labels name: a row whose range was widened
    /// (z3: −3…4.5) reaches the label's end, the others stop at their own end, and 0 is in one column.
    @Test func sliderLabelsNameTheAxisEveryRowIsDrawnOn() {
        var m = makeModel()
        let mus: [[Float]] = (0..<400).map { i in (0..<10).map { d in d == 3 ? Float(i % 53) / 10 - 1 : Float(i % 5) - 2 } }
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: (0..<400).map { $0 % 10 }))
        #expect(m.vae.ranges[3] == -3...4.5 && m.vae.ranges[0] == -3...3)
        m.vae.z[3] = 4.5
        m.vae.z[0] = 3
        m.vae.z[1] = 1   // off 0, so the knobs do not cover the zero ticks
        m.vae.z[5] = -1
        let b = Explorer.view(m)
        let box = Layout(width: 120, height: 40, latentDim: 10, renderMode: .half).sliders
        let g = SliderGeometry(box: box, count: 10, selected: 0)
        let track = g.track(row: g.row(of: 0))!
        let bottom = box.maxY - 1
        let label = String(String.UnicodeScalarView((track.x..<track.maxX).map { b[$0, bottom].glyph }))
        #expect(label.hasPrefix("-3.0") && label.hasSuffix("4.5"), "\(label)")
        let zeroColumn = { (row: Int) in (track.x..<track.maxX).first { b[$0, row].glyph == "┼" } }
        #expect(zeroColumn(g.row(of: 1)) != nil && zeroColumn(g.row(of: 1)) == zeroColumn(g.row(of: 5)))
        #expect(b[track.maxX - 1, g.row(of: 3)].glyph == "●")             // 4.5: the axis's end
        #expect(b[track.maxX - 1, g.row(of: 0)].glyph == " ")             // beyond z0's own 3.0
        #expect(b[SliderGeometry.column(3, in: -3...4.5, track: track), g.row(of: 0)].glyph == "●")
    }

    /// The VQ cell panel says how many of z_e's values it lists.
    @Test func theCellPanelSaysHowManyValuesItLists() {
        var m = makeVQModel(width: 120, height: 40)
        fakeRunVQ(&m, Explorer.start(&m))
        let inner = VQLayout(width: 120, height: 40, vq: m.vq).side.inset(by: 1)
        let shown = inner.maxY - 7 - inner.y - 1
        #expect(shown < 16)
        let lines = Explorer.view(m).text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[inner.y].contains("z_e: first \(shown) of 16 values"))
        #expect(lines[inner.y + shown].contains(String(format: "%2d", shown - 1)) && !lines[inner.y + shown + 1].contains(String(format: "%2d", shown)))
    }

    /// Without colours half blocks are drawn as ASCII, and the header says so.
    @Test func theHeaderNamesWhatIsDrawn() {
        var m = makeModel()
        fakeRun(&m, Explorer.start(&m))
        #expect(Explorer.view(m).text.contains("│ half · grey"))
        m.capability = .monochrome
        let text = Explorer.view(m).text
        #expect(text.contains("│ ascii (no colours)") && !text.contains("half"))
    }

    /// The status line keeps the whole message at 120 columns (the header gives way) and, when even
    /// that is too long, the end of it: the file names of a save (#27).
    @Test func theStatusLineNeverLosesTheEndOfAMessage() {
        var m = makeVQModel(width: 120, height: 40)
        m.model = ModelSummaryLine(name: "emoji-vqvae-k512.safetensors", kind: .vqvae, latentDim: 0, codebookSize: 512, classNames: [])
        m.vq.hasPrior = true
        m.vq.locked = [1, 2]
        _ = Explorer.update(&m, .priorSampled([Int](repeating: 3, count: 49)))
        let row = { (m: AppModel) in String(Explorer.view(m).text.split(separator: "\n")[0]).trimmingCharacters(in: .whitespaces) }
        #expect(row(m).hasSuffix("│ prior sample · T 1.0 · 2 locked kept"), "\(row(m))")
        #expect(row(m).contains("emoji-vqvae-k512"))
        let names = ["image-1.png", "palette-by-index-1.png", "palette-by-use-1.png", "grid-1.png", "map-1.png", "codes-1.png"]
            .map { "emoji-vqvae-k512-" + $0 }
        _ = Explorer.update(&m, .figuresSaved(names))
        #expect(row(m).hasSuffix("codes-1.png}") && row(m).count <= 120, "\(row(m))")
        m.width = 80
        #expect(row(m).hasSuffix("codes-1.png}") && row(m).hasPrefix("LatentExplorer │ saved emoji-vqvae") && row(m).contains("…"), "\(row(m))")
    }

    /// `?` (and q) are in every footer at every size; the footer row ends with them.
    @Test(arguments: [(80, 24), (100, 30), (120, 40), (160, 50)])
    func everyFooterOffersHelp(_ width: Int, _ height: Int) {
        for var m in [makeModel(width: width, height: height), makeVQModel(width: width, height: height)] {
            m.datasetProgress = nil
            let footer = String(Explorer.view(m).text.split(separator: "\n").last!).trimmingCharacters(in: .whitespaces)
            #expect(footer.hasSuffix("? help  q quit"), "\(width)×\(height): \(footer)")
        }
    }

    @Test func overlaysOpenCloseAndQuitQuits() {
        var m = makeModel()
        _ = Explorer.update(&m, .key(.char("?")))
        #expect(m.overlay == .help)
        #expect(Explorer.update(&m, .key(.right)).isEmpty && m.vae.z[0] == 0)  // keys go to the overlay
        _ = Explorer.update(&m, .key(.escape))
        #expect(m.overlay == nil)
        _ = Explorer.update(&m, .key(.char("M")))
        #expect(m.overlay == .modelPicker(selection: 1))  // the open model
        _ = Explorer.update(&m, .key(.down))
        #expect(Explorer.update(&m, .key(.enter)) == [.loadModel(path: "Weights/vae-z2.safetensors")])
        #expect(Explorer.update(&m, .key(.char("q"))) == [.quit] && m.quitting)
    }

    /// Quitting is deliberate: Esc cancels what is under way and otherwise does nothing; a key the
    /// terminal sent that the app does not know is named in the status line and changes nothing else.
    @Test func escapeAndUnknownKeysNeverQuit() {
        var m = makeModel()
        #expect(Explorer.update(&m, .key(.escape)).isEmpty && !m.quitting && m.status == "q quits")
        m.vae.panel = .scatter
        m.scatter.recording = [(0, 0)]
        _ = Explorer.update(&m, .key(.escape))
        #expect(m.scatter.recording == nil && !m.quitting)
        let before = m.vae.z
        #expect(Explorer.update(&m, .key(.unknown("F5"))).isEmpty && !m.quitting && m.status.hasPrefix("F5:") && m.vae.z == before)
        #expect(Explorer.update(&m, .key(.ctrl("c"))) == [.quit] && m.quitting)
    }

    /// A result made for another model (latents of another size) is dropped, not indexed.
    @Test func resultsThatDoNotFitTheModelAreDropped() {
        var m = makeModel()  // z = 10
        _ = Explorer.update(&m, .datasetEncoded(mus: [[1, 2], [3, 4]], labels: [0, 1]))
        #expect(m.scatter.mus.isEmpty && m.vae.prototypes.isEmpty && m.datasetProgress != nil)
        let mus = (0..<20).map { i in (0..<10).map { Float(i * $0) } }
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: []))  // unlabelled data is fine
        #expect(m.scatter.mus.count == 20 && !m.scatter.isLabelled && m.datasetProgress == nil)
        _ = Explorer.update(&m, .projected(.umap, [Float](repeating: 0, count: 10), pca: nil))
        #expect(m.scatter.umapPoints.isEmpty)
    }

    @Test func renderModeAndColourMapCycle() {
        var m = makeModel()
        _ = Explorer.update(&m, .key(.char("m")))
        #expect(m.renderMode == .braille)
        _ = Explorer.update(&m, .key(.char("m")))
        _ = Explorer.update(&m, .key(.char("m")))
        #expect(m.renderMode == .half)
        _ = Explorer.update(&m, .key(.char("c")))
        #expect(m.colorMap == .viridis)
        _ = Explorer.update(&m, .key(.char("d")))
        #expect(m.dither)
        // Dithering a braille digit draws more dots for its grey edges than the threshold does.
        m.renderMode = .braille
        m.vae.image = ring(8, width: 6)
        func dots(_ b: Buffer) -> Int { b.cells.map { (0x2800...0x28FF).contains($0.glyph.value) ? ($0.glyph.value - 0x2800).nonzeroBitCount : 0 }.reduce(0, +) }
        let dithered = dots(Explorer.view(m))
        m.dither = false
        #expect(dithered != dots(Explorer.view(m)))
    }

    @Test func clickingASliderTrackSetsItsValue() {
        var m = makeModel()
        let layout = Layout(width: 120, height: 40, latentDim: 10, renderMode: .half)
        let g = SliderGeometry(box: layout.sliders, count: 10, selected: 0)
        let track = g.track(row: g.row(of: 4))!
        _ = Explorer.update(&m, .mouse(.press(x: track.maxX - 1, y: g.row(of: 4))))
        #expect(m.vae.selected == 4 && m.vae.z[4] == 3)
        _ = Explorer.update(&m, .mouse(.wheelDown(x: track.x, y: g.row(of: 4))))
        #expect(abs(m.vae.z[4] - 2.9) < 1e-6)
    }

    @Test func resizeAndTooSmall() {
        var m = makeModel()
        _ = Explorer.update(&m, .resize(width: 60, height: 20))
        #expect(m.isTooSmall)
        #expect(Explorer.view(m).text.contains("terminal too small"))
    }

    @Test func runtimeKeepsOnlyTheLastDecodeOfABurst() {
        let commands: [Command] = [.decode(z: [1], label: nil), .decodeStrip(.progression, zs: [[1]], label: nil),
                                   .decode(z: [2], label: nil), .encodeDataset, .decodeStrip(.progression, zs: [[2]], label: nil)]
        #expect(Runtime.coalesce(commands) == [.decode(z: [2], label: nil), .encodeDataset, .decodeStrip(.progression, zs: [[2]], label: nil)])
    }
}

/// Dimensions the encoder ignores (μ barely varies over the data) are marked, and the manifold opens on
/// the two that vary most — until the user picks its axes.
@Suite struct ActiveDimensionTests {
    static func encoded() -> AppModel {
        var m = makeModel()
        // z3 and z7 carry the data; z0 varies a little; the rest are constant (inactive).
        func value(_ i: Int, _ d: Int) -> Float {
            switch d {
            case 3: return Float(i % 20) / 4
            case 7: return Float((i * 7) % 13) / 5
            case 0: return Float(i % 5) / 5
            default: return 0.01
            }
        }
        let mus: [[Float]] = (0..<200).map { i in (0..<10).map { value(i, $0) } }
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: (0..<200).map { $0 % 10 }))
        return m
    }

    /// A deterministic autoencoder has no prior to collapse to: its quiet dimensions are not "inactive".
    @Test func aDeterministicAutoencoderMarksNoDimensionInactive() {
        var m = makeModel()
        _ = Explorer.update(&m, .modelLoaded(ModelSummaryLine(name: "taesd.json", kind: .ae, latentDim: 10, codebookSize: 0,
                                                              classNames: (0...9).map(String.init)), vqShape: nil))
        let mus: [[Float]] = (0..<200).map { i in (0..<10).map { $0 == 3 ? Float(i % 20) / 4 : 0.01 } }
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: (0..<200).map { $0 % 10 }))
        #expect(m.vae.isDeterministic && (0..<10).filter(m.vae.isInactive).isEmpty)
        #expect(!Explorer.view(m).text.contains("inactive"))
        #expect(m.vae.manifoldDims.x == 3)  // the axes still open on the dimension that varies most
    }

    /// A spatial latent loaded from the picker opens on its cell grid: the cursor's cell and channel are
    /// the selected value flattened channel by channel, row by row (value 101 = channel 1, row 4, col 5).
    @Test func aSpatialLatentSaysWhereTheSelectedValueSits() {
        var m = makeModel()
        _ = Explorer.update(&m, .modelLoaded(ModelSummaryLine(name: "sd-vae.json", kind: .vae, latentDim: 256, codebookSize: 0,
                                                              classNames: [], latentShape: [4, 8, 8]), vqShape: nil))
        _ = Explorer.update(&m, .key(.char(".")))
        for _ in 0..<4 { _ = Explorer.update(&m, .key(.down)) }
        for _ in 0..<5 { _ = Explorer.update(&m, .key(.right)) }
        #expect(m.vae.selected == 101)
        #expect(Explorer.view(m).text.contains("latent 4×8×8 · channel 1 · row 4, col 5"))
        // A flat latent keeps its sliders and their plain title.
        #expect(Explorer.view(makeModel()).text.contains("latent z · 10 dims"))
    }

    @Test func inactiveDimensionsAreMarkedAndTheManifoldOpensOnTheMostActive() {
        var m = Self.encoded()
        #expect(m.vae.manifoldDims == (3, 7))
        #expect((0..<10).filter(m.vae.isInactive) == [1, 2, 4, 5, 6, 8, 9])
        let text = Explorer.view(m).text
        #expect(text.contains("7 inactive"))
        #expect(text.contains("z1∅") && text.contains("z9∅") && !text.contains("z3∅") && !text.contains("z0∅"))
        // The user's choice of axes holds when the data is encoded again (a model reload aside).
        _ = Explorer.update(&m, .key(.down))
        _ = Explorer.update(&m, .key(.char("x")))
        #expect(m.vae.manifoldDims.x == 1)
        let again = Self.encoded().scatter.mus
        _ = Explorer.update(&m, .datasetEncoded(mus: again, labels: (0..<200).map { $0 % 10 }))
        #expect(m.vae.manifoldDims.x == 1)
    }
}

/// The interpolation panel shows the A → B line and marks the tile nearest the frame being played.
@Suite struct InterpolationPanelTests {
    /// The loop eases (it slows at A and B) while the strip steps evenly: the mark follows the frame's
    /// own position, so it sits on the tile whose z is nearest the z shown.
    @Test func thePlayingMarkIsTheTileNearestTheFrameShown() {
        let a: [Float] = [-2, 0], b: [Float] = [2, 1]
        for count in [8, 10, 14, 30] {
            let strip = LatentPaths.line(a, b, count: count)
            for frame in 0..<(2 * Interpolation.frames) {
                var anim = Interpolation()
                anim.frame = frame
                let z = LatentPaths.morphFrame(a, b, frame: frame, half: Interpolation.frames)
                let nearest = strip.indices.min { abs(strip[$0][0] - z[0]) < abs(strip[$1][0] - z[0]) }!
                let marked = Explorer.playingTile(anim, count: count)
                // Ties (a frame halfway between two tiles) may go either way.
                #expect(abs(strip[marked][0] - z[0]) <= abs(strip[nearest][0] - z[0]) + 1e-4, "frame \(frame) of a \(count)-tile strip")
            }
        }
    }

    /// Before both marks exist the panel holds no strip (not the last panel's); marking B fills it.
    @Test func theLineAppearsWhenBIsMarkedNotBeforeAndNotAnotherPanels() {
        var m = makeModel()
        m.vae.strip = [ring()]  // the progression's tiles
        _ = Explorer.update(&m, .key(.tab))
        _ = Explorer.update(&m, .key(.tab))
        #expect(m.vae.panel == .interpolation && m.vae.strip.isEmpty)
        _ = Explorer.update(&m, .key(.char("a")))
        for _ in 0..<4 { _ = Explorer.update(&m, .key(.char("L"))) }
        let commands = Explorer.update(&m, .key(.char("b")))
        #expect(commands.contains { if case .decodeStrip(.interpolation, let zs, _) = $0 { return zs.first == m.vae.markA && zs.last == m.vae.markB } else { return false } })
    }
}
