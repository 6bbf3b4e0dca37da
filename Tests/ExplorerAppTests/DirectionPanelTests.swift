@testable import ExplorerApp
import Foundation
import LatentCore
import LatentIO
import LatentNN
import TermRender
import Testing

/// Direction sets in the slider panel (`D`) and the A → B path (`t`), without an engine: requests,
/// arrivals, moves along a direction in standard deviations, the progression, clicks and the frame.
@Suite struct DirectionPanelTests {
    /// A z=10 VAE with its data encoded: 40 μ on a tilted line, so every set has something to find.
    static func encoded() -> AppModel {
        var m = makeModel()
        let mus: [[Float]] = (0..<40).map { i in (0..<10).map { j in Float(i - 20) / 10 * Float(j + 1) / 10 + (j == 3 ? Float(i % 3) / 10 : 0) } }
        _ = Explorer.update(&m, .datasetEncoded(mus: mus, labels: (0..<40).map { $0 % 10 }))
        return m
    }

    /// Two unit directions (dims 0 and 1, std 2 and 0.5) around base 0.
    static func twoAxes(_ method: DirectionSet.Method, dim: Int = 10) -> LatentDirections {
        var r0 = [Float](repeating: 0, count: dim), r1 = r0
        r0[0] = 1
        r1[1] = 1
        return LatentDirections(method: method, rows: [r0, r1], scores: [4, 0.25], std: [2, 0.5], explained: method == .pca ? [0.6, 0.1] : nil,
                                base: [Float](repeating: 0, count: dim), origin: method == .local ? [Float](repeating: 0, count: dim) : nil,
                                unit: "variance")
    }

    @Test func dStepsThroughTheSetsAndAsksForEach() throws {
        var m = Self.encoded()
        var asked: [DirectionSet.Method] = []
        for _ in 0..<3 {
            let commands = Explorer.update(&m, .key(.char("D")))
            for case .computeDirections(let r) in commands {
                asked.append(r.method)
                #expect(r.z == m.vae.z && r.mus.count == 40 && r.count == 10)
            }
        }
        // Labelled data: attribute vectors towards each class's mean, then back to the raw dimensions.
        #expect(asked == [.pca, .local, .jacobian])
        let attribute = Explorer.update(&m, .key(.char("D")))
        #expect(attribute.contains { if case .computeDirections(let r) = $0 { return r.method == .attribute && r.labels.count == 40 } else { return false } })
        _ = Explorer.update(&m, .key(.char("D")))
        #expect(m.vae.directionMethod == .raw && m.status.contains("own dimensions"))
        // Unlabelled data: attribute vectors (A → B) once both marks are set.
        var u = makeModel()
        _ = Explorer.update(&u, .datasetEncoded(mus: [[Float]](repeating: [Float](repeating: 0, count: 10), count: 3), labels: []))
        #expect(Explorer.directionMethods(u).last == .jacobian)
        _ = Explorer.update(&u, .key(.char("a")))
        u.vae.z[0] = 1
        _ = Explorer.update(&u, .key(.char("b")))
        #expect(Explorer.directionMethods(u).last == .attribute)
    }

    /// x / y with a direction set shown put that direction on the manifold's axis: −3σ … +3σ along it.
    @Test func aManifoldAxisCanBeADirection() throws {
        var m = Self.encoded()
        _ = Explorer.update(&m, .key(.char("D")))
        _ = Explorer.update(&m, .directionsReady(Self.twoAxes(.pca)))
        _ = Explorer.update(&m, .key(.down))
        let commands = Explorer.update(&m, .key(.char("x")))
        #expect(m.vae.panel == .manifold && m.vae.manifoldDirections.x?.name == "pc2" && m.status.contains("pc2 across →"))
        guard case .decodeStrip(.manifold, let zs, _)? = commands.first else { Issue.record("no grid"); return }
        let (cols, rows) = m.vae.manifoldShape
        #expect(zs.count == cols * rows)
        let d = try #require(m.vae.shownDirections)
        // Along a row: pc2 (dimension 1 here) from −3σ to +3σ; the y axis (a dimension) unchanged by it.
        #expect(abs(d.position(of: zs[0], along: 1) + 3) < 1e-4 && abs(d.position(of: zs[cols - 1], along: 1) - 3) < 1e-4)
        let dy = m.vae.manifoldDims.y
        #expect(zs[0][dy] == zs[cols - 1][dy] && zs[0][dy] != zs[(rows - 1) * cols][dy])
        #expect(Explorer.view(m).text.contains("manifold · pc2 → z\(dy) ↑"))
        // Back on the raw dimensions, x puts a dimension on the axis again.
        for _ in 0..<3 { _ = Explorer.update(&m, .key(.char("D"))) }
        _ = Explorer.update(&m, .key(.char("x")))
        #expect(m.vae.manifoldDirections.x == nil)
    }

