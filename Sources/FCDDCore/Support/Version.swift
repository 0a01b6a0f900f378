public enum FCDDVersion {
    /// The library version (also the Python package version).
    public static let string = "0.1.0"
}

/// What the engine was compiled for (Package.swift): "avx2-fma" when the machine that built it had
/// AVX2 and FMA (first convolutions then run by the direct kernel, Kernels/ThinConvolution.swift),
/// else "baseline".
public enum BuildTarget {
    #if FCDD_FMA
    public static let vectorCode = "avx2-fma"
    #else
    public static let vectorCode = "baseline"
    #endif
}
