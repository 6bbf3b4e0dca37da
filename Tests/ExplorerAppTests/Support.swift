import Foundation
@testable import ExplorerApp
import LatentNN
import TermRender
import Testing

let repositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// A model state that needs no engine: a z=10 VAE (or a conditional z=2 one), sized to the screen.
func makeModel(width: Int = 120, height: Int = 40, conditional: Bool = false) -> AppModel {
    let summary = ModelSummaryLine(name: conditional ? "cvae-z2.safetensors" : "vae-z10.safetensors",
                                   kind: conditional ? .cvae : .vae, latentDim: conditional ? 2 : 10,
                                   codebookSize: 0, classNames: (0...9).map(String.init))
    var m = AppModel(width: width, height: height, capability: .palette256, model: summary,
                     modelPaths: ["Weights/cvae-z2.safetensors", "Weights/vae-z10.safetensors", "Weights/vae-z2.safetensors"])
    m.datasetCount = 1000
    return m
}

/// A synthetic 28×28 "digit": a ring, so snapshots show a recognisable shape without a model.
func ring(_ radius: Float = 8, width: Float = 2.5) -> Image {
    Image(width: 28, height: 28, pixels: (0..<784).map { i in
        let x = Float(i % 28) - 13.5, y = Float(i / 28) - 13.5
        return max(0, 1 - abs((x * x + y * y).squareRoot() - radius) / width)
    })
}

/// Answers decode commands with rings whose radius follows z[0], as a model would (deterministic).
func fakeRun(_ m: inout AppModel, _ commands: [Command]) {
    var pending = commands
    while !pending.isEmpty {
        var next: [Command] = []
        for c in pending {
            switch c {
            case .decode(let z, _): next += Explorer.update(&m, .decoded(ring(6 + z[0])))
            case .decodeStrip(let kind, let zs, _): next += Explorer.update(&m, .stripDecoded(kind, zs.map { ring(6 + $0[0]) }))
            default: break
            }
        }
        pending = next
    }
}

/// Compares a buffer's text with Snapshots/NAME.txt; RECORD_SNAPSHOTS=1 rewrites the file.
func assertSnapshot(_ buffer: Buffer, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = repositoryRoot + "/Tests/ExplorerAppTests/Snapshots/\(name).txt"
    let text = buffer.text + "\n"
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" || !FileManager.default.fileExists(atPath: path) {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != "1" {
            Issue.record("recorded new snapshot \(name); check it and run again", sourceLocation: sourceLocation)
        }
        return
    }
    let expected = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text == expected, "snapshot \(name) differs (RECORD_SNAPSHOTS=1 to accept)", sourceLocation: sourceLocation)
}
