import Foundation
import LatentCore
@testable import LatentIO
import Testing

/// Fixtures were written by numpy 2.4 (`np.save`), from a = (np.arange(12)/8 - 0.5).reshape(3, 4):
/// numpy-f4 (float32), numpy-f8 (float64), numpy-f4-bigendian ('>f4'), numpy-i8 (int64 arange(6)),
/// numpy-fortran (np.asfortranarray of the float32), numpy-1d (float32 arange(5)).
@Suite struct NPYTests {
    static let expected = Tensor(shape: [3, 4], data: (0..<12).map { Float($0) / 8 - 0.5 })

    @Test(arguments: ["numpy-f4", "numpy-f8", "numpy-f4-bigendian"])
    func readsArraysWrittenByNumPy(_ name: String) throws {
        #expect(try NPY.read(fixturesDirectory + "/\(name).npy") == Self.expected)
    }

    @Test func readsOneDimensionalArrays() throws {
        #expect(try NPY.read(fixturesDirectory + "/numpy-1d.npy") == Tensor(shape: [5], data: [0, 1, 2, 3, 4]))
    }

    @Test func unsupportedLayoutsGetClearMessages() throws {
        // int64 (labels as numpy saves them) reads as whole numbers; complex does not read at all.
        #expect(try NPY.read(fixturesDirectory + "/numpy-i8.npy") == Tensor(shape: [6], data: [0, 1, 2, 3, 4, 5]))
        #expect(formatErrorMessage { _ = try NPY.decode(ImageArrayTests.npy("<c8", [1], [UInt8](repeating: 0, count: 8))) }?
            .contains("dtype '<c8' is not supported") == true)
        #expect(formatErrorMessage { _ = try NPY.read(fixturesDirectory + "/numpy-fortran.npy") }?
            .contains("Fortran-order") == true)
    }

    @Test func encodeIsReadableAndAligned() throws {
        var rng = SeededRNG(seed: 1)
        for shape in [[7], [2, 3], [2, 1, 4], []] as [[Int]] {
            let t = Tensor.randomNormal(shape: shape, using: &rng)
            let bytes = NPY.encode(t)
            #expect(try NPY.decode(bytes) == t)
            #expect((bytes.count - 4 * t.count) % 64 == 0)
        }
        // Our encoding matches numpy's own header byte for byte.
        let numpy = try FileBytes.read(fixturesDirectory + "/numpy-f4.npy")
        #expect(NPY.encode(Self.expected) == numpy)
    }

    static let valid = NPY.encode(Tensor(shape: [2, 2], data: [1, 2, 3, 4]))

    static func withHeader(_ header: String, data: [UInt8] = []) -> [UInt8] {
        NPY.magic + [1, 0] + UInt16(header.utf8.count).littleEndianBytes + Array(header.utf8) + data
    }

    static let malformed: [(String, [UInt8], String)] = [
        ("empty", [], "empty file"),
        ("not npy", Array("hello world".utf8), "not a .npy file"),
        ("version", NPY.magic + [9, 0, 0, 0], "unsupported .npy format version 9"),
        ("short header", NPY.magic + [1, 0, 0xFF, 0x7F], "runs past the end"),
        ("no shape", withHeader("{'descr': '<f4', 'fortran_order': False}"), "no 'shape'"),
        ("bad dict", withHeader("{'descr' '<f4'}"), "header: expected ':'"),
        ("size mismatch", withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", data: [0, 0, 0, 0]), "needs 12 bytes"),
        ("truncated data", Array(valid.dropLast(2)), "needs 16 bytes of data but the file has 14"),
    ]

    @Test(arguments: malformed)
    func malformedFileIsRejected(_ name: String, _ bytes: [UInt8], _ fragment: String) {
        let message = formatErrorMessage { _ = try NPY.decode(bytes) }
        #expect(message?.contains(fragment) == true, "\(name): \(message ?? "nil")")
    }

    @Test func mutationsNeverCrash() {
        for bytes in mutations(of: Self.valid, count: 3_000, seed: 5) {
            do { _ = try NPY.decode(bytes) } catch is FormatError {} catch {
                Issue.record("unexpected error type \(type(of: error))")
            }
        }
    }
}
