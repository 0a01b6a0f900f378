// The decision drawn on a heatmap overlay: the outline of each anomalous region in white, and a frame in
// the verdict's colour (red: anomalous, green: nominal; none while the model has no image threshold), so
// a folder of overlays can be skimmed for failures.

public enum DecisionOverlay {
    static let anomalous: (Float, Float, Float) = (0.9, 0.1, 0.1)
    static let nominal: (Float, Float, Float) = (0.1, 0.75, 0.2)

    /// `mask`: height * width values, non-zero inside a region (nil: no regions to draw).
    public static func draw(on picture: inout Picture, mask: [UInt8]?, label: Bool?) {
        let (h, w) = (picture.height, picture.width), plane = h * w
        func paint(_ i: Int, _ colour: (Float, Float, Float)) {
            picture.rgb.data[i] = colour.0; picture.rgb.data[plane + i] = colour.1; picture.rgb.data[2 * plane + i] = colour.2
        }
        if let mask, mask.count == plane {
            for y in 0..<h {
                for x in 0..<w where mask[y * w + x] != 0 {
                    // A region pixel with a 4-neighbour outside the region (or the image) is on the outline.
                    let edge = y == 0 || x == 0 || y == h - 1 || x == w - 1 || mask[(y - 1) * w + x] == 0
                        || mask[(y + 1) * w + x] == 0 || mask[y * w + x - 1] == 0 || mask[y * w + x + 1] == 0
                    if edge { paint(y * w + x, (1, 1, 1)) }
                }
            }
        }
        guard let label else { return }
        let band = max(1, min(h, w) / 64)
        for y in 0..<h {
            for x in 0..<w where y < band || x < band || y >= h - band || x >= w - band {
                paint(y * w + x, label ? anomalous : nominal)
            }
        }
    }
}
