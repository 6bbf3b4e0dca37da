import Foundation
import LatentCore
@testable import LatentIO
import Testing

@Suite struct SafetensorsTests {
    // MARK: Round trips

    @Test(arguments: [SafetensorsDType.f32, .f16, .bf16, .f64, .i64, .i32])
    func roundTripPreservesRepresentableValues(_ dtype: SafetensorsDType) throws {
        // Small integers and halves are exact in every one of these types.
        let values: [Float] = [0, 1, -2, 3, 0.5, -0.25, 100, -7, 42, 8, 16, -1]
        let expected = (dtype == .i64 || dtype == .i32) ? values.map { $0.rounded() } : values
        var w = SafetensorsWriter()
        w.add("layer.weight", Tensor(shape: [3, 4], data: values), as: dtype)
        w.add("layer.bias", Tensor(shape: [2], data: [1, -1]), as: dtype)
        w.metadata = [("format", "pt"), ("note", "ünïcode \"quoted\"\nline")]
        let bytes = w.encoded()
        let headerLength = Int(UInt64(littleEndianBytes: bytes[0..<8]))
        #expect(headerLength % 8 == 0)

        let f = try SafetensorsFile(bytes: bytes)
        #expect(f.entries.map(\.name) == ["layer.weight", "layer.bias"])
        #expect(f.entries.allSatisfy { $0.dtype == dtype })
        #expect(try f.tensor("layer.weight") == Tensor(shape: [3, 4], data: expected))
        #expect(try f.tensor("layer.bias").data == [1, -1])
        #expect(f.metadata("note") == "ünïcode \"quoted\"\nline")
        #expect(f.metadata("format") == "pt")
    }

    @Test func halfAndBFloat16RoundToNearestEven() throws {
        // 1 + 2^-11 is halfway between two halves: ties go to the even mantissa (1.0).
        #expect(halfToFloat(floatToHalf(1 + 1.0 / 2048)) == 1)
        #expect(halfToFloat(floatToHalf(1 + 3.0 / 2048)) == 1 + 2.0 / 1024)
        #expect(halfToFloat(floatToHalf(65504)) == 65504)            // largest half
        #expect(halfToFloat(floatToHalf(1e6)) == .infinity)
        #expect(halfToFloat(floatToHalf(5.960464477539063e-08)) == 5.960464477539063e-08)  // smallest subnormal
        #expect(halfToFloat(floatToHalf(-0.0)).sign == .minus)
        #expect(halfToFloat(floatToHalf(.nan)).isNaN)
        #expect(Float(bitPattern: UInt32(floatToBFloat16(1 + 1.0 / 256)) << 16) == 1)       // tie → even
        #expect(Float(bitPattern: UInt32(floatToBFloat16(3.140625)) << 16) == 3.140625)
        // every half bit pattern survives half → float → half
        for bits in UInt16(0)...UInt16.max where (bits & 0x7C00) != 0x7C00 {
            #expect(floatToHalf(halfToFloat(bits)) == bits)
        }
    }

    @Test func zeroSizeRankZeroAndUnalignedTensorsAreLegal() throws {
        // Header of 59 bytes: data starts at byte 67, not 8-aligned.
        let header = #"{"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[4,4]}}"#
        let data = Float(2.5).bitPattern.littleEndianBytes
        let f = try SafetensorsFile(bytes: rawSafetensors(header, data: data))
        #expect(f.dataStart % 8 != 0)
        #expect(try f.tensor("s") == Tensor(shape: [], data: [2.5]))
        #expect(try f.tensor("e").shape == [0, 3])
    }

    @Test func fileWithNoTensorsAndOnlyMetadataReads() throws {
        var w = SafetensorsWriter()
        w.metadata = [("k", "v")]
        let f = try SafetensorsFile(bytes: w.encoded())
        #expect(f.entries.isEmpty && f.metadata("k") == "v")
    }

