import CMalloc

/// Training allocates each layer's activations afresh every batch (megabytes each). glibc serves blocks
/// above its mmap threshold with fresh pages from the kernel, zeroed on first touch and returned on
/// free: the page faults took 5 % of a conv VQ-VAE's training time. Raising the threshold (and the trim
/// threshold with it) keeps freed blocks in the heap for the next batch to reuse.
public enum HeapReuse {
    /// Blocks up to this size come from the heap and go back to it (glibc caps its own adaptive threshold at 32 MB).
    public static let largestHeapBlock = 256 << 20

    public static func keepLargeBlocksInTheHeap() { _ = setOnce }

    /// Returns the heap's free pages to the kernel. With large blocks kept in the heap, a stage that frees
    /// hundreds of megabytes (a million points' neighbour search) leaves them resident, and the next
    /// stage's arrays, which do not fit the holes, are added on top.
    public static func releaseFreePages() { CMalloc_releaseFreePages() }

    private static let setOnce: Void = { CMalloc_keepBlocksInHeap(Int32(largestHeapBlock)) }()
}
