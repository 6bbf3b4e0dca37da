import Foundation
import LatentCore
@testable import LatentIO
import Testing

/// Images in a .npy: every layout matched against the model's (C, H, W); uint8 mapped to the pixel
/// range, floats taken as they are; int64 labels.
@Suite struct ImageArrayTests {
    /// A version-1 .npy file of `descr` with raw little-endian `data`.
    static func npy(_ descr: String, _ shape: [Int], _ data: [UInt8]) -> [UInt8] {
        let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dims), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let n = UInt16(header.utf8.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(header.utf8) + data
    }

    static func write(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "latent-npy-\(UUID().uuidString.prefix(8)).npy"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func uint8ChannelsLastBecomeNCHWInThePixelRange() throws {
        // Two 2×2 RGB images, NHWC, values 0…23 × 10.
        let bytes = (0..<24).map { UInt8($0 * 10) }
        let path = try Self.write(Self.npy("|u1", [2, 2, 2, 3], bytes))
        let labels = try Self.write(Self.npy("<i8", [2], [1, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0]))
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: labels) }
        let set = try ImageArray.read(path, shape: [3, 2, 2], range: -1...1, labels: labels)
        #expect(set.images.shape == [2, 3, 2, 2] && set.labels == [1, 0] && set.isLabelled)
        // Image 0, channel 1 (green), pixel (0, 1) is byte (0·4 + 1)·3 + 1 = 4 → 40 → −1 + 40/255·2.
        #expect(abs(set.images[0, 1, 0, 1] - (-1 + 40 / 255 * 2)) < 1e-6)
        #expect(set.pixelsPerImage == 12)
    }

    @Test func floatsAreTakenAsTheyAreAndShapesMustFit() throws {
        let floats = (0..<8).flatMap { i -> [UInt8] in withUnsafeBytes(of: Float(i) / 8) { Array($0) } }
        let path = try Self.write(Self.npy("<f4", [2, 2, 2], floats))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let set = try ImageArray.read(path, shape: [1, 2, 2])
        #expect(set.images.shape == [2, 1, 2, 2] && set.images.data[3] == 3.0 / 8 && !set.isLabelled)
        #expect(throws: FormatError.self) { _ = try ImageArray.read(path, shape: [3, 4, 4]) }
        do { _ = try ImageArray.read(path, shape: [3, 4, 4]) } catch { #expect("\(error)".contains("[2, 2, 2]") && "\(error)".contains("[3, 4, 4]")) }
    }

    /// The explorer's picker hands the data of one model to the next: values move between pixel ranges
    /// and come back unchanged.
    @Test func imagesMoveBetweenPixelRanges() {
        let set = LabeledImages(images: Tensor(shape: [1, 1, 1, 3], data: [0, 0.5, 1]), labels: [2], classNames: ["a", "b", "c"])
        let tanh = set.mapped(to: -1...1)
        #expect(tanh.images.data == [-1, 0, 1] && tanh.labels == [2] && tanh.isLabelled)
        #expect(tanh.mapped(from: -1...1, to: 0...1).images.data == [0, 0.5, 1])
        #expect(set.mapped(to: 0...1).images == set.images)
    }
}
