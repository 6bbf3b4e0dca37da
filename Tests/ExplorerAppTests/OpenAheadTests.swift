@testable import ExplorerApp
import Foundation
import LatentIO
import LatentNN
import TermRender
import Testing

/// n and p open images ahead of the step to them: what a step shows from there is what opening the
/// image at once shows, and nothing opened for another model is ever shown.
@Suite(.serialized) struct OpenAheadTests {
    static func encoded(_ index: Int, mu: Float = 0.5, dims: Int = 10) -> Message {
        .imageEncoded(EncodedImage(index: index, label: 1, original: ring(), mu: [Float](repeating: mu, count: dims),
                                   sigma: [Float](repeating: 0.1, count: dims)), reconstruction: ring(7))
    }

    static func index(_ message: Message?) -> Int? {
        switch message {
        case .imageEncoded(let e, _)?: e.index
        case .quantized(let q, _)?: q.index
        default: nil
        }
    }

    // MARK: The update's side

    /// An opened image is shown as its reconstruction (z = μ decodes to it: no second decode), and the
    /// images n and p open from it are asked for ahead, wrapping at the ends like n and p.
    @Test func anOpenedImageAsksForItsStepsAhead() {
        var m = makeModel()
        guard case .imageEncoded(let e, let recon) = Self.encoded(41) else { return }
        let commands = Explorer.update(&m, .imageEncoded(e, reconstruction: recon))
        #expect(m.vae.image == recon && !commands.contains { if case .decode = $0 { true } else { false } })
        #expect(commands.last == .openAhead(shown: 41, steps: [42, 40]))
        guard case .imageEncoded(let first, let r0) = Self.encoded(0) else { return }
        #expect(Explorer.update(&m, .imageEncoded(first, reconstruction: r0)).last == .openAhead(shown: 0, steps: [1, 999]))
        // What n and p then open are those steps.
        #expect(Explorer.update(&m, .key(.char("n"))) == [.encodeImage(index: 1)])
    }

    // MARK: The cache

    @Test func onlyTheShownImageAndItsStepsAreKeptForTheirModel() {
        var ahead = ImagesAhead()
        #expect(ahead.follow(shown: 5, steps: [6, 4], generation: 0) == [6, 4])
        ahead.store(Self.encoded(6), generation: 0)
        ahead.store(.failed("image 4 is unreadable"), generation: 0)  // a failure is asked again
        #expect(Self.index(ahead.message(for: 6, generation: 0)) == 6 && ahead.message(for: 4, generation: 0) == nil)
        #expect(ahead.follow(shown: 5, steps: [6, 4], generation: 0) == [4])
        // One image of two (n and p from image 0 of 2 both open image 1): asked once, never the shown one.
        #expect(ahead.follow(shown: 0, steps: [1, 1], generation: 0) == [1])
        #expect(ahead.message(for: 6, generation: 0) == nil, "a step away from the images kept drops them")
        // Another model: nothing opened for the old one is handed out, nor kept.
        ahead.store(Self.encoded(1), generation: 0)
        #expect(ahead.message(for: 1, generation: 1) == nil)
        ahead.store(Self.encoded(2), generation: 1)
        #expect(ahead.message(for: 1, generation: 0) == nil && Self.index(ahead.message(for: 2, generation: 1)) == 2)
        #expect(ahead.follow(shown: 1, steps: [2, 0], generation: 2) == [2, 0])
        // None shown (the explorer's start): image 0, which n and p open then.
        #expect(ahead.follow(shown: nil, steps: [0], generation: 2) == [0])
    }

    // MARK: With the shipped models

    /// Opened ahead (on the model's second copy, in the background) an image is the same, value for
    /// value, as opened at once: VAE, conditional VAE, colour conv VAE and VQ-VAE.
    @Test(arguments: ["vae-z10.safetensors", "cvae-z2.safetensors", "emoji-vae-z32.safetensors", "vqvae-k32.safetensors"])
    func openedAheadIsOpenedAtOnce(_ name: String) throws {
        let engine = try ExplorerEngine.load(modelPath: repositoryRoot + "/Weights/" + name, data: RuntimeTests.heldOut())
        let conditional = engine.model.kind == .cvae
        for index in [0, 7, engine.data.count - 1] {
            let now = engine.open(index: index, conditional: conditional), ahead = engine.open(index: index, conditional: conditional, ahead: true)
            switch (now, ahead) {
            case let (.imageEncoded(a, ra), .imageEncoded(b, rb)):
                #expect(a == b && ra == rb && a.index == index)
            case let (.quantized(a, ra), .quantized(b, rb)):
                #expect(a == b && ra == rb && a.index == index)
            default:
                Issue.record("\(name) image \(index): not opened both ways")
            }
        }
    }

