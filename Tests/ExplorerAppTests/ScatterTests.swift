import Foundation
@testable import ExplorerApp
import LatentCore
import LatentProjection
import TermRender
import Testing

/// The scatter panel: projected latents, a cursor that finds the nearest image, classes hidden by digit.
@Suite struct ScatterTests {
    /// Ten classes of 20 latents each around ten centres in 3-D.
    static func withData(width: Int = 120, height: Int = 40) -> AppModel {
        var m = makeModel(width: width, height: height)
        m.vae = VAEState(latentDim: 3, classCount: 0)
        var rng = SeededRNG(seed: 1)
        var mus: [[Float]] = [], labels: [Int] = []
        for c in 0..<10 {
            for _ in 0..<20 {
                mus.append([Float(c % 5) * 3 + 0.3 * rng.nextNormal(), Float(c / 5) * 4 + 0.3 * rng.nextNormal(), 0.1 * rng.nextNormal()])
                labels.append(c)
            }
        }
        let c = Explorer.update(&m, .datasetEncoded(mus: mus, labels: labels))
        #expect(c.contains(.project(.pca, mus: mus)))
        let x = Tensor(shape: [200, 3], data: mus.flatMap { $0 })
        let pca = try! PCA.fit(x, components: 2)  // 200 finite rows of 3: always fits
        _ = Explorer.update(&m, .projected(.pca, pca.transform(x).data, pca: pca))
        while m.vae.panel != .scatter { _ = Explorer.update(&m, .key(.tab)) }
        return m
    }

    @Test func cursorStartsCentredAndArrowsMoveItNotTheSliders() {
        var m = Self.withData()
        let plot = Explorer.scatterPlot(m)
        #expect(m.scatter.cursor.column == plot.width / 2 && m.scatter.cursor.row == plot.height / 2)
        _ = Explorer.update(&m, .key(.right))
        _ = Explorer.update(&m, .key(.up))
        #expect(m.scatter.cursor.column == plot.width / 2 + 1 && m.scatter.cursor.row == plot.height / 2 - 1)
        #expect(m.vae.z == [0, 0, 0])
        for _ in 0..<100 { _ = Explorer.update(&m, .key(.char("L"))) }
        #expect(m.scatter.cursor.column == plot.width - 1)  // clamped
        #expect(m.status.hasPrefix("nearest: image"))
    }

