// Where the tiles of a large image lie (not in the original: its images are resized to the network's
// size, which smears a defect of a few pixels into less than one). Tiles of `size` x `size` start every
// `stride` pixels along each axis; the last tile of a row or column is moved back to end at the image's
// edge, so every pixel is covered and no tile reaches outside. The layout is separable: a pixel's number
// of covering tiles is that of its row times that of its column, so stitched maps need no count array.

public struct TileLayout: Equatable {
    public let size: Int
    public let stride: Int

    /// `stride` in 1...size (nil: `size`, tiles side by side without overlap).
    public init(size: Int, stride: Int? = nil) throws {
        guard size >= 1, size <= ArrayImages.maxSide else {
            throw EngineError.invalidArgument("tile_size must be in 1...\(ArrayImages.maxSide), got \(size)")
        }
        let stride = stride ?? size
        guard stride >= 1, stride <= size else {
            throw EngineError.invalidArgument("tile_stride must be in 1...tile_size (\(size)), got \(stride): a larger stride would leave pixels without a tile")
        }
        self.size = size
        self.stride = stride
    }

    /// The start of every tile along an axis of `length` pixels (at least `size`).
    public func starts(along length: Int) -> [Int] {
        guard length > size else { return [0] }
        var starts = Array(Swift.stride(from: 0, to: length - size, by: stride))
        starts.append(length - size)
        return starts
    }

    /// How many tiles cover each position along an axis of `length` pixels.
    public func coverage(along length: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: length)
        for start in starts(along: length) {
            for k in start..<min(length, start + size) { counts[k] += 1 }
        }
        return counts
    }

    /// The tiles of a `height` x `width` image, row by row.
    public func windows(height: Int, width: Int) -> [CropWindow] {
        let columns = starts(along: width)
        return starts(along: height).flatMap { top in
            columns.map { CropWindow(top: top, left: $0, height: size, width: size) }
        }
    }

    /// The number of tiles of a `height` x `width` image.
    public func count(height: Int, width: Int) -> Int { starts(along: height).count * starts(along: width).count }

    /// The area the tiles of an image cover: the image, grown to one tile along a side shorter than a
    /// tile (those pixels repeat the image's edge, ArrayImages.tile).
    public func coveredSize(_ image: ImageSize) -> ImageSize {
        ImageSize(height: max(image.height, size), width: max(image.width, size))
    }

    /// The tiles of an image of any size, row by row.
    public func windows(of image: ImageSize) -> [CropWindow] {
        let covered = coveredSize(image)
        return windows(height: covered.height, width: covered.width)
    }

    /// The number of tiles of an image of any size.
    public func count(of image: ImageSize) -> Int {
        let covered = coveredSize(image)
        return count(height: covered.height, width: covered.width)
    }
}
