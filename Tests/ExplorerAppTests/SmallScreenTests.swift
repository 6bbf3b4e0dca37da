import Foundation
@testable import ExplorerApp
import LatentCore
import LatentIO
import LatentProjection
import TermRender
import Testing

/// Where a box's border is broken in a frame: each `┌` needs a `┐` further along its row, and `└` `┘`
/// below them on one row, joined by `│` (or a playing tile's `┃`) on both sides — all inside the buffer;
/// the bottom border starts with `─` (nothing drawn in the box ran over it; labels start further in).
func brokenBoxes(_ b: Buffer) -> [String] {
    let side: Set<Unicode.Scalar> = ["│", "┃"]
    var problems: [String] = []
    for y in 0..<b.height {
        for x in 0..<b.width where b[x, y].glyph == "┌" {
            guard let right = ((x + 1)..<b.width).first(where: { b[$0, y].glyph == "┐" || b[$0, y].glyph == "┌" }),
                  b[right, y].glyph == "┐" else {
                problems.append("box at (\(x), \(y)): no ┐ on its row")
                continue
            }
            var bottom = y + 1
            while bottom < b.height, side.contains(b[x, bottom].glyph) { bottom += 1 }
            guard bottom < b.height, b[x, bottom].glyph == "└" else {
                problems.append("box at (\(x), \(y)): its left side ends without └")
                continue
            }
            if !((y + 1)..<bottom).allSatisfy({ side.contains(b[right, $0].glyph) }) || b[right, bottom].glyph != "┘" {
                problems.append("box at (\(x), \(y)): its right side (column \(right)) is not whole down to ┘")
            }
            if right > x + 1, b[x + 1, bottom].glyph != "─" { problems.append("box at (\(x), \(y)): its bottom border is drawn over") }
        }
    }
    return problems
}

/// Every view at 80×24, the documented minimum, for a grey model and a colour one with the shipped
/// models' shapes (MNIST VAE z=10 and VQ-VAE K=32 on 7×7; emoji VAE z=32 and VQ-VAE K=512 on 8×8):
/// each box's border is whole, the overlays fit, and the frame is kept as a snapshot.
@Suite struct SmallScreenTests {
    enum Palette: String, CaseIterable { case grey, colour }

    static let size = (width: 80, height: 24)

    /// A test image: a ring (grey), or a ring whose hue follows `t` (colour, 32×32 like the emoji).
    static func image(_ palette: Palette, _ t: Float) -> Image {
        guard palette == .colour else { return ring(6 + t) }
        let r = (0..<1024).map { i -> Float in
            let x = Float(i % 32) - 15.5, y = Float(i / 32) - 15.5
            return max(0, 1 - abs((x * x + y * y).squareRoot() - 9 - t / 2) / 3)
        }
        let (cr, cg, cb): (Float, Float, Float) = (0.5 + 0.5 * cosf(t), 0.5 + 0.5 * sinf(t), 0.8)
        return Image(channels: 3, width: 32, height: 32, pixels: r.map { $0 * cr } + r.map { $0 * cg } + r.map { $0 * cb })
    }

    /// Answers every command a view needs with test images, as the runtime would with a model.
    static func answer(_ m: inout AppModel, _ commands: [Command], _ palette: Palette) {
        var pending = commands
        while !pending.isEmpty {
            var next: [Command] = []
            for c in pending {
                switch c {
                case .decode(let z, _): next += Explorer.update(&m, .decoded(image(palette, z[0])))
                case .decodeStrip(let kind, let zs, _): next += Explorer.update(&m, .stripDecoded(kind, zs.map { image(palette, $0[0]) }))
                case .decodeGrid(let g): next += Explorer.update(&m, .decoded(image(palette, Float(g.reduce(0, +) % 7))))
                case .decodeGrids(let kind, let gs): next += Explorer.update(&m, .gridsDecoded(kind, gs.map { image(palette, Float($0.reduce(0, +) % 9)) }))
                case .showImages(let batch, let ids): next += Explorer.update(&m, .gridsDecoded(batch, ids.map { image(palette, Float($0 % 5)) }))
                case .peekImage(let i): next += Explorer.update(&m, .peeked(index: i, image(palette, Float(i % 5))))
                case .quantizeImage(let i): next += Explorer.update(&m, .quantized(quantized(m, index: i, palette), reconstruction: image(palette, 1)))
                case .encodeImage(let i):
                    let mu = (0..<m.vae.latentDim).map { Float(($0 + i) % 5) / 4 - 0.5 }
                    let e = EncodedImage(index: i, label: i % max(1, m.model.classNames.count), original: image(palette, 2), mu: mu,
                                         sigma: [Float](repeating: 0.3, count: mu.count))
                    // The reconstruction is μ decoded, as `.decode` answers it.
                    next += Explorer.update(&m, .imageEncoded(e, reconstruction: image(palette, mu[0])))
                case .project(.pca, let mus): next += Runtime.projectPCA(mus).map { Explorer.update(&m, $0) } ?? []
                default: break
                }
            }
            pending = next
        }
    }

