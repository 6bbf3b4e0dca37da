import Foundation
@testable import ExplorerApp
import LatentIO
import TermRender
import Testing

@Suite struct LatentPathTests {
    @Test func manifoldRunsAcrossAndDownWithUpPositive() {
        let zs = LatentPaths.manifold([9, 9, 9], dims: (x: 2, y: 0), ranges: (x: -1...1, y: -2...2), columns: 3, rows: 2)
        #expect(zs.count == 6)
        #expect(zs[0] == [2, 9, -1] && zs[2] == [2, 9, 1])    // top row: y at its top, x left → right
        #expect(zs[3] == [-2, 9, -1] && zs[5] == [-2, 9, 1])  // bottom row
    }

    @Test func progressionAndLineIncludeBothEnds() {
        #expect(LatentPaths.progression([0, 5], dim: 0, range: -3...3, count: 3) == [[-3, 5], [0, 5], [3, 5]])
        #expect(LatentPaths.line([0, 0], [2, 4], count: 3) == [[0, 0], [1, 2], [2, 4]])
    }

    @Test func morphGoesToBAndBackEased() {
        let frames = LatentPaths.morph([0], [1], half: 4)
        #expect(frames.count == 8)
        #expect(frames[0] == [0] && frames[4] == [1])
        #expect(frames[1] == frames[7] && frames[3] == frames[5])
        #expect(frames[1][0] < 0.25 && frames[3][0] > 0.75)   // smoothstep lingers at the ends
    }
}

@Suite struct FigureTests {
    static let digit = Image(width: 3, height: 2, pixels: [0, 0.5, 1, 1, 0.25, 0])

    @Test func pngIsThePixelsEnlargedByTheScale() throws {
        let back = try PNG.decode(try Figure.png(Self.digit, scale: 2))
        #expect(back.width == 6 && back.height == 4)
        #expect(back.pixels[0] == 0 && back.pixels[1] == 0 && back.pixels[2] == 128 && back.pixels[5] == 255)
        #expect(back.pixels[6] == 0 && back.pixels[6 * 2] == 255 && back.pixels[6 * 3 + 2] == 64)
    }

    @Test func gifHasEveryFrameAtTheScale() throws {
        let frames = [Self.digit, Image(width: 3, height: 2, pixels: [Float](repeating: 0.5, count: 6))]
        let back = try GIF.decode(try Figure.gif(frames, scale: 3, delay: 7))
        #expect(back.width == 9 && back.height == 6 && back.frames.count == 2)
        #expect(back.frames.allSatisfy { $0.delay == 7 })
        #expect(back.frames[0].rgb.prefix(3) == [0, 0, 0] && back.frames[1].rgb.prefix(3) == [128, 128, 128])
        #expect(back.frames[0].rgb[(5 * 9 + 8) * 3] == 0 && back.frames[0].rgb[(0 * 9 + 8) * 3] == 255)
    }

    /// 4,096 colours in one frame: a median-cut palette of 256, close to every pixel.
    @Test func gifQuantisesManyColoursClosely() throws {
        var pixels = [Float](repeating: 0, count: 3 * 64 * 64)
        for y in 0..<64 {
            for x in 0..<64 {
                pixels[y * 64 + x] = Float(x * 4) / 255
                pixels[4096 + y * 64 + x] = Float(y * 4) / 255
                pixels[8192 + y * 64 + x] = Float((x + y) * 2) / 255
            }
        }
        let image = Image(channels: 3, width: 64, height: 64, pixels: pixels)
        let back = try GIF.decode(try Figure.gif([image], scale: 1, delay: 10))
        let rgb = image.interleavedBytes
        let errors = zip(back.frames[0].rgb, rgb).map { abs(Int($0) - Int($1)) }
        #expect(Double(errors.reduce(0, +)) / Double(errors.count) < 8)  // of 255: 4,096 colours in 256
    }

