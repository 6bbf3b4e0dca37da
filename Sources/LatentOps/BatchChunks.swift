import LatentCore

/// How the convolution layers walk a batch: each compute thread takes a contiguous share of the
/// images and works through it in chunks small enough that a chunk's im2col columns, its GEMM result
/// and the permuted output stay in cache, with one-thread GEMMs.
///
/// Why: a whole batch's columns are megabytes (128 digits through a 32→64 4×4 convolution: 12.8 MB), so
/// every pass over them — im2col, OpenBLAS zeroing C, the GEMM, col2im, the permutations — went to
/// memory, and the scalar passes ran on one core while the other waited for the next GEMM. In chunks
/// each pass finds the previous one's output in cache, and nothing is left serial between the threads.
///
/// Parameter gradients are summed per worker and added in worker order, so a result depends on the
/// thread count only (as training always did), never on which thread finished first.
package struct BatchChunks {
    package let batch: Int
    package let imagesPerChunk: Int
    package let workers: Int

    /// Floats of per-chunk working set aimed at (512 KB, a Zen core's L2). From 64 KB to 4 MB the
    /// training speed of the shipped VQ-VAEs changed less than this machine's run-to-run noise (±8 %).
    package static let chunkFloats = 1 << 17

    /// `floatsPerImage`: what one image adds to a chunk's working set; `chunkFloats`: the working set aimed at.
    package init(batch: Int, floatsPerImage: Int, chunkFloats: Int = BatchChunks.chunkFloats, threads: Int = ComputeThreads.current) {
        self.batch = batch
        imagesPerChunk = max(1, min(batch, chunkFloats / max(1, floatsPerImage)))
        workers = max(1, min(threads, batch))
    }

    /// Threads for each GEMM: all of them when one worker holds the whole batch (batch-1 inference), else one.
    package var gemmThreads: Int { workers == 1 ? ComputeThreads.current : 1 }

    /// `body(images, scratch)` for every chunk; each worker owns a scratch buffer of `scratch` floats.
    package func forEachChunk(scratch: Int, _ body: (_ images: Range<Int>, _ scratch: UnsafeMutablePointer<Float>) -> Void) {
        forEachWorker(scratch: scratch) { w, buffer in
            for images in chunks(ofWorker: w) { body(images, buffer) }
        }
    }

    /// As `forEachChunk`, with gradients to add into: `body` gets a weight- and a bias-gradient buffer,
    /// which are `weightGrad` and `biasGrad` themselves with one worker, else zeroed buffers per worker
    /// that are added into them in worker order afterwards.
    package func forEachChunk(scratch: Int, weightGrad: inout [Float], biasGrad: inout [Float],
                      _ body: (_ images: Range<Int>, _ scratch: UnsafeMutablePointer<Float>,
                               _ gw: UnsafeMutablePointer<Float>, _ gb: UnsafeMutablePointer<Float>) -> Void) {
        let wc = weightGrad.count, bc = biasGrad.count
        if workers == 1 {
            weightGrad.withUnsafeMutableBufferPointer { gw in
                biasGrad.withUnsafeMutableBufferPointer { gb in
                    forEachChunk(scratch: scratch) { images, s in body(images, s, gw.baseAddress!, gb.baseAddress!) }
                }
            }
            return
        }
        var partial = [Float](repeating: 0, count: workers * (wc + bc))
        partial.withUnsafeMutableBufferPointer { pp in
            let P = UncheckedPointer(pp.baseAddress!)
            forEachWorker(scratch: scratch) { w, buffer in
                let gw = P.pointer + w * (wc + bc)
                for images in chunks(ofWorker: w) { body(images, buffer, gw, gw + wc) }
            }
        }
        for w in 0..<workers {
            let base = w * (wc + bc)
            for i in 0..<wc { weightGrad[i] += partial[base + i] }
            for i in 0..<bc { biasGrad[i] += partial[base + wc + i] }
        }
    }

    /// `body(worker, scratch)` for every worker, in parallel, each with its own scratch buffer.
    private func forEachWorker(scratch: Int, _ body: (_ worker: Int, _ scratch: UnsafeMutablePointer<Float>) -> Void) {
        parallelRanges(workers, threads: workers) { ws in
            let buffer = UnsafeMutablePointer<Float>.allocate(capacity: max(1, scratch))
            defer { buffer.deallocate() }
            for w in ws { body(w, buffer) }
        }
    }

    /// Worker w's images, cut into chunks.
    private func chunks(ofWorker w: Int) -> [Range<Int>] {
        let lo = batch * w / workers, hi = batch * (w + 1) / workers
        return stride(from: lo, to: hi, by: imagesPerChunk).map { $0..<min(hi, $0 + imagesPerChunk) }
    }
}
