@testable import ExplorerApp
import Foundation
import LatentCore
import LatentIO
import LatentNN
import TermRender
import Testing

/// What the data says behind each slider: the data's density as the line's weight, and the KL the
/// encoder spends on the dimension as an underline from the track's start.
@Suite struct SliderDiagnosticsTests {
    @Test func densityAndKLAreDrawnInTheTrack() {
        var m = makeModel()
        // Dimension 0: every image at +1; dimension 1: spread evenly over −3…3.
        let mus: [[Float]] = (0..<61).map { i in [1, Float(i - 30) / 10] + [Float](repeating: 0, count: 8) }
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: [], kl: [2, 1, 0, 0, 0, 0, 0, 0, 0, 0]))
        var b = Buffer(width: 60, height: 3)
        let track = Rect(x: 0, y: 1, width: 61 - 1, height: 1)
        let axis: ClosedRange<Float> = -3...3
        let d = SliderDiagnostics(m, dimensions: [0, 1])
        d.drawTrack(&b, columns: 0...59, track: track, axis: axis, dimension: 0)
        let row = (0..<60).map { b[$0, 1] }
        let one = SliderGeometry.column(1, in: axis, track: track)
        #expect(row[one].glyph == "━" && row.enumerated().allSatisfy { $0.offset == one || $0.element.glyph == "┈" })
        // Dimension 0 carries the most KL: underlined along the whole track; dimension 1, half of it.
        #expect(row.allSatisfy { $0.style.underline })
        d.drawTrack(&b, columns: 0...59, track: track, axis: axis, dimension: 1)
        let spread = (0..<60).map { b[$0, 1] }
        #expect(spread.filter { $0.style.underline }.count == 30 && spread.allSatisfy { $0.glyph != "┈" })
        #expect(Explorer.view(m).text.contains("latent z · 10 dims · KL 3.0 nats"))
    }

    /// A track's data counts are made once per set of latents, axis and width (every frame draws every
    /// track), and made anew when the latents change.
    @Test func trackCountsAreKeptUntilTheLatentsChange() {
        var m = makeModel()
        let mus: [[Float]] = (0..<61).map { i in [Float(i - 30) / 10] + [Float](repeating: 0, count: 9) }
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: []))
        let track = Rect(x: 3, y: 1, width: 40, height: 1), axis: ClosedRange<Float> = -3...3
        let counts = SliderDiagnostics(m, dimensions: [0]).counts(dimension: 0, track: track, axis: axis)
        #expect(counts.reduce(0, +) == 61 && counts.count == 40)
        let key = TrackCountsKey(version: m.scatter.musVersion, dimension: 0, axis: axis, width: 40)
        #expect(m.scatter.caches.trackCounts(key) { Issue.record("counted again for the same latents"); return [] } == counts)
        // Other latents: counted from them.
        m.scatter.mus = mus.map { [1] + $0.dropFirst() }
        let moved = SliderDiagnostics(m, dimensions: [0]).counts(dimension: 0, track: track, axis: axis)
        #expect(moved[SliderGeometry.column(1, in: axis, track: track) - track.x] == 61)
    }

    /// The engine's KL per dimension: what `latent eval` calls inactive units carry almost none, and
    /// the dimensions the data clearly spreads along carry much.
    @Test func inactiveDimensionsCarryNoKL() throws {
        let engine = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/vae-z10.safetensors", data: RuntimeTests.heldOut())
        let (mus, kl) = try engine.encodeDatasetWithKL()
        #expect(kl.count == 10 && mus.count == engine.data.count)
        let activity = Explorer.muVariances(mus, dims: 10)
        for d in 0..<10 {
            if activity[d] < VAEState.inactiveVariance { #expect(kl[d] < 0.1, "z\(d): \(kl[d]) nats") }
            if activity[d] > 0.1 { #expect(kl[d] > 0.5, "z\(d): \(kl[d]) nats") }
        }
    }
}

/// The posterior panel: decodes of z ~ N(μ, σ²) for the opened image, and the pixels' spread across them.
@Suite struct PosteriorPanelTests {
    static func opened(sigma: Float = 0.5) -> AppModel {
        var m = makeModel()
        let e = EncodedImage(index: 7, label: 1, original: ring(), mu: (0..<10).map { Float($0) / 10 },
                             sigma: [Float](repeating: sigma, count: 10))
        fakeRun(&m, Explorer.update(&m, .imageEncoded(e, reconstruction: ring())))
        return m
    }

    @Test func samplesComeFromTheOpenedImagesPosteriorAndTheSpreadFollows() throws {
        var m = Self.opened()
        var commands: [Command] = []
        while m.vae.panel != .posterior { commands = Explorer.update(&m, .key(.tab)) }
        guard case .decodeStrip(.posterior, let zs, _)? = commands.first else { Issue.record("no samples"); return }
        let layout = Layout(width: 120, height: 40, latentDim: 10, renderMode: .half)
        #expect(zs.count == layout.stripTiles - 1)
        // A slider move changes nothing the samples depend on: no second decode of the same strip.
        let moved = Explorer.update(&m, .key(.right))
        #expect(!moved.contains { if case .decodeStrip(.posterior, _, _) = $0 { return true } else { return false } })
        // Seeded by the image: asked again (after another panel's strip), the same samples; around μ
        // with spread σ.
        _ = Explorer.update(&m, .key(.tab))
        while m.vae.panel != .posterior { _ = Explorer.update(&m, .key(.tab)) }
        m.vae.posteriorStripFor = nil
        guard case .decodeStrip(.posterior, let again, _)? = Explorer.refreshPanel(&m).first else { Issue.record("no samples again"); return }
        #expect(again == zs && zs[0] != zs[1])
        let mean0 = zs.map { $0[9] }.reduce(0, +) / Float(zs.count)
        #expect(abs(mean0 - 0.9) < 0.5)
        // The strip: each sample, then the spread (0 where every sample agrees, white at the largest).
        let same = Image(width: 2, height: 1, pixels: [0.2, 0.5]), other = Image(width: 2, height: 1, pixels: [0.2, 0.9])
        _ = Explorer.update(&m, .stripDecoded(.posterior, [same, other]))
        #expect(m.vae.strip.count == 3 && m.vae.strip[2].pixels == [0, 1])
        #expect(abs((m.vae.posteriorSpread ?? 0) - 0.2) < 1e-6)
        #expect(Explorer.view(m).text.contains("posterior of image 7: decodes of z ~ N(μ, σ²) · last: each pixel's spread (white = 0.200)"))
    }

    @Test func withoutAnImageOrASpreadThereIsNothingToSample() {
        var m = makeModel()
        m.vae.panel = .posterior
        #expect(Explorer.refreshPanel(&m).isEmpty && Explorer.view(m).text.contains("posterior: open a data image"))
        var ae = Self.opened(sigma: 0)
        ae.vae.isDeterministic = true
        ae.vae.panel = .posterior
        #expect(Explorer.refreshPanel(&ae).isEmpty && Explorer.view(ae).text.contains("a deterministic autoencoder has none"))
    }
}

/// The scatter coloured by a measure of each image (`z`): reconstruction error, KL, ‖μ‖.
@Suite struct ScatterColouringTests {
    @Test func zStepsThroughTheMeasuresTheScatterHas() {
        var m = makeModel()
        let mus: [[Float]] = (0..<100).map { i in [Float(i) / 10] + [Float](repeating: 0, count: 9) }
        let commands = Explorer.update(&m, .datasetEncoded(mus: mus, labels: (0..<100).map { $0 % 10 }))
        #expect(commands.contains(.measureReconstructions))
        while m.vae.panel != .scatter { _ = Explorer.update(&m, .key(.tab)) }
        // Only ‖μ‖ is known before the measures arrive.
        #expect(m.scatter.colourings == [.classes, .norm])
        _ = Explorer.update(&m, .datasetMeasured(.error, (0..<100).map { Float($0) }))
        _ = Explorer.update(&m, .datasetMeasured(.kl, [Float](repeating: 1, count: 100)))
        _ = Explorer.update(&m, .datasetMeasured(.kl, [1, 2]))  // for another dataset: dropped
        #expect(m.scatter.measures[.kl]?.count == 100)
        var seen: [ScatterColouring] = []
        for _ in 0..<4 {
            _ = Explorer.update(&m, .key(.char("z")))
            seen.append(m.scatter.colouring)
        }
        #expect(seen == [.error, .kl, .norm, .classes])
        _ = Explorer.update(&m, .key(.char("z")))
        // Tenths of the range from the 1st to the 99th percentile: 0 → 0, 99 → 9, 50 → 5.
        #expect(m.scatter.colourIndex(of: 0) == 0 && m.scatter.colourIndex(of: 99) == 9 && m.scatter.colourIndex(of: 50) == 5)
        let projected = (0..<100).flatMap { [Float($0 % 10), Float($0 / 10)] }
        _ = Explorer.update(&m, .projected(.pca, projected, pca: nil))
        #expect(Explorer.view(m).text.contains("reconstruction error (MSE) 1 "))
    }

    /// The engine's per-image error is the mean squared difference between the image and its decoded
    /// μ, as the images it opens give by hand; its KL is positive for a VAE.
    @Test func theEngineMeasuresEachImage() throws {
        let engine = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/vae-z10.safetensors", data: RuntimeTests.heldOut())
        let (errors, kl) = engine.measureDataset()
        #expect(errors.count == engine.data.count && kl.count == engine.data.count && kl.allSatisfy { $0 > 0 })
        for index in [0, 17, 999] {
            let e = try #require(try engine.encode(index: index))
            let decoded = try #require(engine.decode([e.mu], label: nil).first)
            let original = try engine.data.pixels(of: index)
            let mse = zip(decoded.pixels, original).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Float(original.count)
            #expect(abs(errors[index] - mse) < 1e-5, "image \(index): \(errors[index]) vs \(mse)")
        }
    }
}

/// The opened image's nearest data latents, listed under it.
@Suite struct NeighbourListTests {
    @Test func theNearestLatentsAreListedNearestFirst() {
        var m = makeModel()
        let mus: [[Float]] = (0..<20).map { i in [Float(i)] + [Float](repeating: 0, count: 9) }
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: (0..<20).map { $0 % 10 }))
        let e = EncodedImage(index: 5, label: 5, original: ring(), mu: mus[5], sigma: [Float](repeating: 0.1, count: 10))
        _ = Explorer.update(&m, .imageEncoded(e, reconstruction: ring()))
        #expect(m.vae.neighbours.map(\.index) == [4, 6, 3, 7, 2] && m.vae.neighbours.map(\.distance) == [1, 1, 2, 2, 3])
        let text = Explorer.view(m).text
        #expect(text.contains("nearest in z:") && text.contains("#4 4 1.00") && text.contains("#6 6 1.00"))
    }
}
