import CKernels
import Testing

/// LATENT_CPU_LEVEL's cap as the kernels apply it (ck_cpu_features reads the variable once per process,
/// so the end-to-end check — every build falls back — runs `latent` in LatentCLITests).
@Suite struct CPULevelTests {
    let all = UInt32(CK_CPU_AVX2 | CK_CPU_FMA | CK_CPU_AVX512F | CK_CPU_AVX512BW | CK_CPU_AVX512DQ | CK_CPU_AVX512VL)

    @Test func levelsAreReadAsTheirNamesSay() {
        #expect(ck_cpu_level_cap(nil) == 2)
        #expect(ck_cpu_level_cap("") == 2)
        #expect(ck_cpu_level_cap("avx512") == 2)
        #expect(ck_cpu_level_cap("avx2") == 1)
        #expect(ck_cpu_level_cap("baseline") == 0)
        #expect(ck_cpu_level_cap("AVX2") == -1)
    }

    @Test func anAVX2CapLeavesNoAVX512Feature() {
        #expect(ck_cpu_features_capped(all, 1) == UInt32(CK_CPU_AVX2 | CK_CPU_FMA))
        #expect(ck_cpu_features_capped(all, 0) == 0)
        #expect(ck_cpu_features_capped(all, 2) == all)
        // A cap never adds what the CPU lacks.
        #expect(ck_cpu_features_capped(UInt32(CK_CPU_AVX2), 1) == UInt32(CK_CPU_AVX2))
    }
}
