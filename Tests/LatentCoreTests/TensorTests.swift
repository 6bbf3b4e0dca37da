import Testing
@testable import LatentCore

@Suite struct TensorTests {
    @Test func indexingIsRowMajor() {
        var t = Tensor(shape: [2, 3, 4], data: (0..<24).map(Float.init))
        #expect(t.strides == [12, 4, 1])
        #expect(t[1, 2, 3] == 23)
        #expect(t[0, 1, 0] == 4)
        t[1, 0, 2] = -1
        #expect(t.data[14] == -1)
    }

    @Test func reshapeInfersOneExtent() {
        let t = Tensor(shape: [4, 6], data: (0..<24).map(Float.init))
        #expect(t.reshaped([2, -1, 3]).shape == [2, 4, 3])
        #expect(t.reshaped([24]).data == t.data)
    }

    @Test func scalarsAndEmptyTensors() {
        let s = Tensor(shape: [], data: [3])
        #expect(s.count == 1 && s.rank == 0)
        let e = Tensor(zeros: [0, 5])
        #expect(e.count == 0)
    }

    @Test func elementCountRejectsOverflowAndNegatives() {
        #expect(Tensor.elementCount([2, 3, 4]) == 24)
        #expect(Tensor.elementCount([]) == 1)
        #expect(Tensor.elementCount([1 << 40, 1 << 40]) == nil)
        #expect(Tensor.elementCount([3, -1]) == nil)
    }

    @Test func randomTensorsAreSeeded() {
        var r1 = SeededRNG(seed: 11), r2 = SeededRNG(seed: 11)
        #expect(Tensor.randomNormal(shape: [3, 3], using: &r1) == Tensor.randomNormal(shape: [3, 3], using: &r2))
        let u = Tensor.randomUniform(shape: [1000], low: -2, high: 2, using: &r1)
        #expect(u.data.allSatisfy { $0 >= -2 && $0 < 2 })
    }
}