    @Test func theNearestImageIsPreviewedInTheCorner() {
        var m = Self.withData()
        let c = Explorer.update(&m, .key(.right))
        guard case .peekImage(let i)? = c.first, i == Explorer.nearestToCursor(m) else { Issue.record("no preview asked: \(c)"); return }
        // A recognisable image: a bright bar on black.
        let image = Image(width: 28, height: 28, pixels: (0..<784).map { ($0 % 28) / 4 == 3 ? 1 : 0 })
        _ = Explorer.update(&m, .peeked(index: i, image))
        let text = Explorer.view(m).text
        #expect(text.contains("\(m.scatter.labels[i]) #\(i)"))
        // The same nearest point is not fetched again.
        let plot = Explorer.scatterPlot(m)
        let (cx, cy) = ScatterRaster.cell(of: m.scatter.points[i], bounds: m.scatter.bounds, columns: plot.width, rows: plot.height)!
        m.scatter.cursor = (cx, cy)
        _ = Explorer.update(&m, .mouse(.press(x: plot.x + cx + 1, y: plot.y + cy)))
        if Explorer.nearestToCursor(m) == i { #expect(Explorer.update(&m, .key(.left)).allSatisfy { $0 != .peekImage(index: i) }) }
    }

    @Test func enterGoesToTheNearestImageAndDigitsHideClasses() {
        var m = Self.withData()
        // Put the cursor on the cell of point 57 (class 2): Enter must pick that image.
        let plot = Explorer.scatterPlot(m)
        let (cx, cy) = ScatterRaster.cell(of: m.scatter.points[57], bounds: m.scatter.bounds, columns: plot.width, rows: plot.height)!
        m.scatter.cursor = (cx, cy)
        guard case .encodeImage(let i)? = Explorer.update(&m, .key(.enter)).first else { Issue.record("no jump"); return }
        #expect(m.scatter.labels[i] == 2)
        _ = Explorer.update(&m, .key(.char("2")))
        #expect(m.scatter.hidden == [2])
        guard case .encodeImage(let j)? = Explorer.update(&m, .key(.enter)).first else { Issue.record("no jump"); return }
        #expect(m.scatter.labels[j] != 2)  // hidden points are not picked
        _ = Explorer.update(&m, .key(.char("2")))
        #expect(m.scatter.hidden.isEmpty)
    }

    @Test func mouseClickMovesTheCursorSecondClickOpensWheelZooms() {
        var m = Self.withData()
        let plot = Explorer.scatterPlot(m)
        let (cx, cy) = ScatterRaster.cell(of: m.scatter.points[123], bounds: m.scatter.bounds, columns: plot.width, rows: plot.height)!
        let click = Explorer.update(&m, .mouse(.press(x: plot.x + cx, y: plot.y + cy)))
        #expect(m.scatter.cursor == (cx, cy))
        #expect(click == [.peekImage(index: Explorer.nearestToCursor(m)!)])  // and its preview is fetched
        #expect(m.status.hasPrefix("nearest: image"))
        guard case .encodeImage(let i)? = Explorer.update(&m, .mouse(.press(x: plot.x + cx, y: plot.y + cy))).first else {
            Issue.record("second click did not open the image"); return
        }
        #expect(m.scatter.labels[i] == m.scatter.labels[123])
        _ = Explorer.update(&m, .mouse(.wheelUp(x: plot.x + 1, y: plot.y + 1)))
        #expect(m.scatter.zoom == 1.5)
        _ = Explorer.update(&m, .mouse(.wheelDown(x: plot.x + 1, y: plot.y + 1)))
        #expect(m.scatter.zoom == 1)
        // Outside the plot the mouse keeps its other jobs: the sliders are not touched by a plot click,
        // and a click beside the plot leaves the cursor alone.
        #expect(m.vae.z == [0, 0, 0])
        _ = Explorer.update(&m, .mouse(.press(x: plot.x + plot.width + 2, y: plot.y)))
        #expect(m.scatter.cursor == (cx, cy))
        // While a path is recorded, clicks add points to it.
        _ = Explorer.update(&m, .key(.char("f")))
        _ = Explorer.update(&m, .mouse(.press(x: plot.x, y: plot.y)))
        _ = Explorer.update(&m, .mouse(.press(x: plot.x + plot.width - 1, y: plot.y + plot.height - 1)))
        #expect(m.scatter.recording?.count == 3)
    }

    @Test func uCyclesPCAUMAPTSNEComputingEachOnceAndZoomIsBounded() {
        var m = Self.withData()
        let c = Explorer.update(&m, .key(.char("u")))
        #expect(m.scatter.method == .umap)
        guard case .project(.umap, let mus)? = c.first else { Issue.record("no UMAP"); return }
        #expect(mus.count == 200)
        _ = Explorer.update(&m, .projectionProgress(0.4))
        #expect(m.status == "computing UMAP… 40%")
        _ = Explorer.update(&m, .projected(.umap, (0..<400).map { Float($0 % 37) }, pca: nil))
        #expect(m.scatter.isReady && m.status == "UMAP ready")
        // then t-SNE, computed once too
        #expect(Explorer.update(&m, .key(.char("u"))) == [.project(.tsne, mus: m.scatter.mus)])
        #expect(m.scatter.method == .tsne && !m.scatter.isReady)
        _ = Explorer.update(&m, .projectionProgress(0.5))
        #expect(m.status == "computing t-SNE… 50%")
        _ = Explorer.update(&m, .projected(.tsne, (0..<400).map { Float($0 % 23) }, pca: nil))
        #expect(m.scatter.isReady && m.scatter.tsnePoints.count == 200)
        #expect(Explorer.view(m).text.contains("· t-SNE ·"))
        // the marker of z under t-SNE: the blend of its nearest latents' positions
        #expect(m.scatter.position(of: m.scatter.mus[0]) != nil)
        // back round to PCA and UMAP: nothing recomputed
        #expect(Explorer.update(&m, .key(.char("u"))).allSatisfy { if case .project = $0 { false } else { true } })
        #expect(m.scatter.method == .pca)
        #expect(Explorer.update(&m, .key(.char("u"))).allSatisfy { if case .project = $0 { false } else { true } })
        #expect(m.scatter.method == .umap)
        for _ in 0..<20 { _ = Explorer.update(&m, .key(.char("+"))) }
        #expect(m.scatter.zoom == 16)
        for _ in 0..<20 { _ = Explorer.update(&m, .key(.char("-"))) }
        #expect(m.scatter.zoom == 1)
    }

    @Test func zoomKeepsThePointUnderTheCursorAndEdgesPan() {
        var m = Self.withData()
        let plot = Explorer.scatterPlot(m)
        m.scatter.cursor = (plot.width / 4, plot.height / 3)
        let before = m.scatter.dataPoint(column: plot.width / 4, row: plot.height / 3, columns: plot.width, rows: plot.height)
        for _ in 0..<3 { _ = Explorer.update(&m, .key(.char("+"))) }
        #expect(abs(m.scatter.zoom - 3.375) < 1e-5)
        let after = m.scatter.dataPoint(column: plot.width / 4, row: plot.height / 3, columns: plot.width, rows: plot.height)
        let cell = (m.scatter.bounds.maxX - m.scatter.bounds.minX) / Float(plot.width)
        #expect(abs(after.0 - before.0) < cell && abs(after.1 - before.1) < 2 * cell)
        // Past the right edge the view moves, not the cursor.
        let left = m.scatter.bounds.minX
        for _ in 0..<(plot.width + 5) { _ = Explorer.update(&m, .key(.right)) }
        #expect(m.scatter.cursor.column == plot.width - 1)
        #expect(m.scatter.bounds.minX > left)
        // …but never past the data: the view's centre stays inside the data's bounds.
        for _ in 0..<400 { _ = Explorer.update(&m, .key(.char("L"))) }
        let full = ScatterRaster.Bounds.fitting(m.scatter.points)
        #expect((m.scatter.bounds.minX + m.scatter.bounds.maxX) / 2 <= full.maxX + 1e-4)
        // Zooming all the way out shows everything again.
        for _ in 0..<10 { _ = Explorer.update(&m, .key(.char("-"))) }
        #expect(m.scatter.zoom == 1 && m.scatter.center == nil)
        #expect(m.scatter.bounds.minX == full.minX && m.scatter.bounds.maxX == full.maxX)
    }

    @Test func currentZIsPlacedByThePCATransform() {
        let m = Self.withData()
        let p = m.scatter.position(of: m.scatter.mus[10])!
        #expect(abs(p.0 - m.scatter.pcaPoints[10].0) < 1e-4 && abs(p.1 - m.scatter.pcaPoints[10].1) < 1e-4)
    }

    @Test func currentZIsPlacedByTheUMAPTransform() {
        var m = Self.withData()
        // A real UMAP of the ten clusters, as the runtime would deliver it.
        let x = Tensor(shape: [200, 3], data: m.scatter.mus.flatMap { $0 })
        var options = UMAPOptions()
        options.epochs = 200
        let fit = UMAP.fit(x, options: options)
        _ = Explorer.update(&m, .key(.char("u")))
        _ = Explorer.update(&m, .projected(.umap, fit.embedding.data, pca: nil))
        #expect(m.scatter.umapMap != nil)
        // A data latent is placed among its own cluster: its nearest embedded point shares its label.
        for i in [3, 77, 150] {
            let p = m.scatter.position(of: m.scatter.mus[i])!
            let nearest = (0..<200).min { a, b in
                let da = (m.scatter.umapPoints[a].0 - p.0) * (m.scatter.umapPoints[a].0 - p.0) + (m.scatter.umapPoints[a].1 - p.1) * (m.scatter.umapPoints[a].1 - p.1)
                let db = (m.scatter.umapPoints[b].0 - p.0) * (m.scatter.umapPoints[b].0 - p.0) + (m.scatter.umapPoints[b].1 - p.1) * (m.scatter.umapPoints[b].1 - p.1)
                return da < db
            }!
            #expect(m.scatter.labels[nearest] == m.scatter.labels[i])
        }
        // A latent of the wrong width has no place.
        #expect(m.scatter.position(of: [0, 0]) == nil)
    }

    @Test func lineWalksDecodeStepsAlongTheLine() {
        var m = Self.withData()
        let plot = Explorer.scatterPlot(m)
        // From the cell of point 0 (class 0) to the cell of point 199 (class 9).
        let a = ScatterRaster.cell(of: m.scatter.points[0], bounds: m.scatter.bounds, columns: plot.width, rows: plot.height)!
        let b = ScatterRaster.cell(of: m.scatter.points[199], bounds: m.scatter.bounds, columns: plot.width, rows: plot.height)!
        m.scatter.cursor = a
        #expect(Explorer.update(&m, .key(.char("a"))).isEmpty)  // one end is not a walk yet
        m.scatter.cursor = b
        let c = Explorer.update(&m, .key(.char("b")))
        guard case .decodeStrip(.scatter, let zs, _)? = c.first else { Issue.record("no walk"); return }
        #expect(zs.count == Explorer.walkSteps(m) && zs.count >= 5)
        // Nearest-point sampling: every step is a data latent; the ends are the classes of the ends.
        #expect(zs.allSatisfy { z in m.scatter.mus.contains(z) })
        #expect(m.scatter.labels[m.scatter.mus.firstIndex(of: zs.first!)!] == 0)
        #expect(m.scatter.labels[m.scatter.mus.firstIndex(of: zs.last!)!] == 9)
        #expect(m.scatter.walkDistances.allSatisfy { $0 == 0 })
        // Blending: steps leave the data (distance > 0 somewhere) but stay between the ends.
        _ = Explorer.update(&m, .key(.char("w")))
        #expect(m.scatter.blendWalk && m.scatter.walkDistances.contains { $0 > 0 })
        // Playing the walk animates the decoded z through its steps.
        _ = Explorer.update(&m, .key(.char("i")))
        #expect(m.isAnimating)
        guard case .decode(let z, _)? = Explorer.update(&m, .tick).first else { Issue.record("no frame"); return }
        #expect(z.count == 3)
        _ = Explorer.update(&m, .key(.char(" ")))
        #expect(!m.isAnimating)
    }

    /// The walk strip's playing step keeps its pixels and gets bars beside it and an amber caption.
    @Test func thePlayingWalkStepIsFramedNotInverted() {
        var m = Self.withData()
        m.renderMode = .half
        let plot = Explorer.scatterPlot(m)
        m.scatter.cursor = ScatterRaster.cell(of: m.scatter.points[0], bounds: m.scatter.bounds, columns: plot.width, rows: plot.height)!
        _ = Explorer.update(&m, .key(.char("a")))
        m.scatter.cursor = ScatterRaster.cell(of: m.scatter.points[199], bounds: m.scatter.bounds, columns: plot.width, rows: plot.height)!
        _ = Explorer.update(&m, .key(.char("b")))
        _ = Explorer.update(&m, .stripDecoded(.scatter, m.scatter.walk.indices.map { ring(3 + Float($0 % 6)) }))
        _ = Explorer.update(&m, .key(.char("i")))
        m.scatter.walkFrame = Interpolation.frames / 2  // halfway: the middle step
        let spec = Layout.tile(cells: 7, .half)
        let strip = Rect(x: plot.x, y: plot.maxY - spec.rows - 1, width: plot.width, height: spec.rows + 1)
        let playing = (m.scatter.walk.count - 1) / 2 + (m.scatter.walk.count - 1) % 2
        let b = Explorer.view(m)
        for i in [playing - 1, playing] {
            let x = strip.x + i * (spec.columns + 1)
            let cells = Explorer.tile(m.vae.strip[i], spec: spec, m).cells
            #expect((0..<cells.count).allSatisfy { b[x + $0 % spec.columns, strip.y + $0 / spec.columns] == cells[$0] }, "step \(i) is drawn as itself")
            #expect((b[x - 1, strip.y].glyph == "┃") == (i == playing))
            #expect((b[x, strip.y + spec.rows].style.fg == .rgb(Explorer.highlight)) == (i == playing))
        }
    }

    /// A walk plays into z (the sliders follow); Enter opens the nearest image and stops it, so the
    /// box titled "reconstruction" never shows walk frames.
    @Test func enterStopsAPlayingWalk() {
        var m = Self.withData()
        let plot = Explorer.scatterPlot(m)
        m.scatter.cursor = ScatterRaster.cell(of: m.scatter.points[0], bounds: m.scatter.bounds, columns: plot.width, rows: plot.height)!
        _ = Explorer.update(&m, .key(.char("a")))
        m.scatter.cursor = ScatterRaster.cell(of: m.scatter.points[199], bounds: m.scatter.bounds, columns: plot.width, rows: plot.height)!
        _ = Explorer.update(&m, .key(.char("b")))
        _ = Explorer.update(&m, .key(.char("w")))
        _ = Explorer.update(&m, .key(.char("i")))
        for _ in 0..<3 { _ = Explorer.update(&m, .tick) }
        #expect(m.vae.z == Explorer.walkFrameLatent(m.scatter, frame: 3) && m.vae.frame?.index == 3)
        guard case .encodeImage(let i)? = Explorer.update(&m, .key(.enter)).first else { Issue.record("nothing opened"); return }
        #expect(!m.isAnimating && m.scatter.walkFrame == nil)
        let encoded = EncodedImage(index: i, label: 5, original: ring(), mu: m.scatter.mus[i], sigma: [0.1, 0.1, 0.1])
        _ = Explorer.update(&m, .imageEncoded(encoded, reconstruction: ring(7)))
        #expect(Explorer.update(&m, .tick).isEmpty && m.vae.z == encoded.mu && m.vae.frame == nil)
    }

    /// The preview's label keeps a blank column and row from the points around it.
    @Test func thePreviewLabelDoesNotRunIntoThePoints() {
        var m = makeModel()
        m.vae = VAEState(latentDim: 2, classCount: 0)
        // A dense uniform cloud: every plot cell holds points.
        var rng = SeededRNG(seed: 3)
        let mus = (0..<6000).map { _ in [Float(rng.nextInt(below: 1000)) / 1000, Float(rng.nextInt(below: 1000)) / 1000] }
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: (0..<6000).map { $0 % 10 }))
        _ = Explorer.update(&m, .projected(.pca, mus.flatMap { $0 }, pca: nil))
        m.vae.panel = .scatter
        let plot = Explorer.scatterPlot(m)
        m.scatter.cursor = (plot.width - 3, plot.height - 2)   // the preview goes top left
        let nearest = try! #require(Explorer.nearestToCursor(m))
        _ = Explorer.update(&m, .peeked(index: nearest, ring()))
        let b = Explorer.view(m)
        let spec = Layout.tile(cells: 14, m.renderMode)
        let labelRow = plot.y + spec.rows
        #expect(String(String.UnicodeScalarView((plot.x..<plot.x + spec.columns).map { b[$0, labelRow].glyph })).hasPrefix("\(nearest % 10) #\(nearest)"))
        #expect((plot.y...labelRow).allSatisfy { b[plot.x + spec.columns, $0].glyph == " " })
        #expect((plot.x...(plot.x + spec.columns)).allSatisfy { b[$0, labelRow + 1].glyph == " " })
        #expect((plot.y...labelRow).contains { b[plot.x + spec.columns + 1, $0].glyph != " " }, "the cloud reaches the gap")
    }

    @Test func recordedPathBecomesAFilmStrip() {
        var m = Self.withData()
        #expect(Explorer.update(&m, .key(.char("f"))).isEmpty && m.scatter.recording?.count == 1)
        for _ in 0..<6 { _ = Explorer.update(&m, .key(.right)) }
        for _ in 0..<3 { _ = Explorer.update(&m, .key(.down)) }
        #expect(m.scatter.recording?.count == 10)
        let c = Explorer.update(&m, .key(.char("f")))
        #expect(m.scatter.recording == nil && m.scatter.path.count == 10)
        guard case .decodeStrip(.scatter, let zs, _)? = c.first else { Issue.record("no strip"); return }
        #expect(zs.count == Explorer.walkSteps(m))
        // a/b start a line walk again, replacing the path.
        _ = Explorer.update(&m, .key(.char("a")))
        #expect(m.scatter.path.isEmpty)
    }

    @Test func resamplingSpacesPointsEvenlyByLength() {
        let line: [(Float, Float)] = [(0, 0), (1, 0), (1, 3)]  // length 4
        let r = ScatterState.resample(line, steps: 5)
        let expected: [(Float, Float)] = [(0, 0), (1, 0), (1, 1), (1, 2), (1, 3)]
        #expect(zip(r, expected).allSatisfy { abs($0.0 - $1.0) < 1e-6 && abs($0.1 - $1.1) < 1e-6 })
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func scatterSnapshot(_ width: Int, _ height: Int) throws {
        var m = Self.withData(width: width, height: height)
        m.renderMode = .ascii
        _ = Explorer.update(&m, .key(.char("7")))
        try assertSnapshot(Explorer.view(m), "vae-scatter-\(width)x\(height)")
    }
}

@Suite struct ProjectionCacheTests {
    @Test func storesAndReloadsCoordinatesByContent() throws {
        let dir = NSTemporaryDirectory() + "latent-cache-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = ProjectionCache(environment: ["LATENT_CACHE_DIR": dir])
        let rows: [[Float]] = [[1, 2], [3, 4], [5, 6.5]]
        let key = ProjectionCache.key(rows, settings: "umap1")
        #expect(cache.load(key, count: 3) == nil)
        cache.store(key, [0.5, -1, 2, 3, 4.25, 5])
        #expect(cache.load(key, count: 3) == [0.5, -1, 2, 3, 4.25, 5])
        #expect(cache.load(key, count: 4) == nil)  // wrong length: ignored
        // Any change of the data or the settings is another key.
        #expect(ProjectionCache.key([[1, 2], [3, 4], [5, 6.25]], settings: "umap1") != key)
        #expect(ProjectionCache.key(rows, settings: "umap2") != key)
        #expect(ProjectionCache.key(rows, settings: "umap1") == key)
        #expect(ProjectionCache(environment: ["XDG_CACHE_HOME": "/x"]).directory == "/x/latent-explorer")
    }
}
