import Foundation
import LatentCore
import LatentOps
import LatentIO
import ONNXProto
import SwiftProtobuf

/// An ONNX file read into a `Graph`, with what `latent info` says about it.
public struct ONNXModel: Sendable {
    public let path: String
    public let graph: Graph
    public let opset: Int
    public let producer: String
    /// Parameters: elements of all float initializers.
    public let parameterCount: Int

    /// Reads and checks an ONNX model. Every problem is one line starting with the file's name.
    /// External tensor data is read only from files inside the model's folder.
    public static func load(_ path: String) throws -> ONNXModel {
        let name = (path as NSString).lastPathComponent
        do {
            let bytes = try FileBytes.read(path, limit: 2 << 30)
            let proto: Onnx_ModelProto
            do {
                var options = BinaryDecodingOptions()
                options.messageDepthLimit = 64
                proto = try Onnx_ModelProto(serializedBytes: bytes, options: options)
            } catch {
                throw GraphError("not an ONNX model (protobuf: \(error))")
            }
            guard proto.hasGraph else { throw GraphError("no graph in the file") }
            let opsets = proto.opsetImport.filter { $0.domain.isEmpty || $0.domain == "ai.onnx" }
            let opset = Int(opsets.first?.version ?? 0)
            guard !proto.opsetImport.isEmpty else { throw GraphError("no opset_import") }
            guard opset == 0 || (7...22).contains(opset) else { throw GraphError("opset \(opset) is not supported (7–22)") }
            let folder = ((path as NSString).deletingLastPathComponent as NSString).standardizingPath
            let reader = TensorReader(folder: folder.isEmpty ? "." : folder)
            let g = proto.graph
            var initializers: [String: GraphValue] = [:]
            var parameters = 0
            for t in g.initializer {
                let v = try reader.value(t)
                if case .float(let w) = v, w.data.contains(where: { !$0.isFinite }) {
                    throw GraphError("initializer '\(t.name)' holds NaN or infinite values")
                }
                if v.isFloat { parameters += v.count }
                initializers[t.name] = v
            }
            let inputs = try g.input.filter { initializers[$0.name] == nil }.map { info -> Graph.Input in
                guard info.type.tensorType.hasShape else { return Graph.Input(name: info.name, dims: []) }
                let dims = try info.type.tensorType.shape.dim.map { d -> Int? in
                    if case .dimValue(let v)? = d.value {
                        guard v >= 0, v <= Int64(maxGraphElements) else { throw GraphError("input '\(info.name)' has extent \(v)") }
                        return Int(v)
                    }
                    return nil
                }
                return Graph.Input(name: info.name, dims: dims)
            }
            let nodes = try g.node.enumerated().map { i, n -> GraphNode in
                guard n.domain.isEmpty || n.domain == "ai.onnx" else {
                    throw GraphError("node '\(n.name.isEmpty ? "#\(i)" : n.name)' (\(n.opType)): domain '\(n.domain)' is not supported")
                }
                var attributes: [String: GraphAttribute] = [:]
                for a in n.attribute { attributes[a.name] = try reader.attribute(a, node: n.name.isEmpty ? "#\(i)" : n.name, op: n.opType) }
                return GraphNode(name: n.name.isEmpty ? "#\(i)" : n.name, op: n.opType, inputs: n.input, outputs: n.output, attributes: attributes,
                                 opset: opset == 0 ? 22 : opset)
            }
            let graph = try Graph(inputs: inputs, outputs: g.output.map(\.name), nodes: nodes, initializers: initializers)
            return ONNXModel(path: path, graph: graph, opset: opset, producer: [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " "),
                             parameterCount: parameters)
        } catch let e as GraphError {
            throw FormatError(name, e.description)
        }
    }
}

/// Decodes ONNX tensors: raw little-endian bytes or the typed repeated fields, float16/bfloat16/double
/// converted to Float, integers kept as integers; external data from inside the model's folder only.
struct TensorReader {
    let folder: String

    func attribute(_ a: Onnx_AttributeProto, node: String, op: String) throws -> GraphAttribute {
        switch a.type {
        case .int: return .int(try small(a.i))
        case .float: return .float(a.f)
        case .string: return .string(String(decoding: a.s, as: UTF8.self))
        case .ints: return .ints(try a.ints.map(small))
        case .floats: return .floats(a.floats)
        case .tensor: return .tensor(try value(a.t))
        case .graph, .graphs:
            throw GraphError("node '\(node)' (\(op)): attribute '\(a.name)' holds a subgraph (control flow is not supported)")
        default:
            // Files from old exporters leave the type out; the field that is set tells.
            if !a.ints.isEmpty { return .ints(try a.ints.map(small)) }
            if !a.floats.isEmpty { return .floats(a.floats) }
            if a.hasT { return .tensor(try value(a.t)) }
            if a.hasS { return .string(String(decoding: a.s, as: UTF8.self)) }
            if a.hasF { return .float(a.f) }
            return .int(try small(a.i))
        }
    }

    func small(_ v: Int64) throws -> Int {
        guard v >= Int64(Int.min / 2), v <= Int64(Int.max / 2) else { return v < 0 ? Int.min / 2 : Int.max / 2 }
        return Int(v)
    }

