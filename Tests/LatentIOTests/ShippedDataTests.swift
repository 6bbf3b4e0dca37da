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
        let trainImages = Set((0..<train.count).map { Array(train.pixels(of: $0)) })
        let overlap = (0..<heldOut.count).filter { trainImages.contains(Array(heldOut.pixels(of: $0))) }
        #expect(overlap.isEmpty)
    }

    @Test func digitsLookLikeDigits() throws {
        // Real MNIST: ~19 % of pixels are ink, and the border rows are blank.
        let d = try load("heldout")
        let ink = Float(d.images.data.filter { $0 > 0.5 }.count) / Float(d.images.count)
        #expect(ink > 0.1 && ink < 0.3)
        for i in 0..<d.count { #expect(d.pixels(of: i).prefix(28).allSatisfy { $0 == 0 }) }
    }

    @Test func mismatchedLabelsAreBadInput() throws {
        let message = formatErrorMessage {
            _ = try LabeledImages.read(images: shippedDataDirectory + "/mnist-heldout-images-idx3-ubyte.gz",
                                       labels: shippedDataDirectory + "/mnist-train-labels-idx1-ubyte.gz")
        }
        #expect(message == "4000 labels for 1000 images in \(shippedDataDirectory)/mnist-heldout-images-idx3-ubyte.gz")
    }
}
