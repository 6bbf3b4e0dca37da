import CZlib

/// gzip compression and decompression through zlib.
public enum Gzip {
    /// True when `bytes` start with the gzip magic number 1f 8b.
    public static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates a gzip stream. Output grows as real data arrives and stops at `limit`, so a small file
    /// cannot demand a huge buffer (a "zip bomb" is refused, not allocated).
    public static func decompress(_ input: [UInt8], limit: Int = 1 << 30, source: String = "<memory>") throws -> [UInt8] {
        var stream = z_stream()
        guard CZlib_inflateInit2(&stream, 15 + 16) == Z_OK else { throw FormatError(source, "zlib failed to start") }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: min(limit, max(1 << 16, input.count * 4)))
        var produced = 0
        var status: Int32 = Z_OK
        try input.withUnsafeBufferPointer { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = UInt32(inBuf.count)
            while true {
                if produced == output.count {
                    guard output.count < limit else {
                        throw FormatError(source, "decompresses to more than \(grouped(limit)) bytes")
                    }
                    output += [UInt8](repeating: 0, count: min(output.count, limit - output.count))
                }
                status = output.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress! + produced
                    stream.avail_out = UInt32(outBuf.count - produced)
                    let s = inflate(&stream, Z_NO_FLUSH)
                    produced = outBuf.count - Int(stream.avail_out)
                    return s
                }
                if status == Z_STREAM_END { break }
                if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    throw FormatError(source, "gzip data is truncated")
                }
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    let why = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw FormatError(source, "gzip data is corrupt (\(why))")
                }
            }
        }
        if stream.avail_in != 0 {
            throw FormatError(source, "\(stream.avail_in) bytes of trailing data after the gzip stream")
        }
        return Array(output[0..<produced])
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
