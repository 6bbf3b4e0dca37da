@testable import TermRender
import Testing

@Suite struct PlaneColorTests {
    /// Oklab → sRGB undoes sRGB → Oklab (to the byte) across the cube.
    @Test func oklabRoundTrips() {
        var worst = 0
        for r in stride(from: 0, through: 255, by: 15) {
            for g in stride(from: 0, through: 255, by: 15) {
                for b in stride(from: 0, through: 255, by: 15) {
                    let c = RGB(UInt8(r), UInt8(g), UInt8(b)), back = Oklab(c).rgb
                    worst = max(worst, abs(Int(back.r) - r), abs(Int(back.g) - g), abs(Int(back.b) - b))
                }
            }
        }
        #expect(worst <= 1)
    }

    /// Near points get near colours, opposite points different hues, the centre is nearly grey.
    @Test func nearPointsGetSimilarColours() {
        let points: [(x: Float, y: Float)] = [(1, 0), (0.98, 0.05), (-1, 0), (0, 0), (0, 1), (0, -1)]
        let colors = PlaneColors.colors(points)
        func distance(_ i: Int, _ j: Int) -> Float { Oklab(colors[i]).distance(to: Oklab(colors[j])) }
        #expect(distance(0, 1) < 0.001)
        #expect(distance(0, 2) > 0.02)
        let centre = Oklab(colors[3])
        #expect(abs(centre.a) < 0.05 && abs(centre.b) < 0.05)
        #expect(PlaneColors.colors([]).isEmpty)
    }
}
