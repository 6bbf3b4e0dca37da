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

    /// Every dtype numpy saves for booleans, integers and floats, in either byte order, reads as the
    /// same values — 300, −2 and 1 as whatever the type holds of them.
    @Test(arguments: [("|b1", 1), ("|u1", 1), ("|i1", 1), ("<u2", 2), (">u2", 2), ("<i2", 2), (">i2", 2), ("<u4", 4), ("<i4", 4),
                      (">i4", 4), ("<u8", 8), ("<i8", 8), (">i8", 8), ("<f2", 2), (">f2", 2), ("<f4", 4), (">f8", 8)])
    func readsEveryIntegerAndFloatWidth(_ descr: String, _ size: Int) throws {
        let big = descr.hasPrefix(">"), kind = descr.dropFirst().first!
        let wanted: [Double] = kind == "b" ? [1, 0, 1] : kind == "u" ? (size == 1 ? [200, 0, 1] : [300, 0, 1]) : [size == 1 ? 100 : 300, -2, 1]
        func bytes(_ v: Double) -> [UInt8] {
            var le: [UInt8]
            switch (kind, size) {
            case ("f", 2): le = v == 300 ? [0xB0, 0x5C] : v == -2 ? [0x00, 0xC0] : [0x00, 0x3C]
            case ("f", 4): le = (0..<4).map { UInt8(truncatingIfNeeded: Float(v).bitPattern >> (8 * UInt32($0))) }
            case ("f", _): le = (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64($0))) }
            default: le = (0..<size).map { UInt8(truncatingIfNeeded: Int64(v) >> (8 * Int64($0))) }
            }
            return big ? le.reversed() : le
        }
        let (t, dtype) = try NPY.decodeArray(ImageArrayTests.npy(descr, [3], wanted.flatMap(bytes)), source: "x.npy", maxValues: 10)
        #expect(t.data == wanted.map { Float($0) }, "\(descr)")
        #expect(dtype.isInteger == (kind == "u" || kind == "i"))
    }

    @Test func aShapeOverTheCapIsRefusedFromTheHeader() throws {
        // 10 values declared, 12 bytes present: the cap answers before the size check or any allocation.
        let bytes = ImageArrayTests.npy("<f4", [1_000_000_000], [UInt8](repeating: 0, count: 12))
        #expect(formatErrorMessage { _ = try NPY.decode(bytes, maxValues: 100) }?.contains("more than the") == true)
        #expect(formatErrorMessage { _ = try NPY.decode(ImageArrayTests.npy("|u2", [1], [0, 0])) }?.contains("not supported") == true)
    }

    @Test func labelsAndImageValuesAreCheckedBeforeUse() throws {
        #expect(try LabelValues.classes([0, 3, 2], source: "l") == [0, 3, 2])
        for (bad, why) in [([Float.nan], "not a whole number"), ([1e30], "outside"), ([-1], "outside"), ([1.5], "not a whole number"), ([10], "outside 0…9")] {
            #expect(formatErrorMessage { _ = try LabelValues.classes(bad, source: "l", limit: 10) }?.contains(why) == true, "\(bad)")
        }
        try ImageValues.check([0, 255, 17], perImage: 2, integer: true, source: "i")
        #expect(formatErrorMessage { try ImageValues.check([0, 1, 256], perImage: 2, integer: true, source: "i") }?.contains("image 1, value 0 is 256") == true)
        #expect(formatErrorMessage { try ImageValues.check([0, .nan], perImage: 2, integer: false, source: "i") }?.contains("image 0, value 1") == true)
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
