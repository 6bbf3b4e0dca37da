import Foundation
import LatentCore
@testable import LatentIO
import Testing

/// PNG folders in torchvision's ImageFolder layout: classes from sorted subfolders, pixels through libpng.
@Suite struct ImageFolderTests {
    /// A fresh folder with `files` (relative path → PNG bytes) written into it.
    static func folder(_ files: [String: [UInt8]]) throws -> String {
        let root = NSTemporaryDirectory() + "latent-pngs-\(UUID().uuidString.prefix(8))"
        for (relative, bytes) in files {
            let path = root + "/" + relative
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        return root
    }

    static func rgb(_ r: UInt8, _ g: UInt8, _ b: UInt8, side: Int = 4) throws -> [UInt8] {
        try PNG.encode(pixels: (0..<(side * side)).flatMap { _ in [r, g, b] }, width: side, height: side, format: .rgb)
    }

    @Test func subfoldersAreClassesInSortedOrder() throws {
        let root = try Self.folder(["dog/b.png": try Self.rgb(0, 255, 0), "cat/a.png": try Self.rgb(255, 0, 0),
                                    "dog/a.png": try Self.rgb(0, 0, 255), "notes.txt": Array("x".utf8)])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let set = try ImageFolder.read(root, shape: [3, 4, 4], range: -1...1)
        #expect(set.classNames == ["cat", "dog"])
        #expect(set.labels == [0, 1, 1])
        #expect(set.images.shape == [3, 3, 4, 4])
        // cat/a is red: channel 0 at the top of the range, 1 and 2 at the bottom; dog/a (sorted first) is blue.
        let cat = try set.pixels(of: 0), dogA = try set.pixels(of: 1)
        #expect(cat[0] == 1 && cat[16] == -1 && cat[32] == -1)
        #expect(dogA[0] == -1 && dogA[32] == 1)
    }

    @Test func aFlatFolderIsUnlabelledAndGreyModelsGetLuma() throws {
        let root = try Self.folder(["1.png": try Self.rgb(255, 255, 255), "2.png": try Self.rgb(0, 0, 0)])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let set = try ImageFolder.read(root, shape: [1, 4, 4])
        #expect(!set.isLabelled && set.count == 2)
        #expect(try set.pixels(of: 0).allSatisfy { $0 == 1 })
        #expect(try set.pixels(of: 1).allSatisfy { $0 == 0 })
    }

    @Test func problemsAreOneLineErrorsNamingTheFile() throws {
        let root = try Self.folder(["a/ok.png": try Self.rgb(1, 2, 3), "a/big.png": try Self.rgb(1, 2, 3, side: 8),
                                    "b/broken.png": [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]])
        defer { try? FileManager.default.removeItem(atPath: root) }
        do {
            _ = try ImageFolder.read(root, shape: [3, 4, 4])
            Issue.record("a PNG of another size was read")
        } catch {
            #expect("\(error)".contains("a/big.png") && "\(error)".contains("8×8") && "\(error)".contains("4×4") && !"\(error)".contains("\n"), "\(error)")
        }
        try FileManager.default.removeItem(atPath: root + "/a/big.png")
        #expect(throws: FormatError.self) { _ = try ImageFolder.read(root, shape: [3, 4, 4]) }
        let empty = try Self.folder(["x/readme.txt": [1]])
        defer { try? FileManager.default.removeItem(atPath: empty) }
        do { _ = try ImageFolder.read(empty, shape: [1, 4, 4]) } catch { #expect("\(error)".contains("no .png images")) }
        #expect(throws: FormatError.self) { _ = try ImageFolder.read(root, shape: [2, 4, 4]) }
    }
}
