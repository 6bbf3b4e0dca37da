import Foundation
import LatentCore
@testable import LatentIO
import Testing

/// The MNIST subset in Weights/data is what every model trains and is evaluated on.
@Suite struct ShippedDataTests {
    func load(_ split: String) throws -> LabeledImages {
        try LabeledImages.read(images: shippedDataDirectory + "/mnist-\(split)-images-idx3-ubyte.gz",
                               labels: shippedDataDirectory + "/mnist-\(split)-labels-idx1-ubyte.gz")
    }

    @Test func splitIsStratified4000And1000() throws {
        for (split, perClass) in [("train", 400), ("heldout", 100)] {
            let d = try load(split)
            #expect(d.count == perClass * 10)
            #expect(d.images.shape == [perClass * 10, 1, 28, 28])
            for c in 0..<10 { #expect(d.labels.filter { $0 == c }.count == perClass) }
            #expect(d.images.data.min() == 0 && d.images.data.max() == 1)
            // Shuffled, not sorted by class: the first 20 images show several digits.
            #expect(Set(d.labels.prefix(20)).count >= 5)
        }
    }

    @Test func trainAndHeldOutShareNoImage() throws {
        let train = try load("train"), heldOut = try load("heldout")
        let trainImages = Set(try (0..<train.count).map { try train.pixels(of: $0) })
        let overlap = (0..<heldOut.count).filter { trainImages.contains((try? heldOut.pixels(of: $0)) ?? []) }
        #expect(overlap.isEmpty)
    }

    @Test func digitsLookLikeDigits() throws {
        // Real MNIST: ~19 % of pixels are ink, and the border rows are blank.
        let d = try load("heldout")
        let ink = Float(d.images.data.filter { $0 > 0.5 }.count) / Float(d.images.count)
        #expect(ink > 0.1 && ink < 0.3)
        for i in 0..<d.count { #expect(try d.pixels(of: i).prefix(28).allSatisfy { $0 == 0 }) }
    }

    /// Fashion-MNIST (scripts/make_fashion_subset.py): 800 + 200 per class, named classes, disjoint
    /// splits, shuffled; clothes cover much more of the frame than digits.
    @Test func fashionSubsetIsStratified8000And2000WithNamedClasses() throws {
        let dataset = try #require(ShippedDataset.named("fashion-mnist"))
        let train = try dataset.read(.train, in: shippedDataDirectory), heldOut = try dataset.read(.heldout, in: shippedDataDirectory)
        for (d, perClass) in [(train, 800), (heldOut, 200)] {
            #expect(d.images.shape == [perClass * 10, 1, 28, 28])
            for c in 0..<10 { #expect(d.labels.filter { $0 == c }.count == perClass) }
            #expect(Set(d.labels.prefix(20)).count >= 5)
            #expect(d.classNames.first == "T-shirt/top" && d.classNames.last == "Ankle boot")
        }
        let trainImages = Set(try (0..<train.count).map { try train.pixels(of: $0) })
        #expect(!(0..<heldOut.count).contains { trainImages.contains((try? heldOut.pixels(of: $0)) ?? []) })
        let covered = Float(heldOut.images.data.filter { $0 > 0.1 }.count) / Float(heldOut.images.count)
        #expect(covered > 0.35, "\(covered)")
    }

    /// The emoji set (scripts/make_emoji_set.py): colour [N, 3, 32, 32] from channels-last IDX, nine
    /// groups, and no emoji family (an emoji and its skin-tone variants) on both sides of the split.
    @Test func emojiSetIsColourAndKeepsSkinToneFamiliesTogether() throws {
        let dataset = try #require(ShippedDataset.named("emoji"))
        let train = try dataset.read(.train, in: shippedDataDirectory), heldOut = try dataset.read(.heldout, in: shippedDataDirectory)
        #expect(train.images.shape == [2922, 3, 32, 32] && heldOut.images.shape == [733, 3, 32, 32])
        #expect(train.classNames.count == 9 && Set(train.labels) == Set(0..<9) && Set(heldOut.labels) == Set(0..<9))
        // Colour, on white: corners are white, and red differs from blue somewhere in most images.
        let plane = 32 * 32
        let pixels = try heldOut.pixels(of: 0)
        #expect(pixels[0] == 1 && pixels[plane] == 1 && pixels[2 * plane] == 1)
        let coloured = try (0..<heldOut.count).filter { i in
            let p = try heldOut.pixels(of: i)
            return (0..<plane).contains { abs(p[$0] - p[2 * plane + $0]) > 0.2 }
        }
        #expect(coloured.count > heldOut.count * 8 / 10)
        func families(_ split: String) throws -> Set<String> {
            let text = try String(contentsOfFile: shippedDataDirectory + "/emoji-\(split)-names.txt", encoding: .utf8)
            return Set(text.split(separator: "\n").map { line in
                String(String.UnicodeScalarView(line.split(separator: " ")[0].unicodeScalars.filter { !(0x1F3FB...0x1F3FF).contains($0.value) && $0.value != 0xFE0F }))
            })
        }
        let trainFamilies = try families("train"), heldOutFamilies = try families("heldout")
        #expect(trainFamilies.isDisjoint(with: heldOutFamilies))
        #expect(heldOutFamilies.count > 100)
    }

    @Test func mismatchedLabelsAreBadInput() throws {
        let message = formatErrorMessage {
            _ = try LabeledImages.read(images: shippedDataDirectory + "/mnist-heldout-images-idx3-ubyte.gz",
                                       labels: shippedDataDirectory + "/mnist-train-labels-idx1-ubyte.gz")
        }
        #expect(message == "4000 labels for 1000 images in \(shippedDataDirectory)/mnist-heldout-images-idx3-ubyte.gz")
    }
}
