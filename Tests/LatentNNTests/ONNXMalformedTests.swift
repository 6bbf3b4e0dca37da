import Foundation
import LatentCore
import LatentIO
@testable import LatentNN
import ONNXProto
import SwiftProtobuf
import Testing

/// Broken, hostile and unsupported models and manifests are refused with one line naming the file (and
/// the node), never a crash, a hang or a huge allocation; nothing outside the model's folder is read.
@Suite struct ONNXMalformedTests {
    static let valid = fixturesDirectory + "/onnx/mlp-vae-ts"

    /// A scratch folder holding a copy of a valid fixture, removed afterwards.
    final class Scratch {
        let path = NSTemporaryDirectory() + "latent-onnx-\(UUID().uuidString.prefix(8))"
        init() throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for f in try FileManager.default.contentsOfDirectory(atPath: ONNXMalformedTests.valid) {
                try FileManager.default.copyItem(atPath: ONNXMalformedTests.valid + "/" + f, toPath: path + "/" + f)
            }
        }
        func write(_ name: String, _ text: String) throws { try text.write(toFile: path + "/" + name, atomically: true, encoding: .utf8) }
        func write(_ name: String, bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: path + "/" + name)) }
        func write(_ name: String, model: Onnx_ModelProto) throws { try write(name, bytes: Array(try model.serializedData())) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// A tiny valid graph: y = Relu(x · W) with x [1, 4].
    static func tinyModel() -> Onnx_ModelProto {
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 17
        m.opsetImport = [opset]
        var g = Onnx_GraphProto()
        g.input = [valueInfo("x", [1, 4])]
        g.output = [valueInfo("y", [1, 2])]
        g.initializer = [tensor("W", [4, 2], (0..<8).map { Float($0) / 8 })]
        g.node = [node("mm", "MatMul", ["x", "W"], ["h"]), node("act", "Relu", ["h"], ["y"])]
        m.graph = g
        return m
    }

    static func valueInfo(_ name: String, _ dims: [Int64]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = 1
        var s = Onnx_TensorShapeProto()
        s.dim = dims.map { d in var x = Onnx_TensorShapeProto.Dimension(); x.dimValue = d; return x }
        t.shape = s
        v.type.tensorType = t
        return v
    }

    static func tensor(_ name: String, _ dims: [Int64], _ values: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims
        t.dataType = 1
        t.floatData = values
        return t
    }

    static func node(_ name: String, _ op: String, _ inputs: [String], _ outputs: [String]) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.name = name
        n.opType = op
        n.input = inputs
        n.output = outputs
        return n
    }

    /// Each case: what to write into the scratch folder, then the fragment the one-line error must hold.
    nonisolated(unsafe) static let cases: [(String, (Scratch) throws -> Void, String)] = [
        ("manifest not JSON", { try $0.write("model.json", "{kind: vae") }, "not valid JSON"),
        ("manifest an array", { try $0.write("model.json", "[1, 2]") }, "must be a JSON object"),
        ("unknown key", { try $0.write("model.json", #"{"kind":"vae","encoder":"encoder.onnx","decoder":"decoder.onnx","input_shape":[1,28,28],"bogus":1}"#) }, "unknown key 'bogus'"),
        ("unknown kind", { try $0.write("model.json", #"{"kind":"gan","encoder":"encoder.onnx","decoder":"decoder.onnx","input_shape":[1,28,28]}"#) }, "kind 'gan'"),
        ("no encoder", { try $0.write("model.json", #"{"kind":"vae","decoder":"decoder.onnx","input_shape":[1,28,28]}"#) }, "'encoder' is missing"),
        ("absolute path", { try $0.write("model.json", #"{"kind":"vae","encoder":"/etc/passwd","decoder":"decoder.onnx","input_shape":[1,28,28]}"#) }, "outside the manifest's folder"),
        ("parent path", { try $0.write("model.json", #"{"kind":"vae","encoder":"../x/encoder.onnx","decoder":"decoder.onnx","input_shape":[1,28,28]}"#) }, "outside the manifest's folder"),
        ("symlink out", { s in
            try FileManager.default.createSymbolicLink(atPath: s.path + "/link.onnx", withDestinationPath: "/etc/hostname")
            try s.write("model.json", #"{"kind":"vae","encoder":"link.onnx","decoder":"decoder.onnx","input_shape":[1,28,28]}"#)
        }, "leads outside the manifest's folder"),
        ("bad input_shape", { try $0.write("model.json", #"{"kind":"vae","encoder":"encoder.onnx","decoder":"decoder.onnx","input_shape":[28,28]}"#) }, "'input_shape' must be [C, H, W]"),
        ("reversed pixel_range", { try $0.write("model.json", #"{"kind":"vae","encoder":"encoder.onnx","decoder":"decoder.onnx","input_shape":[1,28,28],"pixel_range":[1,-1]}"#) }, "'pixel_range'"),
        ("cvae without classes", { try $0.write("model.json", #"{"kind":"cvae","encoder":"encoder.onnx","decoder":"decoder.onnx","input_shape":[1,28,28]}"#) }, "needs 'class_names'"),
        ("scaling factor on a vqvae", { try $0.write("model.json", #"{"kind":"vqvae","encoder":"encoder.onnx","decoder":"decoder.onnx","codebook":"encoder.onnx","input_shape":[1,28,28],"scaling_factor":0.5}"#) }, "'scaling_factor' is for a continuous latent"),
        ("zero scaling factor", { try $0.write("model.json", #"{"kind":"vae","encoder":"encoder.onnx","decoder":"decoder.onnx","input_shape":[1,28,28],"scaling_factor":0}"#) }, "'scaling_factor' must not be 0"),
        ("distance on a vae", { try $0.write("model.json", #"{"kind":"vae","encoder":"encoder.onnx","decoder":"decoder.onnx","input_shape":[1,28,28],"distance":"cosine"}"#) }, "'distance' is for a vqvae"),
        ("unknown distance", { try $0.write("model.json", #"{"kind":"vqvae","encoder":"encoder.onnx","decoder":"decoder.onnx","codebook":"encoder.onnx","input_shape":[1,28,28],"distance":"manhattan"}"#) }, "'distance' must be \"euclidean\" or \"cosine\""),
        ("ae with a two-output encoder", { try $0.write("model.json", #"{"kind":"ae","encoder":"encoder.onnx","decoder":"decoder.onnx","input_shape":[1,28,28]}"#) }, "an ae encoder returns one latent"),
        ("vqvae without codebook", { try $0.write("model.json", #"{"kind":"vqvae","encoder":"encoder.onnx","decoder":"decoder.onnx","input_shape":[1,28,28]}"#) }, "'codebook' is missing"),
        ("shape that does not fit the model", { try $0.write("model.json", #"{"kind":"vae","encoder":"encoder.onnx","decoder":"decoder.onnx","input_shape":[3,32,32]}"#) }, "encoder.onnx: input 'x' has shape [1, 3, 32, 32]"),
        ("kind that does not fit the graph", { s in
            try Data(try Data(contentsOf: URL(fileURLWithPath: fixturesDirectory + "/onnx/vqvae-rgb-ts/codebook.npy"))).write(to: URL(fileURLWithPath: s.path + "/codebook.npy"))
            try s.write("model.json", #"{"kind":"vqvae","encoder":"encoder.onnx","decoder":"decoder.onnx","codebook":"codebook.npy","input_shape":[1,28,28]}"#)
        }, "a vqvae encoder returns z_e [N, D, h, w]"),
        ("empty onnx", { try $0.write("encoder.onnx", bytes: []) }, "encoder.onnx: no graph"),
        ("garbage onnx", { try $0.write("encoder.onnx", bytes: Array("this is not a protobuf at all, just text\n".utf8)) }, "encoder.onnx: not an ONNX model"),
        ("truncated onnx", { s in
            let bytes = try Data(contentsOf: URL(fileURLWithPath: ONNXMalformedTests.valid + "/encoder.onnx"))
            try s.write("encoder.onnx", bytes: Array(bytes.prefix(bytes.count / 2)))
        }, "encoder.onnx: not an ONNX model"),
        ("unknown op", { s in
            var m = tinyModel(); m.graph.node[1].opType = "FancyActivation"
            try s.write("encoder.onnx", model: m)
        }, "node 'act' (FancyActivation): op 'FancyActivation' is not supported"),
        ("control flow", { s in
            var m = tinyModel(); m.graph.node[1].opType = "If"
            try s.write("encoder.onnx", model: m)
        }, "(control flow)"),
        ("cycle", { s in
            var m = tinyModel(); m.graph.node[0].input = ["x", "y"]; m.graph.initializer = []
            try s.write("encoder.onnx", model: m)
        }, "cycle"),
        ("value produced twice", { s in
            var m = tinyModel(); m.graph.node[1].output = ["h"]
            try s.write("encoder.onnx", model: m)
        }, "produced twice"),
        ("lying tensor size", { s in
            var m = tinyModel(); m.graph.initializer[0].dims = [4, 2_000_000]
            try s.write("encoder.onnx", model: m)
        }, "tensor 'W' has 8 values for shape [4, 2000000]"),
        ("allocation bomb", { s in
            var m = tinyModel()
            var shape = Onnx_TensorProto(); shape.name = "big"; shape.dims = [2]; shape.dataType = 7; shape.int64Data = [1 << 20, 1 << 20]
            m.graph.initializer.append(shape)
            m.graph.node.append(node("bomb", "ConstantOfShape", ["big"], ["z"]))
            try s.write("encoder.onnx", model: m)
        }, "node 'bomb' (ConstantOfShape): shape [1048576, 1048576] has 1099511627776 elements"),
        ("external data outside the folder", { s in
            var m = tinyModel()
            m.graph.initializer[0].floatData = []
            m.graph.initializer[0].dataLocation = .external
            var loc = Onnx_StringStringEntryProto(); loc.key = "location"; loc.value = "../../etc/passwd"
            m.graph.initializer[0].externalData = [loc]
            try s.write("encoder.onnx", model: m)
        }, "outside the model's folder"),
        ("NaN weights", { s in
            var m = tinyModel(); m.graph.initializer[0].floatData[3] = .nan
            try s.write("encoder.onnx", model: m)
        }, "initializer 'W' holds NaN or infinite values"),
        ("foreign domain", { s in
            var m = tinyModel(); m.graph.node[1].domain = "com.microsoft"
            try s.write("encoder.onnx", model: m)
        }, "domain 'com.microsoft' is not supported"),
        ("codebook not a matrix", { s in
            try Data(NPY.encode(Tensor(shape: [5], data: [1, 2, 3, 4, 5]))).write(to: URL(fileURLWithPath: s.path + "/codebook.npy"))
            try s.write("model.json", #"{"kind":"vqvae","encoder":"encoder.onnx","decoder":"decoder.onnx","codebook":"codebook.npy","input_shape":[1,28,28]}"#)
        }, "a codebook is (K, D)"),
    ]

    @Test(arguments: cases.indices)
    func refusedWithOneLine(_ i: Int) throws {
        let (name, make, fragment) = Self.cases[i]
        let s = try Scratch()
        try make(s)
        do {
            _ = try ImportedAutoencoder.load(s.path + "/model.json")
            Issue.record("\(name): loaded")
        } catch {
            let text = "\(error)"
            #expect(text.contains(fragment), "\(name): \(text)")
            #expect(!text.contains("\n"), "\(name): more than one line: \(text)")
        }
    }

    /// A seeded loop of mutations of a valid file (bytes flipped, cut, repeated): each result loads and
    /// runs, or is refused; never a crash or a runaway allocation.
    @Test func mutatedFilesLoadOrAreRefused() throws {
        let s = try Scratch()
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.valid + "/decoder.onnx")))
        var rng = SeededRNG(seed: UInt64(ProcessInfo.processInfo.environment["LATENT_FUZZ_SEED"] ?? "") ?? 11)
        var loaded = 0, refused = 0
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<(1 + rng.nextInt(below: 8)) {
                switch rng.nextInt(below: 4) {
                case 0: bytes[rng.nextInt(below: bytes.count)] = UInt8(rng.nextInt(below: 256))
                case 1: bytes[rng.nextInt(below: bytes.count)] ^= UInt8(1 << rng.nextInt(below: 8))
                case 2: bytes = Array(bytes.prefix(rng.nextInt(below: bytes.count)))
                default:
                    let at = rng.nextInt(below: bytes.count), n = rng.nextInt(below: 16)
                    bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + n)], at: at)
                }
                if bytes.isEmpty { bytes = [0x08] }
            }
            try s.write("decoder.onnx", bytes: bytes)
            do {
                let m = try ImportedAutoencoder.load(s.path + "/model.json")
                _ = try m.decodeLatents(Tensor(zeros: [2, m.latentDim]))
                loaded += 1
            } catch {
                refused += 1
                #expect(!"\(error)".contains("\n"))
            }
        }
        #expect(loaded + refused == 300 && refused > 0)
    }
}
