// The per-item train and test transforms of every dataset (reference 7.2-7.7, Appendix B), as values
// built from a `PipelineSpec`: the shared transform its dataset's definition names (ItemTransform.swift).
// Input: a raw 8-bit image (after the online supervisor) and, for datasets with pixel annotations, its
// 0/255 ground-truth map; output: the network input (C, H, W) and the GT map (1, H, W) in {0, 1}.
// Geometric steps that the original applies jointly (`MultiCompose`) use the same random choice for image
// and map. Random choices map to the original's as follows: `random.choice` of two -> integer(below: 2);
// `RandomHorizontalFlip` -> coin 0.5; crops -> `randomCropWindow`; torch/numpy draws -> the same
// `RandomSource`.

/// A processed item: the network input and, for GT datasets, the map.
public struct ProcessedItem {
    /// (C, H, W) float32.
    public var image: Tensor
    /// (1, H, W) in {0, 1}, nil for datasets without ground-truth maps.
    public var groundTruth: Tensor?
}

/// The train or test transform of one dataset.
public struct ItemPipeline {
    public let spec: PipelineSpec
    public let training: Bool
    /// The shared transform the spec's dataset uses.
    let transform: ItemTransform

    /// Builds the transform; the spec is validated again so that hand-made specs cannot slip through.
    public init(spec: PipelineSpec, training: Bool) throws {
        try spec.validate()
        self.spec = spec; self.training = training
        transform = spec.transform
    }

    /// Applies the transform. For GT datasets a missing map means "all nominal" (zeros); callers create
    /// the constant anomalous map for anomalous images without one (the original's `gtinitlbl`).
    public func callAsFunction(_ image: RawImage, groundTruth: RawImage?, _ rng: inout RandomSource) throws -> ProcessedItem {
        guard image.channels == spec.channels else {
            throw EngineError.shapeMismatch("\(spec.dataset.name): expected \(spec.channels)-channel images, got \(image.channels) channels")
        }
        switch transform {
        case .asStored(let augmentation): return try asStored(image, augmentation, &rng)
        case .resizedToInput: return try resizedToInput(image, groundTruth, &rng)
        case .cropOrResizeWithMaps: return try cropOrResizeWithMaps(image, groundTruth, &rng)
        case .shorterSideThenCrop, .squareResizeThenCrop, .squareResize: return try resizedRGB(image, &rng)
        case .jointResizeWithMaps: return try jointResizeWithMaps(image, groundTruth, &rng)
        }
    }

    // MARK: - float tails

    /// LCN(l1) then min-max, or Normalize, as the preprocessing says.
    private func normalise(_ x: inout Tensor) throws {
        switch spec.preprocessing {
        case .lcn, .lcnaug1:
            TensorTransforms.localContrastNormalize(&x, scale: .l1)
            try TensorTransforms.minMaxNormalize(&x, min: spec.constants.lcnMin ?? [], max: spec.constants.lcnMax ?? [])
        default:
            try TensorTransforms.normalize(&x, mean: spec.constants.mean, std: spec.constants.std)
        }
    }

    private func requireSize(_ image: RawImage, _ h: Int, _ w: Int) throws {
        guard image.height == h, image.width == w else {
            throw EngineError.shapeMismatch("\(spec.dataset.name): expected \(h) x \(w) images, got \(image.height) x \(image.width)")
        }
    }

    private func flipMaybe(_ image: RawImage, _ rng: inout RandomSource) -> RawImage {
        rng.bernoulli(0.5) ? image.horizontallyFlipped() : image
    }

    // MARK: - images at the input size (F-MNIST, CIFAR-10)

    private func asStored(_ input: RawImage, _ augmentation: StoredSizeAugmentation?, _ rng: inout RandomSource) throws -> ProcessedItem {
        let h = spec.shape[1], w = spec.shape[2]
        try requireSize(input, h, w)
        var image = input
        let augment = training ? augmentation : nil   // lcn and none have no augmentation
        if let augment {
            if let jitter = augment.jitter { image = try ColorJitter(all: jitter).apply(image, &rng) }
            image = try image.randomlyCropped(height: h, width: w, padding: augment.cropPadding, &rng)
            image = flipMaybe(image, &rng)
        }
        var x = TensorTransforms.toTensor(image)
        if let augment {
            if let noise = augment.noise { TensorTransforms.addGaussianNoise(&x, scale: noise, &rng) }
            if let center = augment.blackCenter {
                TensorTransforms.blackenCenter(&x, percentage: center.percentage, inverted: center.inverted)
            }
        }
        try normalise(&x)
        return ProcessedItem(image: x, groundTruth: nil)
    }

