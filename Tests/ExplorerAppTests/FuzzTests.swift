@testable import ExplorerApp
import Foundation
import LatentCore
import LatentIO
import TermRender
import Testing

/// Random messages through `update` and `view`, seeded: every key of the key map and random characters,
/// mouse events anywhere (also off screen), resizes from 1×1 to 300×100, ticks, and background results
/// at random moments (also after a model switch). After every message the invariants the views and
/// the runtime rely on must hold. LATENT_FUZZ_SOAK=N runs N times as many messages; LATENT_FUZZ_DUMP=1
/// prints a broken frame.
@Suite struct FuzzTests {
    static let messagesPerCase = 2_000
    static let soak = Int(ProcessInfo.processInfo.environment["LATENT_FUZZ_SOAK"] ?? "") ?? 1
    /// LATENT_FUZZ_SEED moves every case to other seeds (the suite's are fixed, so a failure repeats).
    static let seedBase = UInt64(ProcessInfo.processInfo.environment["LATENT_FUZZ_SEED"] ?? "") ?? 0

    /// Every shipped model, starting on each of its panels.
    static var cases: [(model: String, panel: Int)] {
        FuzzModelShape.all.flatMap { s in
            (0..<(s.vqShape == nil ? Panel.allCases.count : VQPanel.allCases.count)).map { (s.summary.name, $0) }
        }
    }

    @Test(arguments: cases)
    func randomMessagesKeepTheInvariants(model: String, panel: Int) throws {
        let shape = try #require(FuzzModelShape.all.first { $0.summary.name == model })
        let seed = UInt64((FuzzModelShape.all.firstIndex { $0.summary.name == model } ?? 0) * 100 + panel) + Self.seedBase
        var driver = FuzzDriver(seed: seed, shape: shape)
        var m = AppModel(width: 120, height: 40, capability: .palette256, model: shape.summary,
                         modelPaths: FuzzModelShape.all.map { "Weights/" + $0.summary.name }, vqShape: shape.vqShape)
        m.datasetCount = driver.dataCount
        if shape.vqShape == nil { m.vae.panel = Panel.allCases[panel] } else { m.vq.panel = VQPanel.allCases[panel] }
        _ = Explorer.start(&m)
        var history: [Message] = []
        var messages = 0
        // As the app's loop: a batch of input (what arrived since the last frame), the commands'
        // results, then one frame. The model's invariants are checked after every message.
        while messages < Self.messagesPerCase * Self.soak {
            var batch = (0..<(1 + driver.int(6))).map { _ in driver.input(m) }
            if driver.chance(0.2), let late = driver.backgroundResult() { batch.insert(late, at: driver.int(batch.count + 1)) }
            while !batch.isEmpty {
                let message = batch.removeFirst()
                messages += 1
                history.append(message)
                if history.count > 30 { history.removeFirst() }
                for command in Explorer.update(&m, message) { batch += driver.answer(command) }
                let broken = Self.brokenInvariants(m)
                guard broken.isEmpty else {
                    Issue.record("message \(messages), seed \(seed): \(broken.joined(separator: "; ")) after \(history.map(Self.describe).joined(separator: " "))")
                    return
                }
            }
            let frame = Explorer.view(m)
            let broken = Self.brokenFrame(m, frame)
            if !broken.isEmpty, ProcessInfo.processInfo.environment["LATENT_FUZZ_DUMP"] == "1" { print(frame.text) }
            guard broken.isEmpty else {
                Issue.record("message \(messages), seed \(seed): \(broken.joined(separator: "; ")) after \(history.map(Self.describe).joined(separator: " "))")
                return
            }
        }
    }

    /// What must hold of every frame drawn.
    static func brokenFrame(_ m: AppModel, _ frame: Buffer) -> [String] {
        var broken: [String] = []
        if frame.width != m.width || frame.height != m.height || frame.cells.count != m.width * m.height {
            broken.append("frame \(frame.width)×\(frame.height) for a \(m.width)×\(m.height) screen")
        }
        if Self.showsNonFinite(frame) { broken.append("NaN or inf on screen") }
        return broken
    }

