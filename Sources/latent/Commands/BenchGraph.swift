import ArgumentParser
import Foundation
import LatentCore
import LatentNN
import LatentOps

/// `latent bench graph`: one ONNX file run alone, batch 1, on random inputs of its declared shape — any
/// encoder or decoder, whatever latent it has — with the time spent in each op type.
struct BenchGraph: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Single-threaded latency (µs, median, p99 and fastest) of ONNX files run alone on random inputs (symbolic extents 1), and where the time goes by op.")

    @Option(help: "Runs per file.") var count = 200
    @Flag(help: "Also print the time per op type (median run's share).") var profile = false
    @Argument(help: "ONNX files.") var files: [String]

    func validate() throws {
        guard (1...10_000_000).contains(count) else { throw ValidationError("--count must be 1…10,000,000") }
        guard !files.isEmpty else { throw ValidationError("give one or more .onnx files") }
    }

    func run() throws {
        ComputeThreads.useSingle()
        ComputeThreads.flushSubnormalsOnThisThread()
        print("graph                                    median µs     p99 µs   min µs   (\(count) runs, batch 1, 1 thread)")
        for path in files {
            let model = try ONNXModel.load(path)
            var rng = SeededRNG(seed: 1)
            var feeds: [String: GraphValue] = [:]
            for input in model.graph.inputs {
                feeds[input.name] = .float(Tensor.randomNormal(shape: input.dims.map { $0 ?? 1 }, using: &rng))
            }
            var samples: [Double] = []
            var perOp: [String: Double] = [:]
            var flops: [String: Double] = [:]  // multiply-adds ×2 per op type, one run
            let warmUp = Swift.min(20, count)
            for i in 0..<(count + warmUp) {
                var last = DispatchTime.now().uptimeNanoseconds
                let t0 = last
                var times: [String: Double] = [:]
                _ = try model.graph.run(feeds, observe: profile ? { node, outputs in
                    let now = DispatchTime.now().uptimeNanoseconds
                    let op = node.fusedActivation == nil ? node.op : node.op + "+act"
                    times[op, default: 0] += Double(now - last) / 1000
                    if i == 0, node.op.hasPrefix("Conv"), let w = model.graph.constants[node.inputs[1]], let y = outputs.first {
                        // Conv: each output element takes C/g·kh·kw products; ConvTranspose each input element OC/g·kh·kw.
                        let perElement = Double(w.shape.dropFirst().reduce(1, *))
                        flops[op, default: 0] += 2 * perElement * Double(node.op == "Conv" ? y.count : y.count * w.shape[0] / Swift.max(1, y.shape[1] * w.shape[1]))
                    }
                    last = now
                } : nil)
                guard i >= warmUp else { continue }
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1000)
                for (op, t) in times { perOp[op, default: 0] += t }
            }
            samples.sort()
            let name = (path as NSString).lastPathComponent.padding(toLength: 38, withPad: " ", startingAt: 0)
            // The fastest run: what the graph costs when nothing else ran on its core (on a shared machine the
            // median also counts the other work's share).
            print(name + String(format: "%12.1f %10.1f %8.1f", samples[samples.count / 2], samples[samples.count * 99 / 100], samples[0]))
            guard profile else { continue }
            let total = perOp.values.reduce(0, +)
            for (op, t) in perOp.sorted(by: { $0.value > $1.value }) where t / total >= 0.005 {
                let rate = flops[op].map { String(format: "  %6.1f GFLOP/s", $0 / (t / Double(count)) / 1000) } ?? ""
                print("    " + op.padding(toLength: 24, withPad: " ", startingAt: 0) + String(format: "%10.1f µs %6.1f %%", t / Double(count), 100 * t / total) + rate)
            }
        }
    }
}
