import CBLAS

/// What OpenBLAS reports about itself: the kernel ("core") it picked and its thread count.
public enum BLASInfo {
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }
    public static var threads: Int { Int(openblas_get_num_threads()) }
    public static var config: String {
        guard let p = openblas_get_config() else { return "" }
        return String(cString: p)
    }
}
