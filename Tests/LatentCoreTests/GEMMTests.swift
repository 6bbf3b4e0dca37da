import Testing
@testable import LatentCore

/// The BLAS path must agree with the naive reference on every shape class the models use.
@Suite struct GEMMTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let m, n, k: Int
        let transA, transB: Transpose
        var alpha: Float = 1
        var beta: Float = 0
        var pad = 0  // extra elements per stored row, to exercise leading dimensions
        var testDescription: String { "\(m)×\(k)·\(k)×\(n) tA=\(transA) tB=\(transB) α=\(alpha) β=\(beta) pad=\(pad)" }
    }

    static let cases: [Case] = [
        Case(m: 17, n: 17, k: 17, transA: .none, transB: .none),          // square
        Case(m: 128, n: 64, k: 784, transA: .none, transB: .none),        // training-like
        Case(m: 300, n: 3, k: 20, transA: .none, transB: .none),          // tall
        Case(m: 1, n: 512, k: 10, transA: .none, transB: .none),          // 1×N (decode)
        Case(m: 200, n: 1, k: 33, transA: .none, transB: .none),          // N×1
        Case(m: 1, n: 1, k: 1000, transA: .none, transB: .none),          // dot product
        Case(m: 31, n: 45, k: 12, transA: .transposed, transB: .none),    // dW = Xᵀ·dY
        Case(m: 31, n: 45, k: 12, transA: .none, transB: .transposed),    // Y = X·Wᵀ (PyTorch Linear)
        Case(m: 9, n: 70, k: 5, transA: .transposed, transB: .transposed),
        Case(m: 23, n: 19, k: 29, transA: .none, transB: .none, alpha: 0.5, beta: 1),   // accumulate
        Case(m: 23, n: 19, k: 29, transA: .transposed, transB: .none, alpha: -2, beta: 0.25, pad: 3),
        Case(m: 5, n: 4, k: 0, transA: .none, transB: .none, beta: 1),    // empty inner dimension
        Case(m: 65, n: 33, k: 127, transA: .transposed, transB: .transposed, pad: 1),  // odd strides
        // One row: the GEMV path, both of its forms, strided.
        Case(m: 1, n: 37, k: 51, transA: .none, transB: .transposed, pad: 5),          // batch-1 Linear
        Case(m: 1, n: 37, k: 51, transA: .transposed, transB: .none, alpha: 0.5, beta: 1, pad: 3),
        Case(m: 1, n: 37, k: 51, transA: .transposed, transB: .transposed, beta: -1, pad: 7),
    ]

    @Test(arguments: cases)
    func blasMatchesNaive(_ c: Case) {
        var rng = SeededRNG(seed: UInt64(c.m * 1000 + c.n * 10 + c.k))
        let aRows = c.transA == .none ? c.m : c.k, aCols = c.transA == .none ? c.k : c.m
        let bRows = c.transB == .none ? c.k : c.n, bCols = c.transB == .none ? c.n : c.k
        let lda = aCols + c.pad, ldb = bCols + c.pad, ldc = c.n + c.pad
        let a = (0..<(aRows * max(lda, 1))).map { _ in rng.nextNormal() }
        let b = (0..<(bRows * max(ldb, 1))).map { _ in rng.nextNormal() }
        let c0 = (0..<(c.m * ldc)).map { _ in rng.nextNormal() }
        var fast = c0, slow = c0
        for backend in [GEMMBackend.blas, .naive] {
            var out = c0
            out.withUnsafeMutableBufferPointer { cp in
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        sgemm(backend, transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                              a: ap.baseAddress!, lda: max(lda, 1), b: bp.baseAddress!, ldb: max(ldb, 1),
                              beta: c.beta, c: cp.baseAddress!, ldc: ldc)
                    }
                }
            }
            if backend == .blas { fast = out } else { slow = out }
        }
        // Float32 sums of k products of unit normals: error grows like sqrt(k)·ε·|terms|.
        let tolerance = Float(1e-5) * Float(max(c.k, 1)).squareRoot() * 10
        var worst: Float = 0
        for i in 0..<c.m {
            for j in 0..<c.n { worst = max(worst, abs(fast[i * ldc + j] - slow[i * ldc + j])) }
            // padding columns must be untouched
            for j in c.n..<ldc { #expect(fast[i * ldc + j] == c0[i * ldc + j]) }
        }
        #expect(worst <= tolerance, "largest difference \(worst) > \(tolerance)")
    }

    @Test func naiveComputesAHandWorkedProduct() {
        // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
        let a = Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], data: [7, 8, 9, 10, 11, 12])
        for backend in GEMMBackend.allCases {
            #expect(a.matmul(b, backend: backend).data == [58, 64, 139, 154])
            #expect(a.matmul(a, transposeOther: true, backend: backend).data == [14, 32, 32, 77])
            #expect(a.matmul(a, transposeSelf: true, backend: backend).shape == [3, 3])
        }
    }

    @Test func betaZeroIgnoresGarbageInC() {
        let a: [Float] = [1, 2], b: [Float] = [3, 4]
        for backend in GEMMBackend.allCases {
            var c: [Float] = [.nan]
            sgemm(backend, m: 1, n: 1, k: 2, a: a, lda: 2, b: b, ldb: 1, beta: 0, c: &c, ldc: 1)
            #expect(c == [11])
        }
    }

    @Test func threadCountDoesNotChangeTheProduct() {
        // Tall C (split by rows) and short, wide C (split by columns), every transpose combination,
        // against the naive reference.
        var rng = SeededRNG(seed: 7)
        let before = ComputeThreads.current
        defer { ComputeThreads.set(before) }
        for (m, n, k) in [(256, 200, 300), (8, 2000, 300)] {
            for transA in [Transpose.none, .transposed] {
                for transB in [Transpose.none, .transposed] {
                    let a = Tensor.randomNormal(shape: transA == .none ? [m, k] : [k, m], using: &rng)
                    let b = Tensor.randomNormal(shape: transB == .none ? [k, n] : [n, k], using: &rng)
                    func product(_ backend: GEMMBackend) -> [Float] {
                        var c = [Float](repeating: 0, count: m * n)
                        sgemm(backend, transA: transA, transB: transB, m: m, n: n, k: k, a: a.data, lda: a.shape[1],
                              b: b.data, ldb: b.shape[1], c: &c, ldc: n)
                        return c
                    }
                    ComputeThreads.set(1)
                    let one = product(.blas)
                    ComputeThreads.set(3)
                    let split = product(.blas)
                    let reference = product(.naive)
                    let worst = zip(split, reference).map { abs($0 - $1) }.max() ?? 1
                    #expect(worst < 1e-3, "m \(m) n \(n) \(transA) \(transB)")
                    #expect(zip(one, split).map { abs($0 - $1) }.max() ?? 1 < 1e-3)
                }
            }
        }
    }
}

