// Element counts from sizes that come from files or callers: a product that overflows (or a negative
// size) must become an error message, never a trap.

/// The product of `sizes`, nil when a size is negative or the product overflows.
func checkedProduct(_ sizes: [Int]) -> Int? {
    var product = 1
    for size in sizes {
        guard size >= 0 else { return nil }
        let (p, overflow) = product.multipliedReportingOverflow(by: size)
        if overflow { return nil }
        product = p
    }
    return product
}
