import Foundation
import LatentCore
import LatentIO
@testable import LatentNN

let repositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
let fixturesDirectory = repositoryRoot + "/Tests/LatentNNTests/Fixtures"
let shippedDataDirectory = repositoryRoot + "/Weights/data"

/// The compute-thread count is global. A test that sets it holds this lock until it puts it back, so a
/// test running beside it cannot change the count between two passes it compares (a convolution's
/// batch plan, Adam's split).
private let computeThreadsLock = NSLock()

func withComputeThreads<T>(_ n: Int, _ body: () throws -> T) rethrows -> T {
    computeThreadsLock.lock()
    defer { computeThreadsLock.unlock() }
    let before = ComputeThreads.current
    ComputeThreads.set(n)
    defer { ComputeThreads.set(before) }
    return try body()
}

func makeTempDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "latent-nn-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The first `count` shipped training digits: small enough for a test to train on in seconds.
func trainingSubset(_ count: Int) throws -> LabeledImages {
    let all = try LabeledImages.read(images: shippedDataDirectory + "/" + ShippedData.trainImages,
                                     labels: shippedDataDirectory + "/" + ShippedData.trainLabels)
    return LabeledImages(images: Tensor(shape: [count] + Array(all.images.shape.dropFirst()),
                                        data: Array(all.images.data.prefix(count * all.pixelsPerImage))),
                         labels: Array(all.labels.prefix(count)), classNames: all.classNames)
}

func maxAbsDifference(_ a: [Float], _ b: ArraySlice<Float>) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
}
