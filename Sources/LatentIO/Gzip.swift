import CZlib

/// gzip compression and decompression through zlib.
public enum Gzip {
    /// True when `bytes` start with the gzip magic number 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// A gzip stream inflated piece by piece: a reader takes the header, decides from it how much data
    /// there should be (and whether that is allowed), and only then allocates for it.
    public final class Inflater {
        private var stream = z_stream()
        private let input: [UInt8]
        private let source: String
        private var ended = false

        public init(_ input: [UInt8], source: String) throws {
            self.input = input
            self.source = source
            guard input.count <= Int(UInt32.max) else { throw FormatError(source, "compressed data over 4 GB") }
            guard CZlib_inflateInit2(&stream, 15 + 16) == Z_OK else { throw FormatError(source, "zlib failed to start") }
            stream.avail_in = UInt32(input.count)
        }

        deinit { inflateEnd(&stream) }

        /// Fills `buffer` as far as the stream goes; returns the bytes written (fewer only at the end).
        public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            var produced = 0
            while produced < buffer.count && !ended {
                let room = min(buffer.count - produced, 1 << 30)
                let status: Int32 = input.withUnsafeBufferPointer { inBuf in
                    // The input array does not move, but its pointer is only valid in here: set it anew
                    // each time from how much zlib has consumed.
                    stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress! + (inBuf.count - Int(stream.avail_in)))
                    stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + produced
                    stream.avail_out = UInt32(room)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                produced += room - Int(stream.avail_out)
                if status == Z_STREAM_END {
                    // Concatenated gzip members (what `cat a.gz b.gz` or a parallel gzip makes) are one stream.
                    let at = input.count - Int(stream.avail_in)
                    if stream.avail_in >= 2, input[at] == 0x1F, input[at + 1] == 0x8B, inflateReset(&stream) == Z_OK { continue }
                    ended = true
                    break
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { throw FormatError(source, "gzip data is truncated") }
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    let why = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw FormatError(source, "gzip data is corrupt (\(why))")
                }
            }
            return produced
        }

        /// Checks that the stream ended where the reader stopped: no data left over, no bytes after it.
        public func finish() throws {
            if !ended {
                var byte: UInt8 = 0
                let extra = try withUnsafeMutableBytes(of: &byte) { try read(into: $0) }
                guard extra == 0 else { throw FormatError(source, "holds more data than its header declares") }
            }
            if stream.avail_in != 0 {
                throw FormatError(source, "\(stream.avail_in) bytes of trailing data after the gzip stream")
            }
        }
    }

    /// Deflates into a gzip stream. zlib writes a zero timestamp, so equal input gives equal output.
    public static func compress(_ input: [UInt8], level: Int32 = 9) -> [UInt8] { deflated(input, level: level, windowBits: 15 + 16) }

    /// Deflates into a zlib stream (RFC 1950: what kitty's `o=z` and PNG take).
    public static func zlib(_ input: [UInt8], level: Int32 = 6) -> [UInt8] { deflated(input, level: level, windowBits: 15) }

    static func deflated(_ input: [UInt8], level: Int32, windowBits: Int32) -> [UInt8] {
        var stream = z_stream()
        precondition(CZlib_deflateInit2(&stream, level, windowBits) == Z_OK, "zlib deflateInit2 failed")
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(input.count))) + 32
        var output = [UInt8](repeating: 0, count: bound)
        let written: Int = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                let s = deflate(&stream, Z_FINISH)
                precondition(s == Z_STREAM_END, "deflate did not finish within deflateBound")
                return outBuf.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<written])
    }
}
