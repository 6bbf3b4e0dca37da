import Foundation
import LatentCore
import LatentIO
@testable import LatentNN
import Testing

/// Direction sets with known answers: a decoder that sees z only through one hidden direction, data on
/// a known plane, two Gaussian classes, the slerp arc, and the shipped emoji VAE.
@Suite struct DirectionTests {
    // MARK: Helpers

    /// A random unit vector of `d` values.
    static func unitVector(_ d: Int, seed: UInt64) -> [Float] {
        var rng = SeededRNG(seed: seed)
        let v = Tensor.randomNormal(shape: [d], using: &rng).data
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / n }
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        return dot / (Interpolation.norm(a) * Interpolation.norm(b))
    }

    /// The largest principal angle, in degrees, between the spans of two orthonormal pairs: the
    /// smaller singular value σ of M = A·Bᵀ (2 × 2) is its cosine.
    static func largestPrincipalAngle(_ a: [[Float]], _ b: [[Float]]) -> Double {
        let m = (0..<2).map { i in (0..<2).map { j in zip(a[i], b[j]).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } } }
        // Eigenvalues of MᵀM, a symmetric 2 × 2: the squared singular values.
        let p = m[0][0] * m[0][0] + m[1][0] * m[1][0], q = m[0][1] * m[0][1] + m[1][1] * m[1][1]
        let r = m[0][0] * m[0][1] + m[1][0] * m[1][1]
        let smallest = (p + q) / 2 - (((p - q) / 2) * ((p - q) / 2) + r * r).squareRoot()
        return acos(min(1, max(0, smallest).squareRoot())) * 180 / .pi
    }

    /// A VAE on 4×4 images with a 16-D latent whose decoder sees z only through u·z:
    /// x̂ = sigmoid(W₂ tanh(u·z) + b₂). Its Jacobian is rank one with row space u.
    static func hiddenDirectionModel(_ u: [Float]) throws -> VAEModel {
        let d = u.count
        let config = ModelConfig(kind: .vae, inputShape: [1, 4, 4], classNames: [], encoder: [.flatten],
                                 decoder: [.linear(in: d, out: 1), .tanh, .linear(in: 1, out: 16), .sigmoid, .unflatten([1, 4, 4])],
                                 latentDim: d)
        var rng = SeededRNG(seed: 3)
        let m = try VAEModel(config: config, rng: &rng)
        let first = try #require(m.decoder.layers[0] as? Linear)
        first.weight.value = Tensor(shape: [1, d], data: u)
        first.bias.value = Tensor(zeros: [1])
        return m
    }

    // MARK: Jacobian

    @Test(arguments: [JacobianMethod.backward, .finiteDifferences])
    func jacobianFindsTheOnlyDirectionTheDecoderSees(_ method: JacobianMethod) throws {
        let u = Self.unitVector(16, seed: 7)
        let model = try Self.hiddenDirectionModel(u)
        let z = Self.unitVector(16, seed: 8).map { $0 * 0.3 }
        let (jt, used) = try DecoderJacobian.transposed(of: model, at: z, method: method)
        #expect(used == method)
        let set = try DirectionSet.fromJacobian(jt, at: z, count: 3)
        let cos = abs(Self.cosine(set.direction(0), u))
        #expect(cos >= 0.99, "|cos(d1, u)| = \(cos)")
        // Rank one: nothing else changes the image.
        #expect(set.scores[1] < 1e-3 * set.scores[0], "scores \(set.scores)")
        // The parameters' gradients are left as they were (zero): a Jacobian is not a training step.
        #expect(model.decoder.namedParameters.allSatisfy { $0.parameter.grad.data.allSatisfy { $0 == 0 } })
    }

    @Test func backwardAndFiniteDifferencesAgreeOnTheEmojiDecoder() throws {
        let model = try Autoencoder.load(repositoryRoot + "/Weights/emoji-vae-z32.safetensors").latentModel
        let z = Self.unitVector(32, seed: 11)
        let exact = try DecoderJacobian.transposed(of: model, at: z, method: .backward).jt
        let fd = try DecoderJacobian.transposed(of: model, at: z, method: .finiteDifferences).jt
        // Each decode rounds a little differently (vectorised exp, Winograd tiles), and central
        // differences divide that by 2h: a few per cent entry-wise, far less in the directions.
        let diff = zip(exact.data, fd.data).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
        let norm = exact.data.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(diff / norm < 0.05, "‖J_fd − J‖ / ‖J‖ = \(diff / norm)")
        let a = try DirectionSet.fromJacobian(exact, at: z, count: 3), b = try DirectionSet.fromJacobian(fd, at: z, count: 3)
        #expect(abs(Self.cosine(a.direction(0), b.direction(0))) > 0.999)
        for i in 0..<3 { #expect(abs(a.scores[i] - b.scores[i]) < 0.01 * a.scores[i], "scores \(a.scores) vs \(b.scores)") }
        // The decoder's state is still an inference one: decoding again gives a fresh model's image.
        let again = try model.decodeLatents(Tensor(shape: [1, 32], data: z), labels: nil)
        let fresh = try Autoencoder.load(repositoryRoot + "/Weights/emoji-vae-z32.safetensors").latentModel
        #expect(try fresh.decodeLatents(Tensor(shape: [1, 32], data: z), labels: nil).data == again.data)
    }

    /// One latent unit along the first Jacobian direction changes the decoded emoji more than one unit
    /// along any raw dimension, at the μ of held-out emoji (where a user explores; at z = 0, where the
    /// decoder bends fastest, a whole unit is past the linear range: see the user guide).
    @Test func theFirstJacobianDirectionBeatsEveryRawDimensionOnTheEmojiVAE() throws {
        let model = try Autoencoder.load(repositoryRoot + "/Weights/emoji-vae-z32.safetensors").latentModel
        let d = model.latentDim
        let data = try images(for: model)
        let mus = try encodeMeans(model, LabeledImages(images: data.images.rows(0..<3), labels: Array(data.labels.prefix(3)),
                                                       classNames: data.classNames))
        for image in 0..<3 {
            let z = Array(mus.data[(image * d)..<((image + 1) * d)])
            let set = try DirectionSet.jacobian(of: model, at: z, count: 1)
            var points = [z, zip(z, set.direction(0)).map { $0 + $1 }]
            for j in 0..<d { var p = z; p[j] += 1; points.append(p) }
            let images = try model.decodeLatents(Tensor(shape: [points.count, d], data: Array(points.joined())), labels: nil)
            let size = images.count / points.count
            func change(_ i: Int) -> Double {
                (0..<size).reduce(0.0) { let v = Double(images.data[i * size + $1] - images.data[$1]); return $0 + v * v }.squareRoot()
            }
            let alongJacobian = change(1), raw = (2..<points.count).map(change)
            let best = raw.indices.max { raw[$0] < raw[$1] }!
            print(String(format: "emoji VAE at μ of held-out image %d: ‖Δx̂‖ for one unit along d1 %.3f (σ1 %.3f), along raw dimension %d (the most) %.3f",
                         image, alongJacobian, set.scores[0], best, raw[best]))
            #expect(alongJacobian > raw[best], "image \(image)")
        }
    }

    @Test func aConditionalVAEsJacobianNeedsItsClassAndAnImportedOneUsesFiniteDifferences() throws {
        let cvae = try Autoencoder.load(repositoryRoot + "/Weights/cvae-z2.safetensors").latentModel
        #expect(throws: DirectionError.self) { try DecoderJacobian.transposed(of: cvae, at: [0, 0]) }
        let exact = try DirectionSet.jacobian(of: cvae, at: [0.5, -0.5], label: 3, count: 2, method: .backward)
        let fd = try DirectionSet.jacobian(of: cvae, at: [0.5, -0.5], label: 3, count: 2, method: .finiteDifferences)
        #expect(abs(Self.cosine(exact.direction(0), fd.direction(0))) > 0.999)
        let imported = try ImportedAutoencoder.load(fixturesDirectory + "/onnx/mlp-vae-ts/model.json")
        let (_, used) = try DecoderJacobian.transposed(of: imported, at: [Float](repeating: 0, count: imported.latentDim))
        #expect(used == .finiteDifferences)
        // `auto` takes the fewer passes: backward rows for a 16-value image of a 16-D latent, differences
        // for the emoji's 3,072 values of a 32-D one.
        let small = try Self.hiddenDirectionModel(Self.unitVector(16, seed: 7))
        #expect(try DecoderJacobian.transposed(of: small, at: [Float](repeating: 0, count: 16)).method == .backward)
        let emoji = try Autoencoder.load(repositoryRoot + "/Weights/emoji-vae-z32.safetensors").latentModel
        #expect(try DecoderJacobian.transposed(of: emoji, at: [Float](repeating: 0, count: 32)).method == .finiteDifferences)
        #expect(throws: DirectionError.self) { try DecoderJacobian.transposed(of: imported, at: [Float](repeating: 0, count: imported.latentDim), method: .backward) }
    }

    // MARK: PCA

    /// 400 latents on a known plane through an offset in 16-D, with 1e-3 noise off it.
    static func planeData() -> (x: Tensor, basis: [[Float]]) {
        let d = 16, n = 400
        var p = unitVector(d, seed: 21), q = unitVector(d, seed: 22)
        let pq = zip(p, q).reduce(Float(0)) { $0 + $1.0 * $1.1 }
        q = zip(q, p).map { $0 - pq * $1 }
        let qn = q.reduce(0) { $0 + $1 * $1 }.squareRoot()
        q = q.map { $0 / qn }
        p = p.map { $0 }
        var rng = SeededRNG(seed: 23)
        let coords = Tensor.randomNormal(shape: [n, 2], using: &rng), noise = Tensor.randomNormal(shape: [n, d], std: 1e-3, using: &rng)
        let offset = unitVector(d, seed: 24).map { $0 * 2 }
        var x = Tensor(zeros: [n, d])
        for i in 0..<n {
            let a = 3 * coords.data[2 * i], b = coords.data[2 * i + 1]
            for j in 0..<d { x.data[i * d + j] = offset[j] + a * p[j] + b * q[j] + noise.data[i * d + j] }
        }
        return (x, [p, q])
    }

    @Test func globalPCARecoversAPlane() throws {
        let (x, basis) = Self.planeData()
        let set = try DirectionSet.globalPCA(of: x, count: 4)
        let angle = Self.largestPrincipalAngle([set.direction(0), set.direction(1)], basis)
        #expect(angle <= 1, "principal angle \(angle)°")
        // The plane holds all but the noise: two directions explain nearly everything, strongest first.
        let explained = try #require(set.explained)
        #expect(explained[0] + explained[1] > 0.999 && explained[0] > explained[1])
        // A slider unit is the data's spread along the direction (3 along p, 1 along q).
        #expect(abs(set.std[0] - 3) < 0.4 && abs(set.std[1] - 1) < 0.15, "std \(set.std)")
    }

    @Test func localPCARecoversThePlaneAroundAPoint() throws {
        let (x, basis) = Self.planeData()
        let z = Array(x.data[(5 * 16)..<(6 * 16)])
        let set = try DirectionSet.localPCA(of: x, around: z, neighbours: 40, count: 2)
        let angle = Self.largestPrincipalAngle([set.direction(0), set.direction(1)], basis)
        #expect(angle <= 1, "principal angle \(angle)°")
        #expect(set.origin == z && set.method == .local)
    }

    @Test func localPCAFollowsACurvedManifoldWhereGlobalPCADoesNot() throws {
        // A circle of radius 5 in the first two of 8 dimensions: near (5, 0) the tangent is e₂; the
        // global axes are e₁ and e₂ with equal variance, so the local set must come from the neighbours.
        let n = 360, d = 8
        var x = Tensor(zeros: [n, d])
        for i in 0..<n {
            let t = Double(i) * 2 * .pi / Double(n)
            x.data[i * d] = Float(5 * cos(t)); x.data[i * d + 1] = Float(5 * sin(t))
        }
        let set = try DirectionSet.localPCA(of: x, around: [5, 0, 0, 0, 0, 0, 0, 0], neighbours: 15, count: 1)
        #expect(abs(set.direction(0)[1]) > 0.999, "\(set.direction(0))")
    }

    // MARK: Attribute vectors and interpolation

    @Test func anAttributeVectorIsTheClassMeanDifference() throws {
        let d = 8, n = 300
        let ma = unitVectorScaled(d, seed: 31, by: 1), mb = unitVectorScaled(d, seed: 32, by: 2)
        var rng = SeededRNG(seed: 33)
        let noise = Tensor.randomNormal(shape: [2 * n, d], std: 0.5, using: &rng)
        var x = Tensor(zeros: [2 * n, d])
        var labels: [Int] = []
        for i in 0..<(2 * n) {
            let m = i % 2 == 0 ? ma : mb
            labels.append(i % 2 == 0 ? 4 : 7)
            for j in 0..<d { x.data[i * d + j] = m[j] + noise.data[i * d + j] }
        }
        let set = try DirectionSet.attribute(of: x, labels: labels, from: 4, to: 7)
        // Exactly the sample means' difference…
        let sample = (0..<d).map { j in
            (0..<(2 * n)).reduce(0.0) { $0 + ($1 % 2 == 1 ? 1 : -1) * Double(x.data[$1 * d + j]) } / Double(n)
        }
        let length = sample.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for j in 0..<d { #expect(abs(Double(set.direction(0)[j]) - sample[j] / length) < 1e-5) }
        #expect(abs(set.scores[0] - length) < 1e-4 * length)
        // …and, within sampling error, the true one.
        let truth = zip(mb, ma).map { $0 - $1 }
        #expect(Self.cosine(set.direction(0), truth) > 0.99)
        #expect(throws: DirectionError.self) { try DirectionSet.attribute(of: x, labels: labels, from: 4, to: 5) }
        let ab = try DirectionSet.between(ma, mb)
        #expect(Self.cosine(ab.direction(0), truth) > 0.99999 && abs(ab.scores[0] - Interpolation.norm(truth)) < 1e-5)
    }

    func unitVectorScaled(_ d: Int, seed: UInt64, by s: Float) -> [Float] { Self.unitVector(d, seed: seed).map { $0 * s } }

    @Test func slerpStaysOnTheArc() throws {
        let a = Self.unitVector(12, seed: 41).map { $0 * 3 }, b = Self.unitVector(12, seed: 42).map { $0 * 5 }
        let omega = acos(Self.cosine(a, b))
        for step in 0...10 {
            let t = Double(step) / 10
            let p = Interpolation.spherical.point(from: a, to: b, at: t)
            // The norm goes linearly from ‖a‖ to ‖b‖ and the direction turns by t·ω in the plane of a, b.
            #expect(abs(Interpolation.norm(p) - (3 + 2 * t)) < 1e-4)
            #expect(abs(acos(min(1, Self.cosine(p, a))) - t * omega) < 1e-3)
        }
        #expect(Interpolation.spherical.point(from: a, to: b, at: 0) == a)
        let same = Self.unitVector(12, seed: 43).map { $0 * 4 }, other = Self.unitVector(12, seed: 44).map { $0 * 4 }
        let arc = Interpolation.length(of: Interpolation.spherical.path(from: same, to: other, steps: 400))
        let chord = Interpolation.length(of: Interpolation.linear.path(from: same, to: other, steps: 7))
        #expect(abs(arc - 4 * acos(Self.cosine(same, other))) < 1e-3, "arc \(arc)")
        #expect(abs(chord - Interpolation.norm(zip(other, same).map { $0 - $1 })) < 1e-5 && chord < arc)
    }

    // MARK: The set itself

    @Test func slidersMoveInUnitsOfTheDatasSpread() throws {
        let (x, _) = Self.planeData()
        let raw = DirectionSet.raw(dimension: 16, latents: x)
        #expect(raw.count == 16 && raw.direction(3) == (0..<16).map { $0 == 3 ? 1 : 0 })
        let set = try DirectionSet.globalPCA(of: x, count: 2)
        let base = [Float](repeating: 0, count: 16)
        let moved = set.moved(base, along: 1, by: 2)
        let position = set.position(of: moved, from: base)
        #expect(abs(position[1] - 2) < 1e-5 && abs(position[0]) < 1e-5)
        #expect(abs(Interpolation.norm(moved) - 2 * set.std[1]) < 1e-5)
    }
}