    @Test func pcaWaitsForTheDataAndAFailureGoesBackToRaw() {
        var m = makeModel()
        #expect(Explorer.update(&m, .key(.char("D"))).isEmpty && m.status.contains("once the dataset is encoded"))
        let mus: [[Float]] = (0..<20).map { i in (0..<10).map { Float($0 * i % 7) } }
        let commands = Explorer.update(&m, .datasetEncoded(mus: mus, labels: []))
        #expect(commands.contains { if case .computeDirections(let r) = $0 { return r.method == .pca } else { return false } })
        // A set for a method left since is dropped; a failure of the current one restores raw sliders.
        _ = Explorer.update(&m, .directionsReady(Self.twoAxes(.jacobian)))
        #expect(m.vae.shownDirections == nil)
        _ = Explorer.update(&m, .directionsFailed(.pca, "PCA directions need at least two latents"))
        #expect(m.vae.directionMethod == .raw && m.status.contains("at least two latents"))
    }

    @Test func arrowsMoveAlongTheSelectedDirectionInStandardDeviations() throws {
        var m = Self.encoded()
        _ = Explorer.update(&m, .key(.char("D")))
        _ = Explorer.update(&m, .directionsReady(Self.twoAxes(.pca)))
        let d = try #require(m.vae.shownDirections)
        let commands = Explorer.update(&m, .key(.right))
        // 0.1σ along direction 0 (σ = 2): z0 moves 0.2.
        #expect(abs(m.vae.z[0] - 0.2) < 1e-6 && m.vae.z.dropFirst().allSatisfy { $0 == 0 })
        #expect(commands.first == .decode(z: m.vae.z, label: nil))
        _ = Explorer.update(&m, .key(.down))
        _ = Explorer.update(&m, .key(.char("H")))
        #expect(abs(m.vae.z[1] + 0.25) < 1e-6 && abs(d.position(of: m.vae.z, along: 1) + 0.5) < 1e-5)
        // Held within ±3σ.
        for _ in 0..<20 { _ = Explorer.update(&m, .key(.char("L"))) }
        #expect(abs(d.position(of: m.vae.z, along: 1) - 3) < 1e-4)
        // The progression sweeps direction 1 from −3σ to +3σ, the rest of z kept.
        m.vae.panel = .progression
        let sweep = Explorer.refreshPanel(&m)
        guard case .decodeStrip(.progression, let zs, _)? = sweep.first else { Issue.record("no strip"); return }
        #expect(abs(d.position(of: zs.first!, along: 1) + 3) < 1e-4 && abs(d.position(of: zs.last!, along: 1) - 3) < 1e-4)
        #expect(zs.allSatisfy { abs($0[0] - m.vae.z[0]) < 1e-6 })
    }

    @Test func aLocalSetIsMadeAgainWhenZMovesFarFromIt() throws {
        var m = Self.encoded()
        _ = Explorer.update(&m, .key(.char("D")))
        _ = Explorer.update(&m, .key(.char("D")))
        _ = Explorer.update(&m, .directionsReady(Self.twoAxes(.local)))
        #expect(m.vae.shownDirections != nil && !m.vae.directionsPending)
        // A small move keeps the set; a sample far from its origin asks for a new one there.
        #expect(!Explorer.update(&m, .key(.right)).contains { if case .computeDirections = $0 { return true } else { return false } })
        let far = Explorer.update(&m, .key(.char("s")))
        #expect(far.contains { if case .computeDirections(let r) = $0 { return r.method == .local && r.z == m.vae.z } else { return false } })
    }

    @Test func clicksAndTheFrame() throws {
        var m = Self.encoded()
        _ = Explorer.update(&m, .key(.char("D")))
        _ = Explorer.update(&m, .directionsReady(Self.twoAxes(.pca)))
        let layout = Layout(width: 120, height: 40, latentDim: 10, renderMode: .half)
        let g = SliderGeometry(box: layout.sliders, count: 2, selected: 0)
        let y = g.row(of: 1), track = try #require(g.track(row: y))
        _ = Explorer.update(&m, .mouse(.press(x: track.x, y: y)))
        #expect(m.vae.directionSelected == 1 && abs(m.vae.z[1] + 1.5) < 1e-5)  // −3σ, σ = 0.5
        let text = Explorer.view(m).text
        #expect(text.contains("latent z · 2 of 10 · PCA of the data's μ · 70% of the variance · D"))
        #expect(text.contains("▸pc2") && text.contains("-3.00") && text.contains("60%"))
        #expect(text.contains("progression along pc2"))
    }

