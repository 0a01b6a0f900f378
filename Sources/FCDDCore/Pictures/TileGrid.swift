// torchvision's `make_grid(tiles, nrow, padding=2, pad_value=0)` as `Logger.imsave` uses it: tiles in
// rows of `perRow`, each tile framed by `padding` black pixels (the frame between two tiles is `padding`
// wide, not twice), 1-channel tiles repeated to RGB, and a single tile returned without any padding.

/// Lays out equally sized tiles in a grid.
public enum TileGrid {
    /// `tiles`: N x C x h x w with C = 1 or 3. Result: a picture of
    /// (ceil(N / perRow) * (h + padding) + padding) x (min(perRow, N) * (w + padding) + padding) pixels.
    public static func make(_ tiles: Tensor, perRow: Int, padding: Int = 2) throws -> Picture {
        guard tiles.rank == 4, tiles.shape[1] == 1 || tiles.shape[1] == 3, tiles.batch >= 1 else {
            throw EngineError.shapeMismatch("tile grid: expected N x 1 x h x w or N x 3 x h x w tiles, got \(tiles.shape)")
        }
        guard perRow >= 1, padding >= 0 else {
            throw EngineError.invalidArgument("tile grid: perRow must be >= 1 and padding >= 0, got \(perRow), \(padding)")
        }
        let (n, c, h, w) = (tiles.shape[0], tiles.shape[1], tiles.shape[2], tiles.shape[3])
        if n == 1 {  // make_grid returns a lone image as it is
            let plane = Array(tiles.data)
            return Picture(rgb: Tensor(shape: [3, h, w], data: c == 3 ? plane : plane + plane + plane))
        }
        let columns = min(perRow, n), rows = (n + columns - 1) / columns
        let height = rows * (h + padding) + padding, width = columns * (w + padding) + padding
        var out = Tensor(zeros: [3, height, width])
        for t in 0..<n {
            let top = (t / columns) * (h + padding) + padding, left = (t % columns) * (w + padding) + padding
            for ch in 0..<3 {
                let src = (t * c + (c == 3 ? ch : 0)) * h * w
                for y in 0..<h {
                    let dst = ch * height * width + (top + y) * width + left
                    for x in 0..<w { out.data[dst + x] = tiles.data[src + y * w + x] }
                }
            }
        }
        return Picture(rgb: out)
    }

    /// Position (top, left) of tile `index` inside a grid made by `make` (for layouts and tests).
    public static func origin(ofTile index: Int, perRow: Int, tileHeight h: Int, tileWidth w: Int,
                              padding: Int = 2) -> (top: Int, left: Int) {
        ((index / perRow) * (h + padding) + padding, (index % perRow) * (w + padding) + padding)
    }
}
