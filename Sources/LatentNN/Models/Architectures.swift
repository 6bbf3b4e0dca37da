import LatentIO

/// The architectures `latent train` builds: those of the source documents (seed 002's MLP VAE,
/// seed 003's conditional VAE, seeds 001/004's convolutional VQ-VAE) at MNIST's 1×28×28.
extension ModelConfig {
    public static let digitNames = (0...9).map(String.init)

    /// 784-512-256-z MLP VAE with ReLU; the decoder mirrors it and ends in a sigmoid.
    public static func mlpVAE(latentDim: Int, hidden: [Int] = [512, 256], inputShape: [Int] = [1, 28, 28],
                              classNames: [String] = digitNames, conditional: Bool = false) -> ModelConfig {
        let pixels = inputShape.reduce(1, *)
        let classes = conditional ? classNames.count : 0
        var encoder: [OpSpec] = conditional ? [] : [.flatten]
        var width = pixels + classes
        for h in hidden { encoder += [.linear(in: width, out: h), .relu]; width = h }
        var decoder: [OpSpec] = []
        width = latentDim + classes
        for h in hidden.reversed() { decoder += [.linear(in: width, out: h), .relu]; width = h }
        decoder += [.linear(in: width, out: pixels), .unflatten(inputShape), .sigmoid]
        return ModelConfig(kind: conditional ? .cvae : .vae, inputShape: inputShape, classNames: classNames,
                           encoder: encoder, decoder: decoder, latentDim: latentDim)
    }

    /// A convolutional VAE for images of any channel count whose sides divide by 4: Conv(C→32, 4, s2) –
    /// Conv(32→64, 4, s2) – flatten → μ, log σ²; the decoder mirrors it (linear to 64×H/4×W/4, two
    /// transposed convolutions) and ends in a sigmoid: a Bernoulli per pixel and channel.
    public static func convVAE(latentDim: Int, channels: (Int, Int) = (32, 64), inputShape: [Int],
                               classNames: [String] = digitNames) -> ModelConfig {
        let (c1, c2) = channels, (c, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        let grid = [c2, h / 4, w / 4]
        return ModelConfig(
            kind: .vae, inputShape: inputShape, classNames: classNames,
            encoder: [.conv2d(in: c, out: c1, kernel: 4, stride: 2, padding: 1), .relu,
                      .conv2d(in: c1, out: c2, kernel: 4, stride: 2, padding: 1), .relu, .flatten],
            decoder: [.linear(in: latentDim, out: grid.reduce(1, *)), .relu, .unflatten(grid),
                      .convTranspose2d(in: c2, out: c1, kernel: 4, stride: 2, padding: 1, outputPadding: 0), .relu,
                      .convTranspose2d(in: c1, out: c, kernel: 4, stride: 2, padding: 1, outputPadding: 0), .sigmoid],
            latentDim: latentDim)
    }

    /// Conv(1→32, 4, s2) – Conv(32→64, 4, s2) – Conv(64→D, 1) to a 7×7 grid of D-dim vectors;
    /// the decoder mirrors it with transposed convolutions and ends in a sigmoid. With residual blocks
    /// (van den Oord et al., 2017): a 3×3 conv after the strided ones, then the blocks (x + Conv1×1(ReLU(
    /// Conv3×3(ReLU(x))))), ReLU, Conv(64→D, 1); the decoder starts with a 3×3 conv from D to 64 and
    /// the same blocks before the transposed convolutions.
    public static func convVQVAE(codebookSize: Int, codeDim: Int, channels: (Int, Int) = (32, 64),
                                 residualBlocks: Int = 0, residualChannels: Int = 32,
                                 inputShape: [Int] = [1, 28, 28], classNames: [String] = digitNames) -> ModelConfig {
        let (c1, c2) = channels, c = inputShape[0]
        let stack = [OpSpec](repeating: .residual([.relu, .conv2d(in: c2, out: residualChannels, kernel: 3, stride: 1, padding: 1), .relu,
                                                   .conv2d(in: residualChannels, out: c2, kernel: 1, stride: 1, padding: 0)]),
                             count: residualBlocks)
        let upsampling: [OpSpec] = [.convTranspose2d(in: c2, out: c1, kernel: 4, stride: 2, padding: 1, outputPadding: 0), .relu,
                                    .convTranspose2d(in: c1, out: c, kernel: 4, stride: 2, padding: 1, outputPadding: 0), .sigmoid]
        let downsampling: [OpSpec] = [.conv2d(in: c, out: c1, kernel: 4, stride: 2, padding: 1), .relu,
                                      .conv2d(in: c1, out: c2, kernel: 4, stride: 2, padding: 1), .relu]
        let toCodes = OpSpec.conv2d(in: c2, out: codeDim, kernel: 1, stride: 1, padding: 0)
        if residualBlocks == 0 {
            return ModelConfig(
                kind: .vqvae, inputShape: inputShape, classNames: classNames,
                encoder: downsampling + [toCodes],
                decoder: [.convTranspose2d(in: codeDim, out: c2, kernel: 1, stride: 1, padding: 0, outputPadding: 0), .relu] + upsampling,
                codebookSize: codebookSize, codebookDim: codeDim)
        }
        return ModelConfig(
            kind: .vqvae, inputShape: inputShape, classNames: classNames,
            encoder: downsampling + [.conv2d(in: c2, out: c2, kernel: 3, stride: 1, padding: 1)] + stack + [.relu, toCodes],
            decoder: [.conv2d(in: codeDim, out: c2, kernel: 3, stride: 1, padding: 1)] + stack + [.relu] + upsampling,
            codebookSize: codebookSize, codebookDim: codeDim)
    }
}
