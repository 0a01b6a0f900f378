// Training samples that are tiles of the training images at their own resolution: an epoch has as many
// samples as the images have tiles in the layout (images of different sizes contribute in proportion to
// their area), and every sample is a tile at a random position of its image (a new position each time it
// is drawn, so the epochs see the whole surface, not a fixed grid). The online supervisor then works on
// the tile (its noise at the tile's size), and the item pipeline normalises it as any image of that size.
// A known anomaly's tile is anomalous when its part of the mask marks a pixel, or, without a mask,
// because the whole image is.

struct TiledTrainingSamples: TrainingSampleSource {
    let images: ArrayImages
    /// The block indices of the training images.
    let indices: [Int]
    /// The channels the network sees.
    let channels: Int
    let layout: TileLayout
    let supervisor: OnlineSupervisor
    let pipeline: ItemPipeline
    /// 0 nominal / 1 anomalous per block index.
    let labels: [Int]
    /// Anomalous block indices whose empty (or absent) mask means "the whole image".
    let wholeImageAnomalies: Set<Int>
    /// The first sample of each training image (its tiles' count apart from the next one's), and the total.
    let firstSample: [Int]
    let count: Int

    init(images: ArrayImages, indices: [Int], channels: Int, layout: TileLayout, supervisor: OnlineSupervisor,
         pipeline: ItemPipeline, labels: [Int], wholeImageAnomalies: Set<Int>) {
        self.images = images; self.indices = indices; self.channels = channels; self.layout = layout
        self.supervisor = supervisor; self.pipeline = pipeline; self.labels = labels
        self.wholeImageAnomalies = wholeImageAnomalies
        var starts = [Int](), total = 0
        for k in indices {
            starts.append(total)
            total += layout.count(of: images.sizes[k])
        }
        firstSample = starts
        count = total
    }

    var itemShape: [Int] { pipeline.spec.shape }
    var hasGroundTruth: Bool { pipeline.spec.hasGroundTruth }

    /// The position in `indices` of the image that sample `index` is a tile of.
    func imagePosition(ofSample index: Int) -> Int {
        var low = 0, high = firstSample.count - 1
        while low < high {   // the last image whose first sample is at most `index`
            let middle = (low + high + 1) / 2
            if firstSample[middle] <= index { low = middle } else { high = middle - 1 }
        }
        return low
    }

    func sample(at index: Int, rng: inout RandomSource) throws -> TrainingSample {
        let k = indices[imagePosition(ofSample: index)]
        let size = layout.size, covered = layout.coveredSize(images.sizes[k])
        let window = CropWindow(top: rng.integer(below: covered.height - size + 1),
                                left: rng.integer(below: covered.width - size + 1), height: size, width: size)
        var tile = images.tile(at: k, window)
        if tile.channels != channels { tile = tile.converted(toChannels: channels) }
        var mask = images.maskTile(at: k, window)
        var label = labels[k]
        if label == 1 {
            if wholeImageAnomalies.contains(k) && images.maskIsEmpty(at: k) {
                mask = hasGroundTruth ? RawImage(channels: 1, height: size, width: size, value: 255) : nil
            } else if let part = mask, !part.pixels.contains(where: { $0 != 0 }) {
                label = 0   // the defect lies elsewhere in the image
            }
        }
        if hasGroundTruth && mask == nil { mask = RawImage(channels: 1, height: size, width: size, value: 0) }
        var supervised = try supervisor(image: tile, label: label, groundTruth: hasGroundTruth ? mask : nil, &rng)
        if !hasGroundTruth { supervised.groundTruth = nil }
        let item = try pipeline(supervised.image, groundTruth: supervised.groundTruth, &rng)
        return TrainingSample(image: item.image.data, label: Float(supervised.label), groundTruth: item.groundTruth?.data)
    }
}
