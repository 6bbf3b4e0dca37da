import Foundation
import LatentCore

/// Images left in their file and read a batch at a time: a data set larger than is held in memory as
/// Float (a million 28×28 images are 3.1 GB of Float, 784 MB as the uint8 file holds them). A `.npy`
/// of any dtype or an uncompressed IDX file; the header is read and checked at once, the values when
/// asked for. Reads use `pread`, not a memory map: a file cut short while open gives a short read and
/// a one-line error, where a mapping would stop the process with SIGBUS. Integer values are checked
/// to be 0–255 and float values finite as each batch is read, the first bad one named by its image.
public final class ImageFile: @unchecked Sendable {
    /// The file's name, for messages.
    public let name: String
    public let count: Int
    /// (C, H, W) of one image.
    public let shape: [Int]
    /// Integer (0–255 intensities) or bool values rather than float ones.
    public let isInteger: Bool
    let isBool: Bool
    private let dtype: NPY.DType
    private let channelsLast: Bool
    private let dataOffset: Int
    private let file: FileBytes.Reader

    public var valuesPerImage: Int { shape.reduce(1, *) }
    /// Values in the whole file.
    public var valueCount: Int { count * valuesPerImage }

    private init(file: FileBytes.Reader, dtype: NPY.DType, count: Int, shape: [Int], channelsLast: Bool, dataOffset: Int) {
        self.file = file
        name = (file.name as NSString).lastPathComponent
        self.dtype = dtype
        self.count = count
        self.shape = shape
        self.channelsLast = channelsLast
        self.dataOffset = dataOffset
        isInteger = dtype.isInteger
        isBool = dtype.kind == .bool
    }

    /// A `.npy` of images laid out (N, H, W), (N, C, H, W) or (N, H, W, C) for images of `shape` (C, H, W).
    public static func npy(_ path: String, shape: [Int]) throws -> ImageFile {
        let file = try FileBytes.Reader(path)
        let name = (path as NSString).lastPathComponent
        let head = try file.read(upTo: min(file.size, 1 << 20))
        let (dims, dtype, offset) = try NPY.header(head, source: name, fileSize: file.size, maxValues: Int.max)
        let (count, channelsLast) = try layout(dims, shape: shape, name: name)
        return ImageFile(file: file, dtype: dtype, count: count, shape: shape, channelsLast: channelsLast, dataOffset: offset)
    }

    /// An uncompressed IDX file of images [N, H, W] or [N, H, W, C] (C = 1 or 3).
    public static func idx(_ path: String) throws -> ImageFile {
        let file = try FileBytes.Reader(path)
        let name = (path as NSString).lastPathComponent
        let magic = try file.read(upTo: 4)
        guard magic.count == 4, magic[0] == 0, magic[1] == 0 else { throw FormatError(name, "not an uncompressed IDX file") }
        guard let type = IDXArray.ElementType(rawValue: magic[2]) else { throw FormatError(name, "unknown IDX element type code \(magic[2])") }
        let rank = Int(magic[3])
        guard rank == 3 || rank == 4 else { throw FormatError(name, "expected images of rank 3 or 4, found rank \(rank)") }
        var reader = ByteReader(try file.read(upTo: 4 * rank), offset: 0)
        var dims: [Int] = []
        for _ in 0..<rank {
            guard let d = reader.u32BE() else { throw FormatError(name, "file ends inside its dimensions") }
            dims.append(Int(d))
        }
        guard rank == 3 || [1, 3].contains(dims[3]) else {
            throw FormatError(name, "expected images of shape [N, height, width] or [N, height, width, 1|3], found \(dims)")
        }
        guard let n = Tensor.elementCount(dims), case let (needed, overflow) = n.multipliedReportingOverflow(by: type.size), !overflow,
              needed == file.size - 4 - 4 * rank else {
            throw FormatError(name, "dimensions \(dims) of \(type.name) do not match the file's \(grouped(file.size - 4 - 4 * rank)) bytes of data")
        }
        let descr = type == .u8 ? "|u1" : type == .i8 ? "|i1" : type == .i16 ? ">i2" : type == .i32 ? ">i4" : type == .f32 ? ">f4" : ">f8"
        let c = rank == 4 ? dims[3] : 1
        return ImageFile(file: file, dtype: NPY.DType(descr)!, count: dims[0], shape: [c, dims[1], dims[2]], channelsLast: true,
                         dataOffset: 4 + 4 * rank)
    }

    /// The image count and whether channels come last, for an array of `dims` holding images of `shape`.
    static func layout(_ dims: [Int], shape: [Int], name: String) throws -> (count: Int, channelsLast: Bool) {
        let (c, h, w) = (shape[0], shape[1], shape[2])
        let count: Int, channelsLast: Bool
        switch dims.count {
        case 3 where c == 1 && dims[1] == h && dims[2] == w: (count, channelsLast) = (dims[0], false)
        case 4 where Array(dims.dropFirst()) == shape: (count, channelsLast) = (dims[0], false)
        case 4 where dims[1] == h && dims[2] == w && dims[3] == c: (count, channelsLast) = (dims[0], c > 1)
        default: throw FormatError(name, "holds images of shape \(dims); the model takes \(shape) (N×H×W, N×H×W×C or N×C×H×W)")
        }
        guard count > 0 else { throw FormatError(name, "holds no images (its shape is \(dims))") }
        return (count, channelsLast)
    }

    /// The values of images `range` as the file holds them (0–255 for integers), channels first.
    public func read(_ range: Range<Int>) throws -> [Float] {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "images \(range) of \(count)")
        let per = valuesPerImage, n = range.count * per
        var bytes = [UInt8](repeating: 0, count: n * dtype.size)
        try bytes.withUnsafeMutableBytes { try file.read(at: dataOffset + range.lowerBound * per * dtype.size, into: $0) }
        var values = [Float](repeating: 0, count: n)
        values.withUnsafeMutableBufferPointer { out in bytes.withUnsafeBytes { NPY.convert($0, count: n, dtype, into: out.baseAddress!) } }
        if !isBool && !(dtype.kind == .unsigned && dtype.size == 1) {
            try ImageValues.check(values, perImage: per, integer: isInteger, source: name, firstImage: range.lowerBound)
        }
        guard channelsLast else { return values }
        return PixelValues.channelsFirst(values, images: range.count, plane: shape[1] * shape[2], channels: shape[0])
    }
}