    @Test func aSpatialLatentsGridGivesWayToTheDirections() {
        var m = makeSpatialModel()
        #expect(Explorer.keyModes(m) == [.global, .spatial, .sliders])
        m.scatter.mus = (0..<5).map { i in (0..<256).map { Float(($0 * i) % 5) } }
        _ = Explorer.update(&m, .key(.char("D")))
        #expect(Explorer.keyModes(m) == [.global, .sliders])
        #expect(Explorer.view(m).text.contains("latent z · PCA of the data's μ"))
        for _ in 0..<3 { _ = Explorer.update(&m, .key(.char("D"))) }
        #expect(m.vae.directionMethod == .raw && Explorer.keyModes(m) == [.global, .spatial, .sliders])
    }

    @Test func tWalksAToBAlongTheGreatCircle() throws {
        var m = makeModel()
        m.vae.z = [3, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        _ = Explorer.update(&m, .key(.char("a")))
        m.vae.z = [0, 3, 0, 0, 0, 0, 0, 0, 0, 0]
        _ = Explorer.update(&m, .key(.char("b")))
        m.vae.panel = .interpolation
        let commands = Explorer.update(&m, .key(.char("t")))
        #expect(m.vae.path == .spherical && m.status.contains("slerp"))
        guard case .decodeStrip(.interpolation, let zs, _)? = commands.first else { Issue.record("no strip"); return }
        // On the arc: every point 3 from the origin (a straight line dips to 2.12 midway).
        #expect(zs.allSatisfy { abs(($0[0] * $0[0] + $0[1] * $0[1]).squareRoot() - 3) < 1e-4 })
        fakeRun(&m, commands)
        let title = Explorer.view(m).text
        #expect(title.contains("A → B · slerp (t) · path 4.71 · image Δ"))  // a quarter circle of radius 3
        // A walk's playback between two steps follows the same path.
        var s = ScatterState()
        s.walk = [[3, 0], [0, 3]]
        let mid = try #require(Explorer.walkFrameLatent(s, frame: Interpolation.frames / 2, path: .spherical))
        let straight = try #require(Explorer.walkFrameLatent(s, frame: Interpolation.frames / 2, path: .linear))
        #expect(abs((mid[0] * mid[0] + mid[1] * mid[1]).squareRoot() - 3) < 1e-4 && abs(straight[0] - 1.5) < 1e-5)
    }

    /// The engine makes each set from the shipped emoji VAE and its data: unit rows, the data's spread
    /// as each slider's unit, the PCA's explained variance, the Jacobian in the background's turns.
    @Test func theEngineMakesEverySetOnARealModel() throws {
        let engine = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/emoji-vae-z32.safetensors", data: RuntimeTests.heldOut())
        let mus = Array(try engine.encodeDataset().prefix(300))
        for method in [DirectionSet.Method.pca, .local, .jacobian] {
            let request = DirectionRequest(method: method, z: mus[0], label: nil, mus: mus, a: nil, b: nil, count: 8)
            guard case .directionsReady(let d) = engine.directions(request) else { Issue.record("\(method) failed"); continue }
            #expect(d.count == 8 && d.rows.allSatisfy { abs($0.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4 }, "\(method)")
            #expect(d.std.allSatisfy { $0 > 0 } && d.scores == d.scores.sorted(by: >), "\(method)")
            if method == .pca { #expect(d.explained.map { $0.reduce(0, +) <= 1 && $0.reduce(0, +) > 0.3 } == true) }
        }
        // Towards each class's mean μ: one unit row per class, (mean of the class − mean of all) / its length.
        let labels = Array(engine.data.labels.prefix(mus.count))
        var request = DirectionRequest(method: .attribute, z: mus[0], label: nil, mus: mus, a: nil, b: nil, count: 8)
        request.labels = labels
        guard case .directionsReady(let classes) = engine.directions(request) else { Issue.record("attribute failed"); return }
        let present = Set(labels).sorted()
        #expect(classes.count == present.count && classes.name(0).hasPrefix("→"))
        let d = mus[0].count
        let all = (0..<d).map { j in mus.reduce(Float(0)) { $0 + $1[j] } / Float(mus.count) }
        let members = mus.indices.filter { labels[$0] == present[0] }
        let diff = (0..<d).map { j in members.reduce(Float(0)) { $0 + mus[$1][j] } / Float(members.count) - all[j] }
        let length = diff.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(zip(classes.rows[0], diff).allSatisfy { abs($0 - $1 / length) < 1e-4 })
        let bad = DirectionRequest(method: .pca, z: mus[0], label: nil, mus: [], a: nil, b: nil, count: 8)
        guard case .directionsFailed(.pca, let why) = engine.directions(bad) else { Issue.record("PCA without data did not fail"); return }
        #expect(why.contains("μ"))
    }
}

