public enum FCDDVersion {
    /// The library version (also the Python package version).
    public static let string = "0.1.0"
}