    // MARK: - images of any size resized to the input (the in-memory images, optional ground-truth maps)

    /// Crop padding of the generic pipeline: an eighth of the shorter side, at least 1 (CIFAR-10's 4 for
    /// 32 pixels, F-MNIST aug1's 3 for 28).
    static func genericPadding(_ h: Int, _ w: Int) -> Int { max(1, min(h, w) / 8) }

    /// CIFAR-10's augmentation scaled to the image size: aug1 = jitter 0.01, padded random crop, flip,
    /// noise 0.001; lcnaug1 = padded random crop and flip. Crop and flip act on image and map together.
    private func resizedToInput(_ input: RawImage, _ groundTruth: RawImage?, _ rng: inout RandomSource) throws -> ProcessedItem {
        let h = spec.shape[1], w = spec.shape[2]
        try requireSize(input, spec.rawShape[1], spec.rawShape[2])
        var image = input
        var gt = spec.hasGroundTruth ? try mapMatching(groundTruth, input) : nil
        if image.height != h || image.width != w {
            image = try image.resized(to: .exact(height: h, width: w))
            gt = try gt?.resized(to: .exact(height: h, width: w), interpolation: .nearestPIL)
        }
        let augmented = training && (spec.preprocessing == .aug1 || spec.preprocessing == .lcnaug1)
        if augmented {
            if spec.preprocessing == .aug1 { image = try ColorJitter(all: 0.01).apply(image, &rng) }
            let padding = ItemPipeline.genericPadding(h, w)
            let padded = image.zeroPadded(padding)
            let window = try padded.randomCropWindow(height: h, width: w, &rng)
            image = try padded.cropped(window)
            gt = try gt?.zeroPadded(padding).cropped(window)
            if rng.bernoulli(0.5) {
                image = image.horizontallyFlipped()
                gt = gt?.horizontallyFlipped()
            }
        }
        var x = TensorTransforms.toTensor(image)
        if augmented && spec.preprocessing == .aug1 { TensorTransforms.addGaussianNoise(&x, scale: 0.001, &rng) }
        try normalise(&x)
        return ProcessedItem(image: x, groundTruth: gt.map(groundTruthTensor))
    }

    // MARK: - square raw images cropped or resized, with maps (MVTec-AD)

    private func cropOrResizeWithMaps(_ input: RawImage, _ groundTruth: RawImage?, _ rng: inout RandomSource) throws -> ProcessedItem {
        let raw = spec.rawShape[1], side = spec.shape[1]
        try requireSize(input, raw, raw)
        var image = input
        var gt = try mapMatching(groundTruth, image)
        if raw != side {
            // Joint: random choice {random crop | PIL nearest resize} in training, nearest resize in test.
            if training && rng.integer(below: 2) == 0 {
                let window = try image.randomCropWindow(height: side, width: side, &rng)
                image = try image.cropped(window)
                gt = try gt.cropped(window)
            } else {
                image = try image.resized(to: .shorterSide(side), interpolation: .nearestPIL)
                gt = try gt.resized(to: .shorterSide(side), interpolation: .nearestPIL)
            }
        }
        if training && (spec.preprocessing == .lcnaug1 || spec.preprocessing == .aug1) {
            let jitter = rng.integer(below: 2) == 0
                ? try ColorJitter(all: 0.04)
                : try ColorJitter(brightness: 0.005, contrast: 0.0005, saturation: 0.0005, hue: 0.0005)
            image = jitter.apply(image, &rng)
        }
        var x = TensorTransforms.toTensor(image)
        if training && (spec.preprocessing == .lcnaug1 || spec.preprocessing == .aug1) {
            TensorTransforms.addScaledNoiseAndClamp(&x, &rng)
        }
        try normalise(&x)
        return ProcessedItem(image: x, groundTruth: groundTruthTensor(gt))
    }

    // MARK: - RGB images of any size, resized and cropped (ImageNet-30, Pascal VOC, custom folders)

