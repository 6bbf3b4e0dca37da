/// How much data is held in memory at once. Images and matrices are Float32 in memory whatever their
/// file holds; the cap is checked against a file's header, before anything of that size is allocated,
/// so a small file that claims a huge shape (or inflates to one) is refused with the figure.
public enum DataLimits {
    /// 100 million values: 400 MB of Float, which leaves room under 1 GB for a copy on the way and the
    /// model's own work. (70,000 MNIST digits are 55 million values.)
    public static let maxValues = 100_000_000

    /// The message for data of `count` values: `holds 313,600,000 values, more than …`.
    public static func tooMany(_ count: Int, what: String) -> String {
        "\(what) \(grouped(count)) values, more than the \(grouped(maxValues)) held in memory (400 MB); use a subset"
    }
}