    @Test func writesAndReadsFiles() throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var w = SafetensorsWriter()
        w.add("w", Tensor(shape: [2, 2], data: [1, 2, 3, 4]))
        try w.write(to: dir + "/m.safetensors")
        #expect(try SafetensorsFile.read(dir + "/m.safetensors").tensor("w").data == [1, 2, 3, 4])
        #expect(!FileManager.default.fileExists(atPath: dir + "/m.safetensors.partial-\(getpid())"))
    }

    // MARK: Malformed files, each with its own message

    static let t = #""w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
    static let eight = [UInt8](repeating: 0, count: 8)

    static let malformed: [(String, [UInt8], String)] = [
        ("empty", [], "empty file"),
        ("short", [1, 0, 0], "too short for the 8-byte header length"),
        ("huge header length", rawSafetensors("{}", declaredLength: 200_000_000), "exceeds the limit"),
        ("header past end", rawSafetensors("{}", declaredLength: 50), "runs past the end"),
        ("not UTF-8", rawSafetensors("{\"\u{FF}\"}").enumerated().map { $0.offset == 10 ? 0xFF : $0.element }, "not valid UTF-8"),
        ("not an object", rawSafetensors("[1, 2]"), "does not start with '{'"),
        ("broken JSON", rawSafetensors(#"{"w": {"dtype": "F32""#), "header JSON: unexpected end"),
        ("duplicate key", rawSafetensors("{\(t),\(t)}", data: eight), "duplicate key 'w'"),
        ("missing dtype", rawSafetensors(#"{"w":{"shape":[2],"data_offsets":[0,8]}}"#, data: eight), "has no 'dtype'"),
        ("unknown dtype", rawSafetensors(#"{"w":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}"#, data: eight), "unknown dtype 'F33'"),
        ("extra field", rawSafetensors(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}"#, data: eight), "unknown field 'x'"),
        ("negative extent", rawSafetensors(#"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: eight), "not a non-negative integer"),
        ("offsets not a pair", rawSafetensors(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, data: eight), "not a pair"),
        ("offsets reversed", rawSafetensors(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data: eight), "end before they begin"),
        ("size mismatch", rawSafetensors(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight), "needs 12 bytes but data_offsets [0, 8) hold 8"),
        ("shape overflow", rawSafetensors(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, data: eight), "is too large"),
        ("overlap", rawSafetensors(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: eight + eight), "tensor 'w' data_offsets [4, 12) overlap the previous tensor"),
        ("gap", rawSafetensors(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data: eight + [0, 0, 0, 0]), "leave a gap after byte 0"),
        ("truncated data", rawSafetensors("{\(t)}", data: [0, 0, 0]), "truncated?"),
        ("trailing bytes", rawSafetensors("{\(t)}", data: eight + [1]), "not described by the header"),
        ("metadata not strings", rawSafetensors(#"{"__metadata__":{"k":1}}"#), "__metadata__ value for 'k' is not a string"),
        ("metadata not object", rawSafetensors(#"{"__metadata__":"x"}"#), "__metadata__ is not an object"),
        ("offset not integer", rawSafetensors(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}}"#, data: eight), "data_offsets are not non-negative integers"),
        ("tensor not object", rawSafetensors(#"{"w":[1]}"#), "tensor 'w' is not an object"),
    ]

    @Test(arguments: malformed)
    func malformedFileIsRejectedWithItsOwnMessage(_ name: String, _ bytes: [UInt8], _ fragment: String) {
        let message = formatErrorMessage { _ = try SafetensorsFile(bytes: bytes, source: "bad.safetensors") }
        #expect(message?.contains(fragment) == true, "\(name): \(message ?? "nil")")
    }

    @Test func malformedMessagesAreAllDifferent() {
        let messages = Self.malformed.compactMap { _, bytes, _ in
            formatErrorMessage { _ = try SafetensorsFile(bytes: bytes) }
        }
        #expect(messages.count == Self.malformed.count)
        #expect(Set(messages).count == messages.count)
    }

    @Test func errorDescriptionNamesTheFile() throws {
        let e = #expect(throws: FormatError.self) {
            _ = try SafetensorsFile(bytes: rawSafetensors("{\(Self.t)}", data: [0]), source: "bad.safetensors")
        }
        #expect(e?.description.hasPrefix("bad.safetensors: ") == true)
        #expect(e?.description.contains("\n") == false)
    }

    @Test func missingFileDirectoryAndEmptyFileAreBadInput() throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/empty.safetensors", contents: Data())
        #expect(formatErrorMessage { _ = try SafetensorsFile.read(dir + "/nope.safetensors") } == "no such file")
        #expect(formatErrorMessage { _ = try SafetensorsFile.read(dir) } == "is a directory, not a file")
        #expect(formatErrorMessage { _ = try SafetensorsFile.read(dir + "/empty.safetensors") }?.hasPrefix("empty file") == true)
    }

    @Test func unknownTensorNameAndUnconvertibleDtypeThrow() throws {
        let f = try SafetensorsFile(bytes: rawSafetensors(#"{"u":{"dtype":"U16","shape":[1],"data_offsets":[0,2]}}"#, data: [1, 0]))
        #expect(formatErrorMessage { _ = try f.tensor("nope") } == "no tensor named 'nope'")
        #expect(formatErrorMessage { _ = try f.tensor("u") }?.contains("U16") == true)
        #expect(Array(try f.rawBytes("u")) == [1, 0])
    }

    // MARK: Fuzzing

    @Test func tenThousandMutationsNeverCrash() throws {
        var w = SafetensorsWriter()
        w.add("encoder.0.weight", Tensor(shape: [3, 4], data: (0..<12).map(Float.init)))
        w.add("encoder.0.bias", Tensor(shape: [3], data: [1, 2, 3]), as: .f16)
        w.add("bn.num_batches_tracked", Tensor(shape: [], data: [7]), as: .i64)
        w.metadata = [("config", #"{"kind":"vae"}"#)]
        let valid = w.encoded()
        var accepted = 0
        for bytes in mutations(of: valid, count: 10_000, seed: 2026) {
            do {
                let f = try SafetensorsFile(bytes: bytes)
                for e in f.entries { _ = try? f.tensor(e.name) }
                accepted += 1
            } catch is FormatError {
                // rejected with a message: fine
            } catch {
                Issue.record("unexpected error type \(type(of: error)): \(error)")
            }
        }
        // Some mutations only touch tensor data, so they must still parse; most break the header.
        #expect(accepted > 100 && accepted < 9_000, "accepted \(accepted)")
    }
}