    /// The copy images are opened ahead on is read from the model's file again: a file rewritten since
    /// (another model of the same shape saved over it) must not be used, and images opened ahead are
    /// then the model's own.
    @Test func aModelFileRewrittenSinceIsNotTheCopy() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("open-ahead-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.safetensors").path
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Weights/vae-z10.safetensors", toPath: path)
        let engine = try ExplorerEngine.load(modelPath: path, data: RuntimeTests.heldOut())
        #expect(engine.computesAlike(try loadLatentModel(path)))
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: repositoryRoot + "/Weights/fashion-vae-z10.safetensors", toPath: path)
        #expect(!engine.computesAlike(try loadLatentModel(path)))
        guard case .imageEncoded(let now, let r0) = engine.open(index: 3, conditional: false),
              case .imageEncoded(let ahead, let r1) = engine.open(index: 3, conditional: false, ahead: true) else {
            Issue.record("image 3 not opened")
            return
        }
        #expect(now == ahead && r0 == r1)
    }

    /// In the explorer (a finite image budget), opening image 0 opens 1 and the last ahead; n then
    /// shows from there exactly the state n gives when it opens image 1 itself.
    @Test func aStepToAnImageOpenedAheadEndsAsOpeningItDoes() throws {
        let r = try RuntimeTests.runtime("emoji-vae-z32.safetensors"), direct = try RuntimeTests.runtime("emoji-vae-z32.safetensors")
        defer { r.waitUntilIdle(seconds: 60); direct.waitUntilIdle(seconds: 60) }
        r.waitUntilIdle(seconds: 30)
        direct.waitUntilIdle(seconds: 30)
        r.backgroundImageBudget = 60  // the front end's rule, with a budget every open fits
        r.handle(.key(.char("n")))
        direct.handle(.key(.char("n")))
        r.waitUntilIdle(seconds: 30)
        let last = r.engine.data.count - 1
        #expect(Self.index(r.ahead.message(for: 1, generation: r.generation)) == 1)
        #expect(Self.index(r.ahead.message(for: last, generation: r.generation)) == last)
        #expect(direct.ahead.message(for: 1, generation: direct.generation) == nil, "opened ahead outside the front end")
        // 0 → 1, back past 0 to the last image, and on to 1 again.
        for keys in [[Key.char("n")], [.char("p"), .char("p")], [.char("n"), .char("n")]] {
            r.handle(keys.map { .key($0) })
            direct.handle(keys.map { .key($0) })
            r.waitUntilIdle(seconds: 30)
            direct.waitUntilIdle(seconds: 30)
            let (a, b) = (r.model.vae, direct.model.vae)
            #expect(a.current != nil && a.current == b.current && a.z == b.z)
            #expect(a.image == b.image && a.reconstruction == b.reconstruction && a.strip == b.strip)
            #expect(a.neighbours.map(\.index) == b.neighbours.map(\.index) && r.model.status == direct.model.status)
        }
        #expect(r.model.vae.current?.index == 1)
    }

    /// What a step shows is the kept open when there is one, and an open kept for a model since
    /// replaced is never shown: the new model opens the image itself.
    @Test func aStepShowsTheKeptOpenOnlyForItsModel() throws {
        let r = try RuntimeTests.runtime()
        defer { r.waitUntilIdle(seconds: 60) }
        r.waitUntilIdle(seconds: 30)
        r.backgroundImageBudget = 60
        r.ahead.store(Self.encoded(5, mu: 0.25), generation: r.generation)
        r.handle([":", "5"].map { .key(.char(Character($0))) } + [.key(.enter)])
        #expect(r.model.vae.current?.mu == [Float](repeating: 0.25, count: 10) && r.model.vae.image == ring(7))
        r.waitUntilIdle(seconds: 30)  // images 4 and 6, opened ahead from 5
        // Kept for vae-z10; then vae-z2 is loaded.
        r.ahead.store(Self.encoded(6, mu: 0.75), generation: r.generation)
        r.handle([.key(.char("M")), .key(.enter)])
        for _ in 0..<1000 where r.model.model.latentDim != 2 || r.model.datasetProgress != nil { r.waitForBackground(seconds: 0.01) }
        r.handle([":", "6"].map { .key(.char(Character($0))) } + [.key(.enter)])
        let opened = try #require(r.model.vae.current)
        let fresh = try #require(try r.engine.encode(index: 6))
        #expect(opened.index == 6 && opened.mu.count == 2 && opened == fresh)
    }
}
