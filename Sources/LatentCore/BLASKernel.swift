import CKernels
import COpenBLAS
import Foundation

/// Which OpenBLAS kernel runs, and getting a better one when Debian's OpenBLAS 0.3.21 does not know the
/// CPU: on a current Intel Xeon it falls back to its Prescott (SSE3) kernels, 4× slower than the
/// AVX-512 ones (docs/speed: measured SGEMM 27 → 105–127 GFLOP/s). The kernel is chosen when the library
/// loads, from `OPENBLAS_CORETYPE`; a process already linked to it can only re-exec itself with the
/// variable set. A value already in the environment is never overridden (some sites set it because
/// certain kernels misbehave on their CPUs), and the kernel chosen here is checked against the naive
/// GEMM before it is kept.
public enum BLASKernel {
    /// Set in the re-executed process: the core OpenBLAS chose by itself (or `failed:<core>` when the
    /// chosen kernel was dropped after its check).
    static let guardVariable = "LATENT_BLAS_REEXEC"
    /// For tests: decide as if OpenBLAS had reported this core.
    static let assumeVariable = "LATENT_BLAS_ASSUME_CORE"

    /// Cores without AVX2 that OpenBLAS falls back to on CPUs it does not recognise.
    static let fallbackCores: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "sandybridge", "katmai"]

    /// The kernel to ask for, or nil to keep OpenBLAS's choice: SkylakeX when the CPU has the AVX-512
    /// subsets it needs (F, BW, DQ, VL), Haswell with AVX2 and FMA — only when OpenBLAS picked a core
    /// without them. (Cooperlake also assumes bf16; Debian's build has no Sapphire Rapids kernels.)
    public static func recommendedCore(reported: String, cpuFlags: Set<String>) -> String? {
        guard fallbackCores.contains(reported.lowercased()) else { return nil }
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        return nil
    }

    /// `LATENT_CPU_LEVEL`: caps the instruction set of our kernels (`ck_cpu_features`) and of OpenBLAS's, to
    /// measure on an AVX-512 CPU how an AVX2 one (or one without AVX2) would run. A proxy: the caches,
    /// clock and memory stay this CPU's.
    public static let levelVariable = "LATENT_CPU_LEVEL"
    public static let levels = ["avx512", "avx2", "baseline"]

    /// Cores whose kernels use AVX-512 (Debian's 0.3.21 has no Sapphire Rapids kernels; the name is here for
    /// later builds).
    static let avx512Cores: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
    /// x86 cores whose kernels use AVX (the AVX-512 ones and those before them); other architectures'
    /// cores are never replaced.
    static let avxCores: Set<String> = avx512Cores.union(["haswell", "zen", "skylake", "sandybridge", "bulldozer",
                                                           "piledriver", "steamroller", "excavator"])

    /// The kernel a `LATENT_CPU_LEVEL` cap asks for, or nil when OpenBLAS's own choice is within it: Haswell
    /// (AVX2 + FMA) in place of an AVX-512 core under `avx2`, Prescott (SSE3, the oldest core Debian's build
    /// dispatches to) in place of any x86 core with AVX under `baseline` (other architectures' cores are kept).
    public static func cappedCore(reported: String, level: String) -> String? {
        let core = reported.lowercased()
        switch level {
        case "avx2": return avx512Cores.contains(core) ? "Haswell" : nil
        case "baseline": return avxCores.contains(core) ? "Prescott" : nil
        default: return nil
        }
    }

    /// The cap in the environment: nil without one; a value that is not one of `levels` is an error.
    public static func levelCap(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        guard let level = env[levelVariable], !level.isEmpty else { return nil }
        guard levels.contains(level) else {
            throw LevelError(message: "\(levelVariable)=\(level) is not one of \(levels.joined(separator: ", "))")
        }
        return level == "avx512" ? nil : level
    }

    public struct LevelError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The build our C kernels run (`baseline`, `avx2` or `avx512`): the best the CPU has, within the cap.
    public static var kernelLevel: String { ["baseline", "avx2", "avx512"][Int(ck_direct_best_level())] }

    /// The kernel OpenBLAS is running.
    public static var corename: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// The CPU's vector features that choose a kernel (less what `LATENT_CPU_LEVEL` caps), named as Linux
    /// names them ("avx2", "avx512f", …), from CPUID — what OpenBLAS itself reads, so the two agree also under an emulator (tested under qemu).
    public static func cpuFlags() -> Set<String> {
        let bits = ck_cpu_features()
        let named: [(UInt32, String)] = [(UInt32(CK_CPU_AVX2), "avx2"), (UInt32(CK_CPU_FMA), "fma"),
                                         (UInt32(CK_CPU_AVX512F), "avx512f"), (UInt32(CK_CPU_AVX512BW), "avx512bw"),
                                         (UInt32(CK_CPU_AVX512DQ), "avx512dq"), (UInt32(CK_CPU_AVX512VL), "avx512vl")]
        return Set(named.filter { bits & $0.0 != 0 }.map(\.1))
    }

    /// Call first thing in `main`, before anything is printed: re-executes the process once with a
    /// better kernel when OpenBLAS fell back to a weak one; in the re-executed process, checks the
    /// kernel against the naive GEMM and goes back to OpenBLAS's choice if it disagrees.
    public static func ensureBestKernel(arguments: [String] = CommandLine.arguments) {
        let env = ProcessInfo.processInfo.environment
        if let chosenBefore = env[guardVariable] {
            guard !chosenBefore.hasPrefix("failed:"), env["OPENBLAS_CORETYPE"] != nil else { return }
            if !agreesWithNaive() {
                unsetenv("OPENBLAS_CORETYPE")
                reexec(arguments, guardValue: "failed:" + corename)
            }
            return
        }
        guard env["OPENBLAS_CORETYPE"] == nil else { return }
        let reported = env[assumeVariable] ?? corename
        let cap = (try? levelCap(env)) ?? nil
        guard let core = cap.flatMap({ cappedCore(reported: reported, level: $0) })
                ?? recommendedCore(reported: reported, cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        reexec(arguments, guardValue: reported)
    }

    static func reexec(_ arguments: [String], guardValue: String) {
        setenv(guardVariable, guardValue, 1)
        let argv = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", argv)
        // Still here: exec failed; carry on with the kernel already loaded.
        unsetenv(guardVariable)
    }

    /// SGEMM against the naive product on a few shapes, all four transpose combinations, strided rows
    /// (one row: the GEMV path), and SSYRK against the naive Gram matrix: the check a kernel chosen by
    /// `OPENBLAS_CORETYPE` must pass before it is kept.
    public static func agreesWithNaive() -> Bool {
        ComputeThreads.prepareBLAS()
        var rng = SeededRNG(seed: 7)
        func close(_ fast: [Float], _ slow: [Float]) -> Bool {
            zip(fast, slow).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }
        }
        // GEMM (and, with one row, the GEMV path) in every transpose, with row strides one past the
        // shortest a stored row allows.
        for (m, k, n) in [(7, 13, 5), (64, 49, 16), (33, 70, 129), (1, 51, 37)] {
            for (ta, tb) in [(Transpose.none, Transpose.none), (.transposed, .none), (.none, .transposed), (.transposed, .transposed)] {
                let lda = (ta == .none ? k : m) + 1, ldb = (tb == .none ? n : k) + 1, ldc = n + 1
                let a = (0..<((ta == .none ? m : k) * lda)).map { _ in rng.nextNormal() }
                let b = (0..<((tb == .none ? k : n) * ldb)).map { _ in rng.nextNormal() }
                var results: [[Float]] = []
                for backend in [GEMMBackend.blas, .naive] {
                    var c = [Float](repeating: 0, count: m * ldc)
                    sgemm(backend, transA: ta, transB: tb, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, c: &c, ldc: ldc)
                    results.append(c)
                }
                if !close(results[0], results[1]) { return false }
            }
        }
        // SSYRK, as PCA uses it.
        let rows = 300, d = 21, ldx = 23
        let x = (0..<(rows * ldx)).map { _ in rng.nextNormal() }
        var gram: [[Float]] = []
        for backend in [GEMMBackend.blas, .naive] {
            var c = [Float](repeating: 0, count: d * d)
            gramUpper(backend, rows: rows, d: d, x: x, ldx: ldx, c: &c, ldc: d)
            gram.append(c)
        }
        return zip(gram[0], gram[1]).allSatisfy { abs($0 - $1) <= 1e-4 * max(Float(rows).squareRoot(), abs($1)) }
    }

    /// One line for `latent bench`: the BLAS, the kernel in use and why.
    public static var description: String {
        let env = ProcessInfo.processInfo.environment
        let config = openblas_get_config().map { String(cString: $0) } ?? "OpenBLAS"
        let why: String
        if let before = env[guardVariable], before.hasPrefix("failed:") {
            why = "OpenBLAS's own choice; the \(before.dropFirst(7)) kernel latent asked for disagreed with the naive GEMM"
        } else if let before = env[guardVariable], let set = env["OPENBLAS_CORETYPE"], let cap = (try? levelCap(env)) ?? nil,
                  cappedCore(reported: before, level: cap) == set {
            why = "OPENBLAS_CORETYPE=\(set) set by latent: \(levelVariable)=\(cap) caps OpenBLAS's choice, \(before); checked against the naive GEMM, GEMV and SSYRK"
        } else if let before = env[guardVariable], let set = env["OPENBLAS_CORETYPE"] {
            why = "OPENBLAS_CORETYPE=\(set) set by latent: OpenBLAS chose \(before) on a CPU with \(set == "SkylakeX" ? "AVX-512" : "AVX2 and FMA"); checked against the naive GEMM, GEMV and SSYRK"
        } else if let set = env["OPENBLAS_CORETYPE"] {
            why = "OPENBLAS_CORETYPE=\(set) from the environment"
        } else {
            why = "chosen by OpenBLAS for this CPU"
        }
        return "BLAS: \(config.trimmingCharacters(in: .whitespaces)) · kernel \(corename) (\(why))"
    }
}
