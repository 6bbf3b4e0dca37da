import Foundation
import LatentCore
@testable import LatentIO
import Testing

@Suite struct FileSummaryTests {
    @Test func describesSafetensorsWithTensorsAndMetadata() throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var w = SafetensorsWriter()
        w.add("decoder.0.weight", Tensor(zeros: [512, 10]))
        w.add("decoder.0.bias", Tensor(zeros: [512]), as: .f16)
        w.metadata = [("config", #"{"kind":"vae"}"#)]
        try w.write(to: dir + "/m.safetensors")
        let text = try FileSummary.describe(dir + "/m.safetensors")
        #expect(text.contains("safetensors, 2 tensors, 5,632 values, 21,504 bytes of data"))
        #expect(text.contains("decoder.0.weight  F32    [512, 10]  20,480"))
        #expect(text.contains("decoder.0.bias    F16    [512]      1,024"))
        #expect(text.contains(#"config: {"kind":"vae"}"#))
    }

    @Test func describesShippedIDXAndNPY() throws {
        let labels = try FileSummary.describe(shippedDataDirectory + "/mnist-heldout-labels-idx1-ubyte.gz")
        #expect(labels.contains("IDX (gzip), u8, shape [1000], 1,000 values"))
        #expect(labels.contains("counts 0:100 1:100"))
        let images = try FileSummary.describe(shippedDataDirectory + "/mnist-train-images-idx3-ubyte.gz")
        #expect(images.contains("shape [4000 × 28 × 28]"))
        let npy = try FileSummary.describe(fixturesDirectory + "/numpy-f8.npy")
        #expect(npy.contains("shape [3, 4]") && npy.contains("range -0.5 … 0.875"))
    }

    @Test func unknownAndEmptyFilesAreBadInput() throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/x.bin", contents: Data([1, 2, 3, 4, 5]))
        _ = FileManager.default.createFile(atPath: dir + "/e.bin", contents: Data())
        #expect(formatErrorMessage { _ = try FileSummary.describe(dir + "/x.bin") }?.hasPrefix("unrecognised file type") == true)
        #expect(formatErrorMessage { _ = try FileSummary.describe(dir + "/e.bin") } == "empty file")
    }
}
