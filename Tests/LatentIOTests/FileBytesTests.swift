import Foundation
import LatentIO
import Testing

/// Writing output files: atomic for a regular file, and never a file put in place of a device, a pipe
/// or a symbolic link (`-o /dev/null` must leave /dev/null a device).
@Suite struct FileBytesTests {
    static func folder() throws -> String {
        let dir = NSTemporaryDirectory() + "latent-write-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func kind(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
    }

    @Test func aRegularFileIsReplacedWhole() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.bin"
        try FileBytes.write(Array(repeating: 7, count: 100), to: path)
        try FileBytes.write([1, 2, 3], to: path)
        #expect(FileManager.default.contents(atPath: path) == Data([1, 2, 3]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.bin"])
    }

    @Test func aPipeStaysAPipe() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/pipe"
        #expect(mkfifo(fifo, 0o600) == 0)
        // The reader opens the other end, as a shell's `| cat` would.
        let reader = Thread {
            let fd = open(fifo, O_RDONLY)
            var buffer = [UInt8](repeating: 0, count: 64)
            while read(fd, &buffer, 64) > 0 {}
            close(fd)
        }
        reader.start()
        try FileBytes.write([9, 9, 9], to: fifo)
        #expect(Self.kind(fifo) == S_IFIFO)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["pipe"])
    }

    @Test func aLinkIsWrittenThroughAndKept() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileBytes.write([1], to: dir + "/target.bin")
        #expect(symlink(dir + "/target.bin", dir + "/link.bin") == 0)
        try FileBytes.write([4, 5], to: dir + "/link.bin")
        #expect(Self.kind(dir + "/link.bin") == S_IFLNK)
        #expect(FileManager.default.contents(atPath: dir + "/target.bin") == Data([4, 5]))
        // A folder is refused in one line naming it.
        #expect(throws: FormatError.self) { try FileBytes.write([1], to: dir) }
    }
}
