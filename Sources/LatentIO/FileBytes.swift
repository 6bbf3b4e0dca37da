import Foundation

/// Whole-file reads and writes with errors a user can act on. Every reader in this module goes through
/// here, so a missing file, a directory or an unreadable path gets the same clear one-line message.
public enum FileBytes {
    /// Reads the whole file at `path`. Files larger than `limit` are refused before any allocation.
    public static func read(_ path: String, limit: Int = 4 << 30) throws -> [UInt8] {
        let file = try Reader(path)
        guard file.size <= limit else {
            throw FormatError(path, "file is \(grouped(file.size)) bytes, over the \(grouped(limit))-byte limit")
        }
        return try file.read(upTo: file.size)
    }

    /// An open regular file read in pieces, for formats whose header says how much to read (and whether
    /// the data fits a cap) before the data is read. `path` may be raw bytes (a name that is not UTF-8);
    /// `name` is what messages call it.
    public final class Reader: @unchecked Sendable {
        public let name: String
        public let size: Int
        private let fd: Int32

        public convenience init(_ path: String) throws {
            try self.init(rawPath: Array(path.utf8CString), name: path)
        }

        public init(rawPath: [CChar], name: String) throws {
            self.name = name
            // Opened first and then checked with fstat: what is checked is what is read.
            let fd = rawPath.withUnsafeBufferPointer { open($0.baseAddress!, O_RDONLY | O_NONBLOCK) }
            guard fd >= 0 else { throw FormatError(name, describeErrno(errno)) }
            var st = stat()
            guard fstat(fd, &st) == 0 else { let e = errno; close(fd); throw FormatError(name, describeErrno(e)) }
            if (st.st_mode & S_IFMT) == S_IFDIR { close(fd); throw FormatError(name, "is a directory, not a file") }
            guard (st.st_mode & S_IFMT) == S_IFREG else { close(fd); throw FormatError(name, "is not a regular file") }
            self.fd = fd
            size = Int(st.st_size)
        }

        deinit { close(fd) }

        public func seek(to offset: Int) throws {
            guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else { throw FormatError(name, describeErrno(errno)) }
        }

        /// Up to `count` bytes from the current position (fewer only at the end of the file).
        public func read(upTo count: Int) throws -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var done = 0
            while done < count {
                let got = bytes.withUnsafeMutableBytes { buf in Foundation.read(fd, buf.baseAddress! + done, count - done) }
                if got < 0 {
                    if errno == EINTR { continue }
                    throw FormatError(name, describeErrno(errno))
                }
                if got == 0 { break }  // the end, or the file shrank while we read it
                done += got
            }
            return done == count ? bytes : Array(bytes[0..<done])
        }

        /// Exactly `count` bytes from `offset`, without moving the file position (threads may read at once),
        /// into `buffer`; an error when the file ends first (it was cut short while open).
        public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
            var done = 0
            while done < buffer.count {
                let got = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
                if got < 0 {
                    if errno == EINTR { continue }
                    throw FormatError(name, describeErrno(errno))
                }
                guard got > 0 else { throw FormatError(name, "file ended early (it changed while being read?)") }
                done += got
            }
        }

        /// Exactly `count` bytes, or an error saying the file ended early.
        public func read(exactly count: Int) throws -> [UInt8] {
            let bytes = try read(upTo: count)
            guard bytes.count == count else { throw FormatError(name, "file ended early (it changed while being read?)") }
            return bytes
        }
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename,
    /// so an interrupted write never leaves a half-written model or data file behind. A path that is
    /// not a regular file is written through instead: a rename would put a file in place of a device
    /// (`-o /dev/null`, a pipe) or of a symbolic link (whose target is what the user means).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        var info = stat()
        if lstat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFLNK:
                guard let target = realpath(path, nil) else { throw FormatError(path, "cannot write: the link's target does not exist") }
                defer { free(target) }
                return try write(bytes, to: String(cString: target))
            case S_IFDIR: throw FormatError(path, "cannot write: it is a folder")
            default: return try writeThrough(bytes, to: path)
            }
        }
        let tmp = path + ".partial-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FormatError(path, "cannot create: " + describeErrno(errno)) }
        var done = 0
        while done < bytes.count {
            let put = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if put < 0 {
                if errno == EINTR { continue }
                let reason = describeErrno(errno)
                close(fd); unlink(tmp)
                throw FormatError(path, "cannot write: " + reason)
            }
            done += put
        }
        guard close(fd) == 0, rename(tmp, path) == 0 else {
            let reason = describeErrno(errno)
            unlink(tmp)
            throw FormatError(path, "cannot write: " + reason)
        }
    }

    /// Writes into an existing device or pipe as it is.
    static func writeThrough(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_TRUNC)
        guard fd >= 0 else { throw FormatError(path, "cannot write: " + describeErrno(errno)) }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let put = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if put < 0 {
                if errno == EINTR { continue }
                throw FormatError(path, "cannot write: " + describeErrno(errno))
            }
            done += put
        }
    }

    static func describeErrno(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EACCES: return "permission denied"
        case ENOTDIR: return "a part of the path is not a directory"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}
