import Foundation
import LatentCore
@testable import LatentIO
import Testing

@Suite struct IDXTests {
    static func sample(_ type: IDXArray.ElementType) -> IDXArray {
        let values: [Float] = [0, 1, 2, 3, 100, 5, 6, 7, 8, 9, 10, 127]
        let shape = [2, 3, 2]
        switch type {
        case .u8: return IDXArray(u8: values.map { UInt8($0) }, shape: shape)
        case .i8: return IDXArray(type: .i8, shape: shape, payload: values.map { UInt8(bitPattern: Int8(-$0 / 2)) })
        case .i16: return IDXArray(type: .i16, shape: shape, payload: values.flatMap { Int16(-$0 * 100).bigEndianBytes })
        case .i32: return IDXArray(type: .i32, shape: shape, payload: values.flatMap { Int32($0 * 70_000).bigEndianBytes })
        case .f32: return IDXArray(f32: values.map { $0 / 4 }, shape: shape)
        case .f64: return IDXArray(type: .f64, shape: shape, payload: values.flatMap { (Double($0) / 8).bitPattern.bigEndianBytes })
        }
    }

    @Test(arguments: IDXArray.ElementType.allCases)
    func roundTripsRawAndGzip(_ type: IDXArray.ElementType) throws {
        let a = Self.sample(type)
        #expect(try IDXArray(bytes: a.encoded()) == a)
        #expect(try IDXArray(bytes: Gzip.compress(a.encoded())) == a)
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try a.write(to: dir + "/a.idx.gz")
        let bytes = try FileBytes.read(dir + "/a.idx.gz")
        #expect(Gzip.isGzip(bytes))
        #expect(try IDXArray.read(dir + "/a.idx.gz") == a)
    }

    @Test func valuesDecodeWithTheirSignAndScale() {
        #expect(Self.sample(.i8).floats().prefix(3) == [0, 0, -1])
        #expect(Self.sample(.i16).floats()[4] == -10_000)
        #expect(Self.sample(.i32).floats()[11] == 8_890_000)
        #expect(Self.sample(.f32).floats()[4] == 25)
        #expect(Self.sample(.f64).floats()[1] == 0.125)
    }

    static let good = IDXArray(u8: [1, 2, 3, 4, 5, 6], shape: [2, 3]).encoded()

    static let malformed: [(String, [UInt8], String)] = [
        ("empty", [], "empty file"),
        ("short", [0, 0, 8], "too short for the IDX magic"),
        ("bad magic", [1, 0, 8, 1, 0, 0, 0, 0], "not an IDX file: magic starts 0x01 0x00"),
        ("unknown type", [0, 0, 7, 1, 0, 0, 0, 0], "unknown IDX element type code 0x07"),
        ("rank zero", [0, 0, 8, 0], "IDX rank is 0"),
        ("truncated dims", [0, 0, 8, 3, 0, 0, 0, 2, 0, 0], "ends in dimension 2"),
        ("too few bytes", Array(good.dropLast()), "2×3 of u8 need 6 bytes of data but the file has 5"),
        ("too many bytes", good + [9], "need 6 bytes of data but the file has 7"),
        ("huge dims", [0, 0, 0x0E, 4] + [UInt8](repeating: 0xFF, count: 16), "are too large"),
        ("truncated gzip", Array(Gzip.compress(good).dropLast(12)), "gzip data is truncated"),
        ("corrupt gzip", Gzip.compress(good).enumerated().map { $0.offset == 12 ? $0.element ^ 0xFF : $0.element }, "gzip data is corrupt"),
        ("gzip trailing data", Gzip.compress(good) + [1, 2, 3], "trailing data after the gzip stream"),
    ]

    @Test(arguments: malformed)
    func malformedFileIsRejected(_ name: String, _ bytes: [UInt8], _ fragment: String) {
        let message = formatErrorMessage { _ = try IDXArray(bytes: bytes, source: "bad.idx") }
        #expect(message?.contains(fragment) == true, "\(name): \(message ?? "nil")")
    }

    /// A bomb is refused from what it declares: the header is inflated first, the payload only as far
    /// as the header says, and a stream that goes on past it is an error, not a bigger buffer.
    @Test func gzipBombIsRefusedNotAllocated() throws {
        let header: [UInt8] = [0, 0, 0x08, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28]
        let bomb = Gzip.compress(header + [UInt8](repeating: 0, count: 784 + (4 << 20)))
        #expect(bomb.count < 10_000)
        #expect(formatErrorMessage { _ = try IDXArray(bytes: bomb) }?.contains("holds more data than its header declares") == true)
        let claims: [UInt8] = [0, 0, 0x08, 3, 0, 1, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]  // 65,536 × 28 × 28
        #expect(formatErrorMessage { _ = try IDXArray(bytes: Gzip.compress(claims), maxValues: 1_000_000) }?.contains("more than the") == true)
        let exact = Gzip.compress(header + [UInt8](repeating: 7, count: 784))
        #expect(try IDXArray(bytes: exact).payload == [UInt8](repeating: 7, count: 784))
    }

    @Test func tenThousandMutationsNeverCrash() {
        let valid = IDXArray(f32: (0..<60).map { Float($0) / 7 }, shape: [3, 4, 5]).encoded()
        var accepted = 0
        for bytes in mutations(of: valid, count: 10_000, seed: 77) {
            do {
                let a = try IDXArray(bytes: bytes)
                #expect(a.floats().count == a.count)
                accepted += 1
            } catch is FormatError {
            } catch {
                Issue.record("unexpected error type \(type(of: error)): \(error)")
            }
        }
        #expect(accepted > 100 && accepted < 9_000, "accepted \(accepted)")
    }

    @Test func mutatedGzipNeverCrashes() {
        let valid = Gzip.compress(Self.good)
        for bytes in mutations(of: valid, count: 2_000, seed: 78) {
            do { _ = try IDXArray(bytes: bytes) } catch is FormatError {} catch {
                Issue.record("unexpected error type \(type(of: error))")
            }
        }
    }
}