    static func quantized(_ m: AppModel, index: Int, _ palette: Palette) -> QuantizedImage {
        let k = m.vq.codebookSize, cells = m.vq.cells
        return QuantizedImage(index: index, label: 1, original: image(palette, 3),
                              codes: (0..<cells).map { (index * 7 + $0 * 13) % k },
                              features: (0..<cells).map { c in (0..<16).map { Float(($0 + c) % 5) - 2 } },
                              distances: (0..<cells).map { c in (0..<k).map { Float(abs($0 - (c * 13) % k)) / 10 } })
    }

    /// Seeded latents in `classes` clusters, for the scatter.
    static func latents(count: Int, dim: Int, classes: Int) -> (mus: [[Float]], labels: [Int]) {
        var rng = SeededRNG(seed: 7)
        let labels = (0..<count).map { $0 % classes }
        let mus = labels.map { c in (0..<dim).map { d in Float((c * 3 + d) % 7) - 3 + 0.4 * rng.nextNormal() } }
        return (mus, labels)
    }

    static func vae(_ palette: Palette) -> AppModel {
        let summary = palette == .grey
            ? ModelSummaryLine(name: "vae-z10.safetensors", kind: .vae, latentDim: 10, codebookSize: 0, classNames: ShippedDataset.mnist.classNames)
            : ModelSummaryLine(name: "emoji-vae-z32.safetensors", kind: .vae, latentDim: 32, codebookSize: 0, classNames: ShippedDataset.emoji.classNames)
        var m = AppModel(width: size.width, height: size.height, capability: .palette256, model: summary)
        m.renderMode = palette == .grey ? .ascii : .half
        m.datasetCount = 700
        answer(&m, Explorer.start(&m), palette)
        let data = latents(count: 300, dim: summary.latentDim, classes: summary.classNames.count)
        answer(&m, Explorer.update(&m, .datasetEncoded(mus: data.mus, labels: data.labels)), palette)
        for key: Key in [.down, .char("L"), .char("L"), .char("n")] { answer(&m, Explorer.update(&m, .key(key)), palette) }
        return m
    }

    static func vq(_ palette: Palette) -> AppModel {
        let grey = palette == .grey
        let summary = ModelSummaryLine(name: grey ? "vqvae-k32.safetensors" : "emoji-vqvae-k512.safetensors", kind: .vqvae, latentDim: 0,
                                       codebookSize: grey ? 32 : 512,
                                       classNames: grey ? ShippedDataset.mnist.classNames : ShippedDataset.emoji.classNames)
        let shape = grey ? VQShape(height: 7, width: 7, codes: 32, dim: 16) : VQShape(height: 8, width: 8, codes: 512, dim: 16)
        var m = AppModel(width: size.width, height: size.height, capability: .palette256, model: summary, vqShape: shape)
        m.renderMode = grey ? .ascii : .half
        m.datasetCount = 700
        answer(&m, Explorer.start(&m), palette)
        let data = latents(count: 300, dim: 16, classes: summary.classNames.count)
        let grids = (0..<300).map { i in (0..<shape.height * shape.width).map { (i * 13 + $0 * 5) % shape.codes } }
        answer(&m, Explorer.update(&m, .datasetQuantized(codes: grids, vectors: data.mus, labels: data.labels)), palette)
        func spiral(_ t: Float, _ r: Float) -> [Float] { [cosf(t) * r, sinf(t) * r] }
        let codes = (0..<shape.codes).map { spiral(Float($0) / 5, Float($0 % 40)) }
        let points = (0..<400).map { spiral(Float($0) / 50, Float($0 % 40)) }
        _ = Explorer.update(&m, .codebookMapReady(CodebookMap(method: .pca, codes: codes, points: points,
                                                               pointCodes: (0..<400).map { $0 % shape.codes }, explained: 0.6)))
        m.vq.cursor = 9
        answer(&m, Explorer.update(&m, .key(.char("+"))), palette)
        return m
    }

