import Foundation
import LatentCore
@testable import LatentIO
import Testing

/// Data sets left in their files (`ImageFile`): read a batch at a time, they give the pixels a whole read
/// gives, and a bad value or a file cut short is a one-line error naming the image, not a trap.
@Suite struct ImageFileTests {
    static let npy = ImageArrayTests.npy
    static func write(_ bytes: [UInt8], suffix: String = "npy") throws -> String {
        let path = NSTemporaryDirectory() + "latent-lazy-\(UUID().uuidString.prefix(8)).\(suffix)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Every image and every batch of a lazily read set against the set read whole.
    static func expectSame(_ lazy: LabeledImages, _ whole: LabeledImages) throws {
        #expect(lazy.file != nil && whole.file == nil)
        #expect(lazy.count == whole.count && lazy.imageShape == whole.imageShape && lazy.labels == whole.labels)
        #expect(lazy.isLabelled == whole.isLabelled && lazy.images.count == 0)
        for i in 0..<whole.count {
            let a = try lazy.pixels(of: i), b = try whole.pixels(of: i)
            #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 }, "image \(i)")
        }
        let batch = try lazy.batch(1..<whole.count), rows = whole.images.rows(1..<whole.count)
        #expect(batch.shape == rows.shape && zip(batch.data, rows.data).allSatisfy { abs($0 - $1) <= 1e-6 })
    }

    @Test func npyOfEveryLayoutReadsAsTheWholeFileDoes() throws {
        var rng = SeededRNG(seed: 3)
        // uint8 N×H×W (grey), uint8 N×H×W×C and float N×C×H×W (colour), each with labels.
        let grey = (0..<(5 * 4 * 3)).map { _ in UInt8(rng.nextInt(below: 256)) }
        let rgb = (0..<(5 * 4 * 3 * 3)).map { _ in UInt8(rng.nextInt(below: 256)) }
        var floats: [UInt8] = []
        for _ in 0..<(5 * 3 * 4 * 3) {
            let v: Float = rng.nextFloat() * 2 - 1
            floats += withUnsafeBytes(of: v) { Array($0) }
        }
        let labelBytes: [UInt8] = (0..<5).flatMap { i -> [UInt8] in [UInt8(i % 3), 0, 0, 0, 0, 0, 0, 0] }
        let labels = try Self.write(Self.npy("<i8", [5], labelBytes))
        defer { try? FileManager.default.removeItem(atPath: labels) }
        let files: [(bytes: [UInt8], shape: [Int], descr: String, dims: [Int])] = [
            (grey, [1, 4, 3], "|u1", [5, 4, 3]), (rgb, [3, 4, 3], "|u1", [5, 4, 3, 3]), (floats, [3, 4, 3], "<f4", [5, 3, 4, 3]),
        ]
        for (bytes, shape, descr, dims) in files {
            let path = try Self.write(Self.npy(descr, dims, bytes))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let whole = try ImageSource.read(path, shape: shape, range: -1...1, labels: labels)
            // Above 10 values: every file here is left in place.
            let lazy = try ImageSource.read(path, shape: shape, range: -1...1, labels: labels, lazilyAbove: 10)
            try Self.expectSame(lazy, whole)
            // The picker maps the data on to the next model's range.
            try Self.expectSame(lazy.mapped(from: -1...1, to: 0...1), whole.mapped(from: -1...1, to: 0...1))
            // Below the threshold the file is read whole, as before.
            #expect(try ImageSource.read(path, shape: shape, labels: labels, lazilyAbove: 1_000_000).file == nil)
        }
    }

    @Test func rawIDXWithItsLabelsReadsAsTheWholeFileDoes() throws {
        let dir = NSTemporaryDirectory() + "latent-lazy-idx-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let images = dir + "/set-images-idx3-ubyte", labels = dir + "/set-labels-idx1-ubyte"
        try IDXArray(u8: (0..<(6 * 5 * 5)).map { UInt8(($0 * 37) % 256) }, shape: [6, 5, 5]).write(to: images)
        try IDXArray(u8: [0, 1, 2, 1, 0, 2], shape: [6]).write(to: labels)
        let whole = try ImageSource.read(images, shape: [1, 5, 5])
        let lazy = try ImageSource.read(images, shape: [1, 5, 5], lazilyAbove: 10)
        try Self.expectSame(lazy, whole)
        #expect(lazy.labelsSource == labels)
    }

    @Test func aBadValueIsNamedByItsImageWhenItsBatchIsRead() throws {
        var values = [Float](repeating: 0.5, count: 40 * 4)
        values[37 * 4 + 2] = .nan
        let path = try Self.write(Self.npy("<f4", [40, 2, 2], values.flatMap { v in withUnsafeBytes(of: v) { Array($0) } }))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lazy = try ImageSource.read(path, shape: [1, 2, 2], lazilyAbove: 0)
        #expect(try lazy.batch(0..<30).count == 120)
        do {
            _ = try lazy.batch(30..<40)
            Issue.record("a NaN was read as a pixel")
        } catch {
            #expect("\(error)".contains("image 37, value 2") && "\(error)".contains("finite"), "\(error)")
        }
        let wide = try Self.write(Self.npy("<i2", [2, 1, 2], [0, 0, 44, 1, 3, 0, 7, 0]))  // 300 is no intensity
        defer { try? FileManager.default.removeItem(atPath: wide) }
        #expect(throws: FormatError.self) { _ = try ImageSource.read(wide, shape: [1, 1, 2], lazilyAbove: 0).pixels(of: 0) }
        let second = try ImageSource.read(wide, shape: [1, 1, 2], lazilyAbove: 0).pixels(of: 1)
        #expect(abs(second[0] - 3 / 255) < 1e-7 && abs(second[1] - 7 / 255) < 1e-7)
    }

    /// A file cut short after it was opened: the read fails in one line (a memory map would SIGBUS).
    @Test func aFileCutShortWhileOpenIsAnErrorNotACrash() throws {
        let path = try Self.write(Self.npy("|u1", [100, 4, 4], [UInt8](repeating: 9, count: 1600)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lazy = try ImageSource.read(path, shape: [1, 4, 4], lazilyAbove: 0)
        #expect(truncate(path, 128 + 16 * 50) == 0)
        #expect(try lazy.pixels(of: 10).allSatisfy { abs($0 - 9 / 255) < 1e-7 })
        do {
            _ = try lazy.batch(40..<60)
            Issue.record("a short file was read")
        } catch {
            #expect("\(error)".contains("ended early"), "\(error)")
        }
    }

    @Test func headersThatDoNotMatchTheFileAreRefusedAtOnce() throws {
        // A header claiming a million images over 16 bytes of data.
        let liar = try Self.write(Self.npy("|u1", [1_000_000, 4, 4], [UInt8](repeating: 0, count: 16)))
        defer { try? FileManager.default.removeItem(atPath: liar) }
        #expect(throws: FormatError.self) { _ = try ImageSource.read(liar, shape: [1, 4, 4], lazilyAbove: 0) }
        let wrongShape = try Self.write(Self.npy("|u1", [3, 4, 5], [UInt8](repeating: 0, count: 60)))
        defer { try? FileManager.default.removeItem(atPath: wrongShape) }
        do {
            _ = try ImageSource.read(wrongShape, shape: [1, 4, 4], lazilyAbove: 0)
            Issue.record("images of the wrong shape were taken")
        } catch {
            #expect("\(error)".contains("[3, 4, 5]") && "\(error)".contains("[1, 4, 4]"))
        }
    }
}