    func value(_ t: Onnx_TensorProto) throws -> GraphValue {
        let label = t.name.isEmpty ? "a tensor" : "tensor '\(t.name)'"
        let shape = try t.dims.map { d -> Int in
            guard d >= 0, d <= Int64(maxGraphElements) else { throw GraphError("\(label) has extent \(d)") }
            return Int(d)
        }
        let count: Int
        do { count = try checkedCount(shape) } catch { throw GraphError("\(label): \(error)") }
        var raw: Data? = t.hasRawData ? t.rawData : nil
        if t.dataLocation == .external { raw = try external(t, label: label) }
        let type = Int(t.dataType)
        func check(_ n: Int) throws { guard n == count else { throw GraphError("\(label) has \(n) values for shape \(shape)") } }
        if let raw {
            let width: Int
            switch type {
            case 1, 6, 12: width = 4
            case 7, 11, 13: width = 8
            case 10, 16, 5, 4: width = 2
            case 2, 3, 9: width = 1
            default: throw GraphError("\(label) has data type \(type), which is not supported")
            }
            try check(raw.count / width)
            guard raw.count == count * width else { throw GraphError("\(label) has \(raw.count) bytes for \(count) values") }
            return raw.withUnsafeBytes { p -> GraphValue in
                func at<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T { T(littleEndian: p.loadUnaligned(fromByteOffset: i * width, as: T.self)) }
                switch type {
                case 1: return .float(Tensor(shape: shape, data: (0..<count).map { Float(bitPattern: at($0, UInt32.self)) }))
                case 11: return .float(Tensor(shape: shape, data: (0..<count).map { Float(Double(bitPattern: at($0, UInt64.self))) }))
                case 10: return .float(Tensor(shape: shape, data: (0..<count).map { Float(Float16(bitPattern: at($0, UInt16.self))) }))
                case 16: return .float(Tensor(shape: shape, data: (0..<count).map { Float(bitPattern: UInt32(at($0, UInt16.self)) << 16) }))
                case 6: return .int((0..<count).map { Int(Int32(bitPattern: at($0, UInt32.self))) }, shape: shape)
                case 7: return .int((0..<count).map { Int(Int64(bitPattern: at($0, UInt64.self))) }, shape: shape)
                case 12: return .int((0..<count).map { Int(at($0, UInt32.self)) }, shape: shape)
                case 13: return .int((0..<count).map { Int(truncatingIfNeeded: at($0, UInt64.self)) }, shape: shape)
                case 5: return .int((0..<count).map { Int(Int16(bitPattern: at($0, UInt16.self))) }, shape: shape)
                case 4: return .int((0..<count).map { Int(at($0, UInt16.self)) }, shape: shape)
                case 3: return .int((0..<count).map { Int(Int8(bitPattern: at($0, UInt8.self))) }, shape: shape)
                default: return .int((0..<count).map { Int(at($0, UInt8.self)) }, shape: shape)  // uint8, bool
                }
            }
        }
        switch type {
        case 1: try check(t.floatData.count); return .float(Tensor(shape: shape, data: t.floatData))
        case 11: try check(t.doubleData.count); return .float(Tensor(shape: shape, data: t.doubleData.map { Float($0) }))
        case 10:
            try check(t.int32Data.count)
            return .float(Tensor(shape: shape, data: t.int32Data.map { Float(Float16(bitPattern: UInt16(truncatingIfNeeded: $0))) }))
        case 16:
            try check(t.int32Data.count)
            return .float(Tensor(shape: shape, data: t.int32Data.map { Float(bitPattern: UInt32(UInt16(truncatingIfNeeded: $0)) << 16) }))
        case 7: try check(t.int64Data.count); return .int(try t.int64Data.map(small), shape: shape)
        case 13: try check(t.uint64Data.count); return .int(t.uint64Data.map { Int(truncatingIfNeeded: $0) }, shape: shape)
        case 2, 3, 4, 5, 6, 9, 12: try check(t.int32Data.count); return .int(t.int32Data.map { Int($0) }, shape: shape)
        default: throw GraphError("\(label) has data type \(type), which is not supported")
        }
    }

    /// Bytes of an external tensor: `location` relative to the model's folder and resolving inside it.
    func external(_ t: Onnx_TensorProto, label: String) throws -> Data {
        var info: [String: String] = [:]
        for e in t.externalData { info[e.key] = e.value }
        guard let location = info["location"], !location.isEmpty else { throw GraphError("\(label): external data without a location") }
        guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw GraphError("\(label): external data '\(location)' is outside the model's folder")
        }
        let full = (folder as NSString).appendingPathComponent(location)
        let resolved = (full as NSString).resolvingSymlinksInPath, base = (folder as NSString).resolvingSymlinksInPath
        guard resolved.hasPrefix(base.hasSuffix("/") ? base : base + "/") else {
            throw GraphError("\(label): external data '\(location)' is outside the model's folder")
        }
        let offset = Int(info["offset"] ?? "0") ?? -1, length = info["length"].map { Int($0) ?? -1 }
        guard offset >= 0, length.map({ $0 >= 0 }) ?? true else { throw GraphError("\(label): bad external offset or length") }
        let bytes: [UInt8]
        do { bytes = try FileBytes.read(resolved, limit: 2 << 30) } catch { throw GraphError("\(label): \(error)") }
        let end = length.map { offset + $0 } ?? bytes.count
        guard offset <= bytes.count, end <= bytes.count, end >= offset else {
            throw GraphError("\(label): external data range \(offset)..<\(end) is outside '\(location)' (\(bytes.count) bytes)")
        }
        return Data(bytes[offset..<end])
    }
}