    private func resizedRGB(_ input: RawImage, _ rng: inout RandomSource) throws -> ProcessedItem {
        let raw = spec.rawShape[1], h = spec.shape[1], w = spec.shape[2]
        var image = input
        switch transform {
        case .squareResize:
            image = try image.resized(to: .exact(height: h, width: w))
        case .squareResizeThenCrop:
            // Square resize on purpose: a shorter-side resize would crop away the watermarks (7.6).
            image = try image.resized(to: .exact(height: raw, width: raw))
            if training {
                image = try ColorJitter(all: 0.01).apply(image, &rng)
                image = try image.cropped(image.randomCropWindow(height: h, width: w, &rng))
            } else {
                image = try image.centerCropped(height: h, width: w)
            }
        default:
            // Shorter side to the raw size, then jitter, flip, crop.
            image = try image.resized(to: .shorterSide(raw))
            if training {
                image = try ColorJitter(all: 0.01).apply(image, &rng)
                image = flipMaybe(image, &rng)
                image = try image.cropped(image.randomCropWindow(height: h, width: w, &rng))
            } else {
                image = try image.centerCropped(height: h, width: w)
            }
        }
        var x = TensorTransforms.toTensor(image)
        if training && spec.preprocessing == .aug1 {
            TensorTransforms.addGaussianNoise(&x, scale: 0.001, &rng)
        }
        try normalise(&x)
        return ProcessedItem(image: x, groundTruth: nil)
    }

    // MARK: - joint resizes of image and map (custom folders with ground-truth maps)

    private func jointResizeWithMaps(_ input: RawImage, _ groundTruth: RawImage?, _ rng: inout RandomSource) throws -> ProcessedItem {
        let raw = spec.rawShape[1], h = spec.shape[1], w = spec.shape[2]
        var image = input
        // A missing map is constant, so its size does not matter after the joint fixed-size resizes.
        var gt = groundTruth.map { $0.channels == 1 ? $0 : $0.firstChannel }
            ?? RawImage(channels: 1, height: image.height, width: image.width, value: 0)
        let exact = ResizeTarget.exact(height: h, width: w)
        if training && spec.preprocessing == .aug1 {
            if rng.integer(below: 2) == 0 {
                let big = ResizeTarget.exact(height: raw, width: raw)
                image = try image.resized(to: big, interpolation: .nearestPIL)
                gt = try gt.resized(to: big, interpolation: .nearestPIL)
                let window = try image.randomCropWindow(height: h, width: w, &rng)
                image = try image.cropped(window)
                gt = try gt.cropped(window)
            } else {
                image = try image.resized(to: exact, interpolation: .nearestPIL)
                gt = try gt.resized(to: exact, interpolation: .nearestPIL)
            }
            if rng.bernoulli(0.5) {
                image = image.horizontallyFlipped()
                gt = gt.horizontallyFlipped()
            }
            image = try ColorJitter(all: 0.01).apply(image, &rng)
        } else {
            image = try image.resized(to: exact, interpolation: .nearestPIL)
            gt = try gt.resized(to: exact, interpolation: .nearestPIL)
        }
        var x = TensorTransforms.toTensor(image)
        if training && spec.preprocessing == .aug1 {
            TensorTransforms.addGaussianNoise(&x, scale: 0.001, &rng)
        }
        try normalise(&x)
        return ProcessedItem(image: x, groundTruth: groundTruthTensor(gt))
    }

    // MARK: - ground truth

    /// The map for an MVTec image: given (one channel, same size) or all zeros.
    private func mapMatching(_ groundTruth: RawImage?, _ image: RawImage) throws -> RawImage {
        guard let g = groundTruth else { return RawImage(channels: 1, height: image.height, width: image.width, value: 0) }
        guard g.height == image.height, g.width == image.width else {
            throw EngineError.shapeMismatch("ground-truth map \(g.height) x \(g.width) does not match the \(image.height) x \(image.width) image")
        }
        return g.channels == 1 ? g : g.firstChannel
    }

    /// {0, 1} tensor, swapped when the nominal label is 1 (pixel value 0 -> nominal label).
    private func groundTruthTensor(_ map: RawImage) -> Tensor {
        var t = TensorTransforms.groundTruthTensor(map)
        if spec.nominalLabel == 1 {
            // mvtec_base.py: 0 -> nominal label (1), 1 -> anomalous label (0); other values stay.
            for i in t.data.indices where t.data[i] == 0 || t.data[i] == 1 { t.data[i] = 1 - t.data[i] }
        }
        return t
    }
}