    /// The frame is whole (every box closed inside 80×24) and matches its snapshot.
    static func check(_ m: AppModel, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let frame = Explorer.view(m)
        #expect(frame.width == size.width && frame.height == size.height)
        if m.overlay == nil {
            #expect(brokenBoxes(frame) == [], "\(name)\n\(frame.text)", sourceLocation: sourceLocation)
        } else {
            // An overlay covers parts of the boxes under it: it must be whole itself.
            var alone = Buffer(width: size.width, height: size.height)
            Explorer.drawOverlay(&alone, m)
            #expect(brokenBoxes(alone) == [] && alone.text.contains("┌"), "\(name)\n\(alone.text)", sourceLocation: sourceLocation)
        }
        try assertSnapshot(frame, "small-\(name)-80x24", sourceLocation: sourceLocation)
    }

    @Test(arguments: Palette.allCases)
    func everyVAEViewFits(_ palette: Palette) throws {
        var m = Self.vae(palette)
        try Self.check(m, "\(palette)-vae-progression")
        for (key, panel) in [(Key.char("g"), "manifold"), (.char("a"), ""), (.char("b"), ""), (.char("i"), "interpolation"), (.tab, "posterior"), (.tab, "scatter")] {
            Self.answer(&m, Explorer.update(&m, .key(key)), palette)
            if key == .char("a") { for _ in 0..<4 { Self.answer(&m, Explorer.update(&m, .key(.char("L"))), palette) } }
            if panel == "interpolation" { for _ in 0..<5 { Self.answer(&m, Explorer.update(&m, .tick), palette) } }
            if !panel.isEmpty { try Self.check(m, "\(palette)-vae-\(panel)") }
        }
        // A walk across the scatter, its strip of decoded steps under the plot.
        Self.answer(&m, Explorer.update(&m, .key(.char("a"))), palette)
        for _ in 0..<12 { Self.answer(&m, Explorer.update(&m, .key(.right)), palette) }
        Self.answer(&m, Explorer.update(&m, .key(.char("b"))), palette)
        #expect(!m.scatter.walk.isEmpty)
        try Self.check(m, "\(palette)-vae-walk")
        _ = Explorer.update(&m, .key(.char("?")))
        try Self.check(m, "\(palette)-vae-help")
        _ = Explorer.update(&m, .key(.escape))
        _ = Explorer.update(&m, .key(.char("B")))
        _ = Explorer.update(&m, .key(.char("'")))
        try Self.check(m, "\(palette)-vae-bookmarks")
    }

    @Test(arguments: Palette.allCases)
    func everyVQViewFits(_ palette: Palette) throws {
        var m = Self.vq(palette)
        for panel in VQPanel.allCases {
            #expect(m.vq.panel == panel)
            try Self.check(m, "\(palette)-vq-\(panel)")
            Self.answer(&m, Explorer.update(&m, .key(.tab)), palette)
        }
        _ = Explorer.update(&m, .key(.char("?")))
        try Self.check(m, "\(palette)-vq-help")
    }

    /// Each line of the help is shown whole at 80 columns, none cut at the box's edge.
    @Test(arguments: [false, true])
    func helpLinesAreWholeAt80Columns(_ vq: Bool) {
        var m = vq ? Self.vq(.grey) : Self.vae(.grey)
        _ = Explorer.update(&m, .key(.char("?")))
        let text = Explorer.view(m).text
        for (keys, what) in vq ? Explorer.vqHelpLines : Explorer.helpLines {
            #expect(text.contains(what) && (keys.isEmpty || text.contains(keys)), "\(what)")
        }
    }
}