/// Which kernel latent asks OpenBLAS for (the decision alone; the re-exec is checked from the CLI tests).
@Suite struct BLASKernelTests {
    @Test func onlyAWeakFallbackOnACapableCPUIsReplaced() {
        let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]
        let avx2: Set<String> = ["sse3", "avx", "avx2", "fma"]
        #expect(BLASKernel.recommendedCore(reported: "Prescott", cpuFlags: avx512) == "SkylakeX")
        #expect(BLASKernel.recommendedCore(reported: "Prescott", cpuFlags: avx2) == "Haswell")
        #expect(BLASKernel.recommendedCore(reported: "Sandybridge", cpuFlags: avx2) == "Haswell")
        // A CPU without the features, or a kernel OpenBLAS already chose well, is left alone.
        #expect(BLASKernel.recommendedCore(reported: "Prescott", cpuFlags: ["sse3", "avx"]) == nil)
        #expect(BLASKernel.recommendedCore(reported: "Zen", cpuFlags: avx2) == nil)
        #expect(BLASKernel.recommendedCore(reported: "SkylakeX", cpuFlags: avx512) == nil)
        #expect(BLASKernel.recommendedCore(reported: "Haswell", cpuFlags: avx512) == nil)
        // AVX-512 without all four subsets SkylakeX needs falls back to Haswell.
        #expect(BLASKernel.recommendedCore(reported: "Prescott", cpuFlags: avx2.union(["avx512f"])) == "Haswell")
    }

    /// LATENT_CPU_LEVEL: an AVX-512 core is replaced under `avx2`, every core with AVX under `baseline`;
    /// a core already within the cap is kept, and a misspelt level is refused rather than ignored.
    @Test func anInstructionSetCapChoosesACoreWithinIt() throws {
        #expect(BLASKernel.cappedCore(reported: "Cooperlake", level: "avx2") == "Haswell")
        #expect(BLASKernel.cappedCore(reported: "SkylakeX", level: "avx2") == "Haswell")
        #expect(BLASKernel.cappedCore(reported: "Zen", level: "avx2") == nil)
        #expect(BLASKernel.cappedCore(reported: "Haswell", level: "avx2") == nil)
        #expect(BLASKernel.cappedCore(reported: "Cooperlake", level: "baseline") == "Prescott")
        #expect(BLASKernel.cappedCore(reported: "Sandybridge", level: "baseline") == "Prescott")
        #expect(BLASKernel.cappedCore(reported: "Prescott", level: "baseline") == nil)
        #expect(BLASKernel.cappedCore(reported: "Zen", level: "baseline") == "Prescott")
        #expect(BLASKernel.cappedCore(reported: "ARMV8", level: "baseline") == nil)  // not an x86 core
        #expect(BLASKernel.cappedCore(reported: "Cooperlake", level: "avx512") == nil)
        #expect(try BLASKernel.levelCap([:]) == nil)
        #expect(try BLASKernel.levelCap(["LATENT_CPU_LEVEL": "avx512"]) == nil)
        #expect(try BLASKernel.levelCap(["LATENT_CPU_LEVEL": "avx2"]) == "avx2")
        #expect(try BLASKernel.levelCap(["LATENT_CPU_LEVEL": "baseline"]) == "baseline")
        #expect(throws: BLASKernel.LevelError.self) { try BLASKernel.levelCap(["LATENT_CPU_LEVEL": "AVX-2"]) }
    }

    @Test(arguments: [(rows: 300, d: 21, ldx: 23), (rows: 4096, d: 64, ldx: 64), (rows: 5, d: 40, ldx: 41), (rows: 0, d: 3, ldx: 3)])
    func gramMatchesNaive(_ shape: (rows: Int, d: Int, ldx: Int)) {
        var rng = SeededRNG(seed: UInt64(shape.rows * 100 + shape.d))
        let x = (0..<max(1, shape.rows * shape.ldx)).map { _ in rng.nextNormal() }
        let ldc = shape.d + 2
        let start = (0..<(shape.d * ldc)).map { _ in rng.nextNormal() }
        var fast = start, slow = start
        gramUpper(.blas, rows: shape.rows, d: shape.d, x: x, ldx: shape.ldx, c: &fast, ldc: ldc)
        gramUpper(.naive, rows: shape.rows, d: shape.d, x: x, ldx: shape.ldx, c: &slow, ldc: ldc)
        let tolerance = Float(1e-5) * Float(max(shape.rows, 1)).squareRoot() * 10
        for i in 0..<shape.d {
            for j in 0..<ldc {
                if j >= i && j < shape.d {
                    #expect(abs(fast[i * ldc + j] - slow[i * ldc + j]) <= tolerance * max(1, abs(slow[i * ldc + j]).squareRoot()))
                } else {  // the lower triangle and the padding are left alone
                    #expect(fast[i * ldc + j] == start[i * ldc + j])
                }
            }
        }
    }

    @Test func theKernelInUseAgreesWithTheNaiveProduct() {
        #expect(BLASKernel.agreesWithNaive())
        #expect(BLASKernel.description.contains("kernel \(BLASKernel.corename)"))
    }
}