    /// What must hold after every message.
    static func brokenInvariants(_ m: AppModel) -> [String] {
        var broken: [String] = []
        if m.isVQ {
            let v = m.vq
            if v.codes.count != v.slots { broken.append("\(v.codes.count) codes for \(v.cells) cells × \(v.levels) levels") }
            if !(0..<v.levels).contains(v.level) { broken.append("level \(v.level) of \(v.levels)") }
            if !v.usage.isEmpty, v.levelStatistics[safe: v.level]?.usage != v.usage { broken.append("usage shown is not level \(v.level)'s") }
            if let map = v.map, map.level != v.level { broken.append("codebook map of level \(map.level) shown at level \(v.level)") }
            if v.cells > 0 && !(0..<v.cells).contains(v.cursor) { broken.append("VQ cursor \(v.cursor) of \(v.cells)") }
            if v.codes.contains(where: { !(0..<v.codebookSize).contains($0) }) { broken.append("code outside the codebook") }
            if !(0..<max(1, v.codebookSize)).contains(v.brush) { broken.append("brush \(v.brush)") }
            if !v.usage.isEmpty && v.usage.count != v.codebookSize { broken.append("usage of \(v.usage.count) codes") }
        } else {
            let v = m.vae
            if v.z.count != v.latentDim || v.ranges.count != v.latentDim { broken.append("z of \(v.z.count) for \(v.latentDim) dims") }
            if !(0..<v.latentDim).contains(v.selected) { broken.append("selected dim \(v.selected)") }
            if v.z.contains(where: { !$0.isFinite }) { broken.append("non-finite z") }
            if v.isConditional && !(0..<v.classCount).contains(v.label) { broken.append("label \(v.label)") }
            if let d = v.shownDirections, !(0..<d.count).contains(v.directionSelected) { broken.append("direction \(v.directionSelected) of \(d.count)") }
            if let s = v.spatialShape {
                if let a = v.spatial.anchor, !(0..<s.height).contains(a.row) || !(0..<s.width).contains(a.column) {
                    broken.append("region anchor \(a) outside \(s.height)×\(s.width)")
                }
                if let clip = v.spatial.clip, clip.values.count != clip.rows * clip.columns * clip.channels { broken.append("clip of \(clip.values.count) values") }
            }
        }
        let showingScatter = m.isVQ ? m.vq.panel == .scatter : m.vae.panel == .scatter
        let plot = Explorer.scatterPlot(m)
        if showingScatter, !m.isTooSmall, plot.width > 0, plot.height > 0,
           !(0..<plot.width).contains(m.scatter.cursor.column) || !(0..<plot.height).contains(m.scatter.cursor.row) {
            broken.append("scatter cursor \(m.scatter.cursor) outside the \(plot.width)×\(plot.height) plot")
        }
        if case .modelPicker(let s) = m.overlay, !m.modelPaths.isEmpty, !m.modelPaths.indices.contains(s) {
            broken.append("picker selection \(s)")
        }
        return broken
    }

    /// Whether "nan" or "inf" stands as a word anywhere on a row (how Swift prints a non-finite Float).
    /// One pass over the glyphs' code points: this runs for every frame.
    static func showsNonFinite(_ frame: Buffer) -> Bool {
        func isLetter(_ v: UInt32) -> Bool { (v | 0x20) >= 0x61 && (v | 0x20) <= 0x7A }
        let (n, a, i, f): (UInt32, UInt32, UInt32, UInt32) = (0x6E, 0x61, 0x69, 0x66)
        let w = frame.width
        return frame.cells.withUnsafeBufferPointer { cells in
            for row in 0..<frame.height {
                let base = row * w
                var x = 0
                while x + 2 < w {
                    let p = cells[base + x].glyph.value, q = cells[base + x + 1].glyph.value, r = cells[base + x + 2].glyph.value
                    if (p == n && q == a && r == n) || (p == i && q == n && r == f) {
                        let before = x > 0 && isLetter(cells[base + x - 1].glyph.value)
                        let after = x + 3 < w && isLetter(cells[base + x + 3].glyph.value)
                        if !before && !after { return true }
                    }
                    x += 1
                }
            }
            return false
        }
    }

    static func describe(_ message: Message) -> String {
        switch message {
        case .key(let k): return "key(\(k))"
        case .mouse(let e): return "mouse(\(e))"
        case .resize(let w, let h): return "resize(\(w)×\(h))"
        case .tick: return "tick"
        case .modelLoaded(let s, _): return "modelLoaded(\(s.name))"
        default: return String("\(message)".prefix(while: { $0 != "(" }))
        }
    }
}


/// The same random input through the real runtime with the shipped models and digits: decodes, encodes,
/// background work (dataset, projections, codebook maps) and model switches from the picker, whose
/// results arrive whenever they are done — including after the model they were for was replaced.
@Suite(.serialized) struct RuntimeFuzzTests {
    static let messagesPerModel = 400

    @Test(arguments: FuzzModelShape.shipped.map(\.summary.name))
    func randomInputWithTheRealModels(model: String) throws {
        let all = try RuntimeTests.heldOut()
        // 300 digits: the dataset's encoding and projections finish within the run, many times over.
        let data = LabeledImages(images: Tensor(shape: [300, 1, 28, 28], data: Array(all.images.data[0..<(300 * 784)])),
                                 labels: Array(all.labels[0..<300]), classNames: all.classNames)
        let engine = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/" + model, data: data)
        let shape = try #require(FuzzModelShape.shipped.first { $0.summary.name == model })
        var driver = FuzzDriver(seed: 7 + FuzzTests.seedBase, shape: shape, dataCount: 300)
        let m = AppModel(width: 120, height: 40, capability: .palette256, model: engine.summary,
                         modelPaths: FuzzModelShape.shipped.map { repositoryRoot + "/Weights/" + $0.summary.name },
                         vqShape: engine.vqShapeValue)
        let r = Runtime(model: m, engine: engine)
        defer { r.waitUntilIdle(seconds: 120) }  // no background work may outlive the test (see Runtime.waitUntilIdle)
        r.start()
        var history: [Message] = []
        var sent = 0
        while sent < Self.messagesPerModel * FuzzTests.soak {
            let batch = (0..<(1 + driver.int(4))).map { _ in driver.input(r.model) }
            sent += batch.count
            history += batch
            if history.count > 30 { history.removeFirst(history.count - 30) }
            r.handle(batch)
            if driver.chance(0.05) { r.waitForBackground(seconds: 0.05) }
            let broken = FuzzTests.brokenInvariants(r.model) + FuzzTests.brokenFrame(r.model, Explorer.view(r.model))
            guard broken.isEmpty else {
                Issue.record("message \(sent): \(broken.joined(separator: "; ")) after \(history.map(FuzzTests.describe).joined(separator: " "))")
                return
            }
        }
    }
}
