@testable import ExplorerApp
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

    @Test func movingASliderChangesTheDigit() throws {
        let r = try Self.runtime()
        let first = try #require(r.model.vae.image)
        #expect(first.pixels.contains { $0 > 0.5 })  // z = 0 decodes to ink, not a blank
        r.handle([.key(.char("L")), .key(.char("L")), .key(.char("L"))])
        let moved = try #require(r.model.vae.image)
        #expect(r.model.vae.z[0] == 1.5)
        let change = zip(first.pixels, moved.pixels).map { abs($0 - $1) }.reduce(0, +)
        #expect(change > 5)
        #expect(r.model.vae.strip.count == Layout(width: 120, height: 40, latentDim: 10, renderMode: .ascii).stripTiles)
    }

    @Test func prototypesAndDataStepping() throws {
        let r = try Self.runtime()
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
        let other = GreyImage(width: 28, height: 28, pixels: Array(r.engine.data.pixels(of: 1)))
        func mse(_ a: GreyImage, _ b: GreyImage) -> Float { zip(a.pixels, b.pixels).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 784 }
        #expect(mse(recon, cur.original) < mse(other, cur.original))
    }

    @Test func pickerLoadsAnotherModelAndRefusesAVQVAE() throws {
        let r = try Self.runtime()
        r.handle([.key(.char("M")), .key(.enter)])  // first entry: vae-z2
        for _ in 0..<100 where r.model.model.latentDim != 2 { r.waitForBackground(seconds: 0.05) }
        #expect(r.model.model.name == "vae-z2.safetensors" && r.model.vae.z.count == 2)
        #expect(r.model.vae.image != nil)
        r.handle([.key(.char("M")), .key(.down), .key(.enter)])
        for _ in 0..<100 where !r.model.status.contains("VQ-VAE") { r.waitForBackground(seconds: 0.05) }
        #expect(r.model.status.contains("is a VQ-VAE"))
        #expect(r.model.model.name == "vae-z2.safetensors")
    }

    @Test func conditionalModelDecodesTheChosenClass() throws {
        let r = try Self.runtime("cvae-z2.safetensors")
        r.handle(.key(.char("1")))
        let one = r.model.vae.image!.pixels.reduce(0, +)
        r.handle(.key(.char("8")))
        let eight = r.model.vae.image!.pixels.reduce(0, +)
        #expect(r.model.vae.label == 8 && one < eight * 0.75)
    }
}
