import ArgumentParser
import Foundation
import LatentCore

/// `latent bench …`: speed figures, printed (never asserted by unit tests).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print speed figures (run a release build: swift run -c release latent bench …).",
        subcommands: [BenchBLAS.self, BenchGEMM.self, BenchTrain.self, BenchDecode.self, BenchGraph.self, BenchUI.self, BenchPCA.self, BenchDirections.self])
}

/// `latent bench blas`: which BLAS and kernel run, why, and whether it agrees with the naive GEMM and SSYRK.
struct BenchBLAS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas", abstract: "The BLAS library, the kernel in use and why, checked against the naive GEMM and SSYRK.")

    func run() throws {
        print(BLASKernel.description)
        let cap = try BLASKernel.levelCap()
        let used = ["avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"].filter(BLASKernel.cpuFlags().contains)
        print("cpu: " + (used.isEmpty ? "no AVX2" : used.joined(separator: " "))
              + (cap.map { " (capped by \(BLASKernel.levelVariable)=\($0))" } ?? ""))
        print("kernels: " + BLASKernel.kernelLevel)
        let ok = BLASKernel.agreesWithNaive()
        print("check: SGEMM (4 shapes × 4 transposes, strided rows, the one-row GEMV path) and SSYRK \(ok ? "agree" : "DO NOT AGREE") with the naive loops")
        if !ok { throw ExitCode(1) }
    }
}

struct BenchGEMM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gemm",
        abstract: "GFLOP/s of the BLAS and naive GEMM paths at the training and decode shapes.")

    @Option(help: "BLAS threads (default: 1 and all cores).")
    var threads: Int?

    @Option(help: "Minimum seconds to time each case.")
    var seconds: Double = 0.5

    func validate() throws {
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be 1…1024") }
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
    }

    func run() throws {
        let shapes: [(label: String, m: Int, k: Int, n: Int)] = [
            ("training 128×784×512", 128, 784, 512),  // a batch through the first encoder layer
            ("decode 1×10×512", 1, 10, 512),           // one latent through the first decoder layer
        ]
        let threadCounts = threads.map { [$0] } ?? Array(Set([1, ComputeThreads.available])).sorted()
        print(BLASKernel.description)
        print("shape (m×k×n)             backend  threads   GFLOP/s      µs/call")
        for s in shapes {
            var rng = SeededRNG(seed: 1)
            let a = Tensor.randomNormal(shape: [s.m, s.k], using: &rng)
            let b = Tensor.randomNormal(shape: [s.k, s.n], using: &rng)
            var c = [Float](repeating: 0, count: s.m * s.n)
            for backend in GEMMBackend.allCases {
                for t in backend == .blas ? threadCounts : [1] {
                    ComputeThreads.set(t)
                    let perCall = time(minSeconds: seconds) {
                        a.data.withUnsafeBufferPointer { ap in
                            b.data.withUnsafeBufferPointer { bp in
                                c.withUnsafeMutableBufferPointer { cp in
                                    sgemm(backend, m: s.m, n: s.n, k: s.k, a: ap.baseAddress!, lda: s.k,
                                          b: bp.baseAddress!, ldb: s.n, c: cp.baseAddress!, ldc: s.n)
                                }
                            }
                        }
                    }
                    let gflops = 2.0 * Double(s.m * s.n * s.k) / perCall / 1e9
                    print(s.label.padding(toLength: 26, withPad: " ", startingAt: 0)
                          + backend.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                          + String(format: "%7d %9.2f %12.2f", t, gflops, perCall * 1e6))
                }
            }
        }
    }
}

/// Seconds per call of `body`, the median of several timed batches after a warm-up.
func time(minSeconds: Double, _ body: () -> Void) -> Double {
    body()
    var reps = 1
    var elapsed = 0.0
    while true {  // find a batch size that takes ≥ 1/10 of the budget
        elapsed = measure(reps, body)
        if elapsed >= minSeconds / 10 { break }
        reps *= 2
    }
    var samples: [Double] = [elapsed / Double(reps)]
    for _ in 0..<6 { samples.append(measure(reps, body) / Double(reps)) }
    return samples.sorted()[samples.count / 2]
}

private func measure(_ reps: Int, _ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<reps { body() }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