    @Test func colourAndGreyFramesMixAndOversizeIsRefused() throws {
        let colour = Image(channels: 3, width: 2, height: 2, pixels: [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
        let back = try GIF.decode(try Figure.gif([colour, Image(width: 2, height: 2, pixels: [1, 1, 1, 1])], scale: 1, delay: 5))
        #expect(back.frames[0].rgb.prefix(3) == [255, 0, 0] && back.frames[1].rgb.prefix(3) == [255, 255, 255])
        #expect(throws: FormatError.self) { try Figure.png(Image(width: 300, height: 10, pixels: [Float](repeating: 0, count: 3000)), scale: 16) }
        #expect(throws: FormatError.self) { try Figure.png(Self.digit, scale: 0) }
    }
}

@Suite struct FigureRequestTests {
    @Test func sIsRefusedUntilSomethingIsDrawnThenOffersTheImageAndThePanel() {
        var m = makeModel()
        #expect(Explorer.update(&m, .key(.char("S"))).isEmpty && m.status == "nothing to save yet")
        fakeRun(&m, Explorer.start(&m))
        fakeRun(&m, Explorer.update(&m, .key(.char("g"))))
        let commands = Explorer.update(&m, .key(.char("S")))
        guard case .saveFigures(let figures, let scale)? = commands.first else { Issue.record("no save: \(commands)"); return }
        #expect(scale == nil && figures.map(\.name) == ["image", "z", "manifold-z0-z1"])
        guard case .sheet(let tiles, let columns) = figures[2].content else { Issue.record("not a sheet"); return }
        #expect(columns == m.vae.manifoldShape.columns && tiles.count == columns * m.vae.manifoldShape.rows)
        guard case .values(let z, let shape, _, true) = figures[1].content else { Issue.record("no z"); return }
        #expect(z == m.vae.z && shape == [10])
        #expect(m.status.hasPrefix("saving image.png, z.npy, manifold-z0-z1.png"))
    }

    @Test func interpolationOffersTheLineAndTheMorphLoop() throws {
        var m = makeModel()
        fakeRun(&m, Explorer.start(&m))
        fakeRun(&m, Explorer.update(&m, .key(.char("a"))))
        fakeRun(&m, Explorer.update(&m, .key(.char("L"))))
        fakeRun(&m, Explorer.update(&m, .key(.char("b"))))
        fakeRun(&m, Explorer.update(&m, .key(.char("i"))))
        guard case .saveFigures(let figures, _)? = Explorer.update(&m, .key(.char("S"))).first else { Issue.record("no save"); return }
        try #require(figures.map(\.name) == ["image", "z", "line", "morph", "morph-path"])
        #expect(figures[3].fileExtension == "gif")
        guard case .animation(let zs, _) = figures[3].content else { Issue.record("not an animation"); return }
        #expect(zs.count == 2 * Interpolation.frames && zs[0] == m.vae.markA && zs[Interpolation.frames] == m.vae.markB)
        guard case .values(let path, let shape, _, false) = figures[4].content else { Issue.record("no path"); return }
        #expect(shape == [Interpolation.frames + 1, 10] && Array(path.prefix(10)) == m.vae.markA && Array(path.suffix(10)) == m.vae.markB)
    }

    @Test func vqOffersTheImageAndThePaletteInItsOrder() {
        var m = makeVQModel()
        m.vq.image = ring()
        guard case .saveFigures(let figures, _)? = Explorer.update(&m, .key(.char("S"))).first else { Issue.record("no save"); return }
        #expect(figures.map(\.name) == ["image", "palette-by-index", "codes"])
        guard case .gridSheet(let grids, let columns) = figures[1].content else { Issue.record("not grids"); return }
        #expect(grids.count == m.vq.codebookSize && grids[3] == [Int](repeating: 3, count: m.vq.cells))
        #expect(columns == Image.squareColumns(m.vq.codebookSize))
    }

    /// z saved with `S` is a .npy and a JSON whose `latent decode` command draws it again, and the
    /// status line says that command.
    @Test func theSavedLatentDecodesAgain() throws {
        let engine = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/vae-z2.safetensors", data: RuntimeTests.heldOut())
        let dir = NSTemporaryDirectory() + "latent-fig-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let z: [Float] = [0.5, -1.25]
        let request = FigureRequest(name: "z", content: .values(z, shape: [2], about: ["what": "the latent z"], decodes: true))
        guard case .figuresSaved(let names) = FigureWriter.write([request, request], scale: nil, engine: engine, directory: dir) else {
            Issue.record("not saved"); return
        }
        #expect(names == ["vae-z2-z-1.npy", "vae-z2-z-1.json", "vae-z2-z-2.npy", "vae-z2-z-2.json"])
        #expect(try NPY.read(dir + "/vae-z2-z-1.npy").data == z)
        let json = try JSONParser.parse(try String(contentsOfFile: dir + "/vae-z2-z-1.json", encoding: .utf8))
        guard case .object(let members) = json, case .string(let command)? = members.first(where: { $0.key == "decode" })?.value else {
            Issue.record("no decode command"); return
        }
        #expect(command.hasPrefix("latent decode --model \(engine.path) --z vae-z2-z-1.npy"))
        var m = makeModel()
        _ = Explorer.update(&m, .figuresSaved(names))
        #expect(m.status.hasSuffix("· latent decode --model vae-z10.safetensors --z vae-z2-z-1.npy"))
    }

    @Test func savedNamesShareTheirStemOnce() {
        #expect(Explorer.bracedNames(["vae-z2-image-1.png", "vae-z2-morph-1.gif"]) == "vae-z2-{image-1.png,morph-1.gif}")
        #expect(Explorer.bracedNames(["a.png"]) == "a.png")
        #expect(Explorer.bracedNames(["x.png", "y.gif"]) == "{x.png,y.gif}")
    }

    @Test func automaticScaleMakesImagesAbout256AndTiles96Pixels() {
        let digit = Image(width: 28, height: 28, pixels: [Float](repeating: 0, count: 784))
        let big = Image(width: 128, height: 128, pixels: [Float](repeating: 0, count: 128 * 128))
        #expect(Figure.automaticScale(imageSide: 28, layout: .single, figure: digit) == 9)
        #expect(Figure.automaticScale(imageSide: 28, layout: .sheet, figure: digit) == 3)
        #expect(Figure.automaticScale(imageSide: 128, layout: .single, figure: big) == 2)
        #expect(Figure.automaticScale(imageSide: 128, layout: .sheet, figure: big) == 1)
        // A sheet 2,000 px wide at scale 1 may only double: the figure stays within 4,096 px.
        let wide = Image(width: 2000, height: 10, pixels: [Float](repeating: 0, count: 20_000))
        #expect(Figure.automaticScale(imageSide: 28, layout: .sheet, figure: wide) == 2)
    }

    /// An animation (a morph, a walk) is watched a frame at a time: its frames get the single image's
    /// scale, not a sheet tile's (a 28-px digit walk was an 84-px GIF).
    @Test func savedAnimationsAreAsLargeAsAnImage() throws {
        let engine = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/vae-z2.safetensors", data: RuntimeTests.heldOut())
        let bytes = try FigureWriter.encode(FigureRequest(name: "walk", content: .animation(zs: [[0, 0], [1, 1]], label: nil)), scale: nil, engine: engine)
        let gif = try GIF.decode(bytes)
        #expect(gif.width == 28 * 9 && gif.height == 28 * 9)
    }
}

@Suite struct ManifoldLayoutTests {
    /// The grid never covers the decoded image; with pixels, 200×60 holds 20×20 square tiles, and a
    /// smaller terminal fewer tiles of at least 24 px rather than smaller ones.
    @Test func gridBesideTheImageAndTwentyByTwentyInPixels() {
        for (w, h) in [(80, 24), (120, 40), (200, 60)] {
            let glyphs = Layout(width: w, height: h, latentDim: 10, renderMode: .half)
            #expect(!glyphs.manifoldArea.intersects(glyphs.manifoldDigit) && !glyphs.manifoldArea.intersects(glyphs.manifoldSliders))
            #expect(glyphs.manifoldDigit.height >= 8 && glyphs.manifoldGrid.columns >= 4, "\(w)×\(h)")
        }
        let cell = PixelSize(width: 6, height: 13)
        let big = Layout(width: 200, height: 60, latentDim: 10, renderMode: .half, pixelCell: cell)
        #expect(big.manifoldGrid.columns == 20 && big.manifoldGrid.rows == 20)
        let side = min(big.manifoldTile.columns * cell.width, big.manifoldTile.rows * cell.height)
        #expect(side >= 24)
        let small = Layout(width: 120, height: 40, latentDim: 10, renderMode: .half, pixelCell: cell)
        #expect(small.manifoldGrid.rows < 20 && small.manifoldTile.rows * cell.height >= 24)
    }
}
