// The shared transforms of the item pipelines (reference 7.2-7.7, Appendix B), as names: each dataset's
// definition says which one its specs use (DatasetDefinition.itemTransform), ItemPipeline.swift applies
// it, and prediction and export derive from it how images of other sizes reach the pipeline.

/// The training augmentation of images stored at the network's input size (F-MNIST, CIFAR-10), in its
/// order: colour jitter, a random crop of the zero-padded image, a horizontal flip (on the 8-bit image),
/// then Gaussian noise and the black centre (on the tensor).
struct StoredSizeAugmentation: Equatable {
    /// The `ColorJitter(all:)` strength; nil: no jitter.
    var jitter: Double? = nil
    /// Zero padding before the random crop back to the input size.
    var cropPadding: Int
    /// Scale of the Gaussian noise added to the tensor; nil: none.
    var noise: Float? = nil
    /// CIFAR-10's `BlackCenter`; nil: none.
    var blackCenter: BlackCenter? = nil

    /// Blackens the centre of the tensor (or, inverted, everything but the centre).
    struct BlackCenter: Equatable {
        var inverted: Bool
        /// Share of the side the centre covers.
        var percentage = 0.6
    }
}

/// How an item pipeline turns a raw image into the network input.
enum ItemTransform: Equatable {
    /// Images at the input size as stored; in training the augmentation, if any (F-MNIST, CIFAR-10).
    case asStored(StoredSizeAugmentation?)
    /// Images of any raw size resized to the input size (PIL bilinear), then CIFAR-10's augmentation
    /// scaled to the size; maps go along (the in-memory images of `fs.FCDD.fit`).
    case resizedToInput
    /// Square images at the raw size, then a random crop or a nearest resize to the input size in
    /// training and a nearest resize in testing, jointly with the maps; one of two colour jitters and
    /// noise scaled by the image's std (MVTec-AD, 7.4).
    case cropOrResizeWithMaps
    /// Shorter side to the raw size, then jitter, flip and a random crop in training, a centred crop in
    /// testing (ImageNet-30, custom folders with aug1).
    case shorterSideThenCrop
    /// Square resize to the raw size, then jitter and a random crop in training (no flip), a centred crop
    /// in testing (Pascal VOC: a shorter-side resize would crop away the watermarks, 7.6).
    case squareResizeThenCrop
    /// Square resize to the input size, nothing else (custom folders with preprocessing none).
    case squareResize
    /// Joint nearest resizes of image and map: in training a coin chooses between a random crop of the
    /// raw-size resize and the input-size resize, then a flip and jitter (custom folders with maps).
    case jointResizeWithMaps

    /// How an image of another size is brought to the raw size before the transform (prediction).
    enum RawSizing {
        /// The transform resizes images of any size itself.
        case anySize
        /// PyTorch nearest, as the dataset's reader caches its images (MVTec-AD).
        case nearestTorch
        /// PIL bilinear to the raw size.
        case bilinear
    }

    var rawSizing: RawSizing {
        switch self {
        case .asStored, .resizedToInput: return .bilinear
        case .cropOrResizeWithMaps: return .nearestTorch
        case .shorterSideThenCrop, .squareResizeThenCrop, .squareResize, .jointResizeWithMaps: return .anySize
        }
    }
}
