import Foundation
import LatentCore
import LatentIO

/// Files as users hand them to us, made byte by byte: .npy of any dtype and header version, IDX raw or
/// gzip, PNGs of the colour types and bit depths libpng reads, CSV text. Each writer takes exactly the
/// bytes to put there, so a malformed file is the well-formed one with one thing changed.
enum Fixture {
    /// A .npy: magic, version, header dict, padding to 64 bytes, then `data` as given.
    static func npy(_ descr: String, _ shape: [Int], _ data: [UInt8], version: UInt8 = 1, fortran: Bool = false,
                    header override: String? = nil) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = override ?? "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
        let lengthBytes = version == 1 ? 2 : 4
        let unpadded = 6 + 2 + lengthBytes + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        let length = header.utf8.count
        let lengthField: [UInt8] = version == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
            : [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
        return [0x93] + Array("NUMPY".utf8) + [version, 0] + lengthField + Array(header.utf8) + data
    }

    static func f32(_ values: [Float], bigEndian: Bool = false) -> [UInt8] {
        values.flatMap { bigEndian ? $0.bitPattern.beBytes : $0.bitPattern.leBytes }
    }

    static func i64(_ values: [Int64], bigEndian: Bool = false) -> [UInt8] {
        values.flatMap { v -> [UInt8] in
            let u = UInt64(bitPattern: v)
            let le = (0..<8).map { UInt8(truncatingIfNeeded: u >> (8 * UInt64($0))) }
            return bigEndian ? le.reversed() : le
        }
    }

    static func i16(_ values: [Int16]) -> [UInt8] {
        values.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
    }

    /// n images of 28×28 with a soft blob, as floats in [0, 1].
    static func digits(_ n: Int) -> [Float] {
        (0..<(n * 784)).map { i in
            let p = i % 784, y = Float(p / 28) - 14, x = Float(p % 28) - 14
            return max(0, 1 - (x * x + y * y) / Float(60 + 10 * (i / 784 % 5)))
        }
    }

    /// IDX bytes: two zeros, the type code, the rank, big-endian dimensions, then `payload` as given.
    static func idx(_ type: UInt8, _ dims: [Int], _ payload: [UInt8], gzip: Bool = false) -> [UInt8] {
        var out: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for d in dims { out += UInt32(d).beBytes }
        out += payload
        return gzip ? Gzip.compress(out, level: 1) : out
    }

    /// A PNG of any colour type (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA) and bit depth, from
    /// raw scanlines (each without its filter byte: filter 0 is added).
    static func png(width: Int, height: Int, colorType: UInt8, bitDepth: UInt8, rows: [[UInt8]], palette: [UInt8]? = nil) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return UInt32(data.count).beBytes + body + crc32(body).beBytes
        }
        var ihdr = UInt32(width).beBytes + UInt32(height).beBytes
        ihdr += [bitDepth, colorType, 0, 0, 0]
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", ihdr)
        if let palette { out += chunk("PLTE", palette) }
        out += chunk("IDAT", Gzip.zlib(rows.flatMap { [0] + $0 }))
        return out + chunk("IEND", [])
    }

    /// A 28×28 8-bit grey PNG (a blob).
    static func greyPNG(size: Int = 28) -> [UInt8] {
        png(width: size, height: size, colorType: 0, bitDepth: 8,
            rows: (0..<size).map { y in (0..<size).map { x in UInt8(max(0, 255 - 12 * (abs(x - size / 2) + abs(y - size / 2)))) } })
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }

    static func write(_ bytes: [UInt8], to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }
}

/// The built `latent` run as a child process, measured as the bad-input promise needs: its exit (code or
/// signal), both outputs, its peak resident memory (wait4's rusage) and whether it had to be killed.
enum Spawned {
    struct Outcome {
        /// The exit code, or nil when a signal ended it.
        let exitCode: Int32?
        let signal: Int32?
        let stdout: [UInt8]
        let stderr: [UInt8]
        let peakKB: Int
        let timedOut: Bool
        var text: String { String(decoding: stdout + stderr, as: UTF8.self) }
        var lines: [Substring] { text.split(separator: "\n") }
    }

    /// Runs `binary args` in `directory` with exactly `environment`, output to files under `scratch`.
    static func run(_ binary: String, _ args: [String], in directory: String, environment: [String: String],
                    scratch: String, timeout: Double = 60) -> Outcome {
        let outPath = scratch + "/out-\(UUID().uuidString)", errPath = scratch + "/err-\(UUID().uuidString)"
        defer { unlink(outPath); unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // env -C sets the working folder and then execs latent in the same process: the rusage is latent's.
        let argv = ["/usr/bin/env", "-C", directory, binary] + args
        let envv = environment.map { "\($0.key)=\($0.value)" }
        let cArgs = argv.map { strdup($0) } + [nil], cEnv = envv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/usr/bin/env", &actions, nil, cArgs, cEnv) == 0 else {
            return Outcome(exitCode: nil, signal: nil, stdout: [], stderr: Array("spawn failed".utf8), peakKB: 0, timedOut: false)
        }
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        let start = Date()
        while wait4(pid, &status, WNOHANG, &usage) == 0 {
            if Date().timeIntervalSince(start) > timeout {
                timedOut = true
                kill(pid, SIGKILL)
                wait4(pid, &status, 0, &usage)
                break
            }
            usleep(10_000)
        }
        let read = { (path: String) in (try? Data(contentsOf: URL(fileURLWithPath: path))).map { Array($0) } ?? [] }
        let signalled = status & 0x7F
        return Outcome(exitCode: signalled == 0 ? (status >> 8) & 0xFF : nil, signal: signalled == 0 ? nil : signalled,
                       stdout: read(outPath), stderr: read(errPath), peakKB: usage.ru_maxrss, timedOut: timedOut)
    }
}

extension FixedWidthInteger {
    var leBytes: [UInt8] { (0..<(Self.bitWidth / 8)).map { UInt8(truncatingIfNeeded: self >> (8 * $0)) } }
    var beBytes: [UInt8] { leBytes.reversed() }
}
