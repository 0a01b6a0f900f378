// 8-connected components of a set of pixels (scikit-image's `label` with connectivity 2): the regions of a
// ground-truth mask that AUPRO averages over, and the anomalous regions of a thresholded heatmap.

/// A label per pixel (0 = not a member, 1... = its region, numbered in row-major order of their first pixel)
/// and the pixel count of every region. `isMember(i)` tells whether pixel i (row-major) belongs to the set.
/// Iterative flood fill, so large regions cannot overflow the stack.
func connectedComponents(height h: Int, width w: Int, isMember: (Int) -> Bool) -> (labels: [Int32], sizes: [Int]) {
    var member = [Bool](repeating: false, count: h * w)
    for i in 0..<(h * w) { member[i] = isMember(i) }
    var labels = [Int32](repeating: 0, count: h * w)
    var sizes = [Int]()
    var stack = [Int]()
    for start in 0..<(h * w) where member[start] && labels[start] == 0 {
        let id = Int32(sizes.count + 1)
        var size = 0
        labels[start] = id
        stack.append(start)
        while let p = stack.popLast() {
            size += 1
            let (py, px) = (p / w, p % w)
            for dy in -1...1 {
                let y = py + dy
                guard y >= 0 && y < h else { continue }
                for dx in -1...1 {
                    let x = px + dx
                    guard x >= 0 && x < w else { continue }
                    let q = y * w + x
                    if member[q] && labels[q] == 0 { labels[q] = id; stack.append(q) }
                }
            }
        }
        sizes.append(size)
    }
    return (labels, sizes)
}
